"""Privacy stage: decides what each tier may see.

Until detection and redaction are configured, every tier sees the messages as sent.
"""

from __future__ import annotations

from router.config import DuetConfig
from router.context import RequestContext


class PrivacyStage:
    def __init__(self, config: DuetConfig) -> None:
        self.config = config

    async def __call__(self, ctx: RequestContext) -> None:
        ctx.messages_by_tier = {"local": ctx.messages, "cloud": ctx.messages}
