"""Expose stage: how much context a cloud-tier model gets. Full context until partial exposure is enabled."""

from __future__ import annotations

from router.config import DuetConfig
from router.context import RequestContext


class ExposeStage:
    def __init__(self, config: DuetConfig) -> None:
        self.config = config

    async def __call__(self, ctx: RequestContext) -> None:
        return None
