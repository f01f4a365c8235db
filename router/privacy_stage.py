"""Privacy stage: decides what each tier may see, and how to undo redaction in the answer.

Local-tier models see the messages as sent. Cloud-tier models see them (and `duet.documents`, which
the expose stage may send as context) only after the detector has checked every text: with private
spans replaced by the session vault's placeholders (`redact`), or not at all (`block` refuses,
`route_local` sends the request to a local model). If the detector raises or runs out of time, the
cloud tier is simply not cleared (fail closed) and the report says why.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

from privacy.config import PrivacyConfig, build_detector
from privacy.detector import Detector
from privacy.redactor import Redaction, Redactor
from privacy.spans import CATEGORIES
from privacy.vault import Vault, VaultStore
from router.config import ConfigError, DuetConfig
from router.context import DuetOptions, RequestContext
from router.errors import InvalidRequest, PrivacyBlocked
from router.validate import AUTO

log = logging.getLogger("duet.privacy")
REQUEST_MODES = ("redact", "block", "route_local", "off")
STRICTNESS = {"allow": 0, "redact": 1, "route_local": 2, "block": 3}  # a request may only tighten the config


def load_settings(config: DuetConfig) -> PrivacyConfig:
    try:
        return PrivacyConfig.from_dict(config.privacy)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{config.source}: privacy: {exc}") from exc


INLINE_SCAN_CHARS = 8192  # requests up to this size are scanned on the event loop


def document_messages(documents: list[str]) -> list[dict[str, Any]]:
    """`duet.documents` as user messages, so the redactor treats them exactly like the request's texts."""
    return [{"role": "user", "content": doc} for doc in documents]


class Scanner:
    """The configured detector, shared by the stage and the scan endpoint."""

    def __init__(self, settings: PrivacyConfig) -> None:
        self.settings = settings
        self.detector: Detector = build_detector(settings)

    def scan(self, text: str) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.detector.scan(text)]

    def budget_s(self, messages: list[dict[str, Any]]) -> float:
        size_kb = len(repr(messages)) / 1024
        return (self.settings.budget_ms + self.settings.budget_ms_per_kb * size_kb) / 1000.0


class PrivacyStage:
    def __init__(self, config: DuetConfig) -> None:
        self.config = config
        self.settings = load_settings(config)
        self.scanner = Scanner(self.settings) if self.settings.enabled else None
        self.redactor = Redactor(self.scanner.detector) if self.scanner else None
        self.vaults = self._vault_store()

    def _vault_store(self) -> VaultStore:
        key = os.environ.get(self.settings.vault_key_env)
        if self.settings.vault_dir and key:
            return VaultStore(os.path.expanduser(self.settings.vault_dir), key)
        if self.settings.vault_dir:
            log.warning("privacy.vault_dir is set but %s is empty: vaults stay in memory only",
                        self.settings.vault_key_env)
        return VaultStore()

    def _has_cloud(self) -> bool:
        return any(m.tier == "cloud" for m in self.config.available())

    async def __call__(self, ctx: RequestContext) -> None:
        await self.check(ctx, has_cloud=self._has_cloud())

    async def clear_prompt(self, prompt: str, requested: str | None = None,
                           session_id: str | None = None) -> tuple[str | None, dict[str, Any], Any]:
        """What a cloud-tier image model may see of a prompt: the redacted prompt, or None when the cloud
        may not see it at all (route_local, or the detector failed: fail closed). Raises PrivacyBlocked
        for `block`. Also returns the report (no raw values) and the restore function (or None)."""
        ctx = RequestContext(messages=[{"role": "user", "content": prompt}],
                             options=DuetOptions(privacy=requested, session_id=session_id))
        await self.check(ctx, has_cloud=True)
        cloud = ctx.messages_by_tier.get("cloud")
        return (cloud[0]["content"] if cloud else None), ctx.privacy, ctx.restore_text

    async def check(self, ctx: RequestContext, has_cloud: bool) -> None:
        requested = ctx.options.privacy
        if requested is not None and requested not in REQUEST_MODES:
            raise InvalidRequest(f"duet.privacy must be one of {REQUEST_MODES}", param="duet.privacy")
        ctx.messages_by_tier = {"local": ctx.messages}
        ctx.documents_by_tier = {"local": ctx.options.documents}
        if self.redactor is None or (requested == "off" and self.settings.allow_off):
            ctx.messages_by_tier["cloud"] = ctx.messages
            ctx.documents_by_tier["cloud"] = ctx.options.documents
            ctx.privacy = {"status": "off"}
            return
        if requested == "off":
            raise InvalidRequest("this gateway does not allow turning privacy off per request", param="duet.privacy")
        if not has_cloud or ctx.options.local_only:
            ctx.privacy = {"status": "local_only", "reason": "no cloud-tier model may serve this request"}
            return
        vault = self.vaults.get(ctx.options.session_id)
        started = time.perf_counter()
        try:  # documents are checked with the messages, as user texts, with the same vault
            redaction = await self._redact(ctx.messages + document_messages(ctx.options.documents), vault)
        except Exception as exc:  # noqa: BLE001 - any failure: the cloud tier stays closed
            reason = "timeout" if isinstance(exc, (asyncio.TimeoutError, TimeoutError)) else type(exc).__name__
            ctx.privacy = {"status": "failed_closed", "reason": reason,
                           "detector_ms": round((time.perf_counter() - started) * 1000, 3)}
            ctx.extra["privacy_failed_closed"] = reason
            log.warning("privacy detector failed (%s): cloud tier closed for %s", reason, ctx.request_id)
            return
        detector_ms = round((time.perf_counter() - started) * 1000, 3)
        self.vaults.save(vault)
        self._apply(ctx, redaction, vault, requested, detector_ms)

    async def _redact(self, messages: list[dict[str, Any]], vault: Vault) -> Redaction:
        """Small requests are scanned inline (a few ms of CPU; a thread hop would only add queueing).
        Large ones go to a worker thread, and the budget clock starts when the worker does, so time
        spent waiting for a free thread under load is not charged to the detector."""
        assert self.redactor is not None and self.scanner is not None
        budget = self.scanner.budget_s(messages)
        if not self.settings.slm and sum(len(repr(m)) for m in messages) <= INLINE_SCAN_CHARS:
            return self.redactor.redact(messages, vault)  # the detector checks its own budget per layer
        loop = asyncio.get_running_loop()
        began: asyncio.Future[None] = loop.create_future()

        def work() -> Redaction:
            loop.call_soon_threadsafe(lambda: began.done() or began.set_result(None))
            return self.redactor.redact(messages, vault)

        job = asyncio.ensure_future(asyncio.to_thread(work))
        await asyncio.wait({began, job}, return_when=asyncio.FIRST_COMPLETED)
        return await asyncio.wait_for(job, timeout=budget)

    def _apply(self, ctx: RequestContext, redaction: Redaction, vault: Vault, requested: str | None,
               detector_ms: float) -> None:
        default = requested or self.settings.default_mode
        categories = sorted(redaction.counts())
        modes = {c: max(self.settings.mode(c), requested or "allow", key=STRICTNESS.__getitem__) for c in categories}
        report = {"status": "checked", **redaction.report(), "detector_ms": detector_ms,
                  "kept_local": [{"category": c, "description": CATEGORIES.get(c, "a configured private phrase"),
                                  "count": n} for c, n in sorted(redaction.counts().items())],
                  "cloud_private_chars": 0}
        blocked = [c for c, m in modes.items() if m == "block"]
        to_local = [c for c, m in modes.items() if m == "route_local"]
        if blocked:
            report.update(status="blocked", blocked=blocked)
            ctx.privacy = report
            raise PrivacyBlocked(f"the request contains private data ({', '.join(blocked)}) that this gateway "
                                 f"does not send to cloud models", details={"categories": blocked})
        if to_local:
            report.update(status="routed_local", routed_local=to_local)
            ctx.options.local_only = True
            if ctx.model != AUTO and self.config.models[ctx.model].tier != "local":
                report["requested_model"] = ctx.model
                ctx.model = AUTO
            ctx.privacy = report
            return
        report["mode"] = "redact" if categories else default
        count = len(ctx.messages)
        ctx.messages_by_tier["cloud"] = redaction.messages[:count]
        ctx.documents_by_tier["cloud"] = [str(m["content"]) for m in redaction.messages[count:]]
        ctx.restore_text = vault.restore
        ctx.restore_stream = vault.stream_restorer
        ctx.privacy = report
