"""Image generation: `POST /v1/images/generations` and `Router.generate_image()`.

Two backends from the `images:` section of the config, one `edge` and one `cloud`, each with a
cost per image. The cloud backend is called through litellm's image generation; the edge backend
is any OpenAI-compatible images endpoint (plain HTTP). With `model: auto` the RouteT2I policy
decides: a trained predictor estimates both models' quality on every dimension from the prompt,
Pareto relative superiority compares them, and the cloud is used only when superiority exceeds a
threshold derived from the budget and the rolling-window ledger still admits it. Every request
writes one log row with the predicted (and, when scoring is on, measured) scores, for retraining.

    images:
      clip_path: /models/clip-vit-base-patch32   # local CLIP checkpoint (for labelling / scoring)
      dimensions: default                        # or a list of {name, positive, negative}
      predictor: ~/.duet/t2i                     # output of `duet train t2i`
      budget: {max_cloud_fraction: 0.3, max_cloud_spend: 5.0, window_seconds: 3600}   # ledger: memory | PATH
      threshold: null                            # explicit superiority threshold; default from the budget
      score_served: false                        # score each served image with CLIP and log it
      backends:
        - {name: edge-sd, tier: edge, model: sd-turbo, api_base: "http://127.0.0.1:7860/v1", cost_per_image: 0}
        - {name: cloud, tier: cloud, model: openai/dall-e-3, api_key: os.environ/OPENAI_API_KEY,
           cost_per_image: 0.04}
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from policies.t2i.budget import BudgetConfig, CloudBudget, threshold_for_fraction
from policies.t2i.dimensions import Dimension, load_dimensions
from policies.t2i.shared_budget import SharedCloudBudget
from router.config import ConfigError, DuetConfig, _expand, _resolve_secret
from router.dispatch import error_kind
from router.errors import DuetError, InvalidRequest, ModelNotFound, NoModelAvailable, UpstreamError
from router.logstore import LogStore
from router.privacy_stage import PrivacyStage

log = logging.getLogger("duet.images")

IMAGE_TIERS = ("edge", "cloud")
SIZE_RE = re.compile(r"^\d{2,4}x\d{2,4}$")
MAX_PROMPT_CHARS = 4000
MAX_IMAGES = 4


class ImagesNotConfigured(DuetError):
    status, type, code = 404, "invalid_request_error", "images_not_configured"


@dataclass
class ImageBackendSpec:
    name: str
    tier: str  # "edge" | "cloud"
    model: str
    kind: str  # "openai": plain OpenAI-compatible HTTP; "litellm": litellm.aimage_generation
    api_base: str | None = None
    api_key: str | None = None
    cost_per_image: float = 0.0
    timeout: float = 120.0
    unavailable: str | None = None


@dataclass
class ImagesConfig:
    backends: dict[str, ImageBackendSpec]
    clip_path: str | None = None
    dimensions: tuple[Dimension, ...] = ()
    predictor: str | None = None
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    ledger: str | None = None  # SQLite file shared by every process (policies/t2i/shared_budget.py); None: memory
    threshold: float | None = None
    score_served: bool = False

    def tier(self, tier: str) -> ImageBackendSpec | None:
        return next((b for b in self.backends.values() if b.tier == tier and b.unavailable is None), None)


def _ledger_path(config: DuetConfig, value: Any) -> str | None:
    """`budget.ledger`: "memory" (this process only), a path, or by default a file beside the request log,
    so all gateway processes sharing that log also share one budget (and a restart does not reset it)."""
    if value == "memory":
        return None
    if value in (None, "shared"):
        return str(Path(config.log_path).expanduser().with_name("t2i-budget.sqlite"))
    return str(Path(_expand(str(value))).expanduser())


def parse_images_config(config: DuetConfig) -> ImagesConfig | None:
    """The `images:` section, or None when the config has none."""
    raw = config.raw.get("images")
    if not raw:
        return None
    where = f"{config.source}: images"
    backends: dict[str, ImageBackendSpec] = {}
    for entry in raw.get("backends") or []:
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("model"):
            raise ConfigError(f"{where}: every backend needs 'name' and 'model': {entry!r}")
        tier = entry.get("tier", "cloud")
        if tier not in IMAGE_TIERS:
            raise ConfigError(f"{where}: backend {entry['name']!r}: tier must be one of {IMAGE_TIERS}")
        spec = ImageBackendSpec(
            name=str(entry["name"]), tier=tier, model=str(entry["model"]),
            kind=str(entry.get("kind") or ("openai" if tier == "edge" else "litellm")),
            api_base=_expand(str(entry["api_base"])).rstrip("/") if entry.get("api_base") else None,
            cost_per_image=float(entry.get("cost_per_image", 0.0)), timeout=float(entry.get("timeout", 120)))
        if spec.kind not in ("openai", "litellm"):
            raise ConfigError(f"{where}: backend {spec.name!r}: kind must be 'openai' or 'litellm'")
        if spec.kind == "openai" and not spec.api_base:
            raise ConfigError(f"{where}: backend {spec.name!r}: an OpenAI-compatible backend needs api_base")
        if entry.get("api_key") is not None:
            spec.api_key = _resolve_secret(str(entry["api_key"]))
            if not spec.api_key:
                spec.unavailable = f"API key {entry['api_key']} is not set"
        if spec.name in backends:
            raise ConfigError(f"{where}: backend {spec.name!r} is listed twice")
        backends[spec.name] = spec
    if not backends:
        raise ConfigError(f"{where}: 'backends' must list at least one image backend")
    budget = raw.get("budget") or {}
    try:
        budget_config = BudgetConfig(
            max_cloud_fraction=budget.get("max_cloud_fraction"), max_cloud_spend=budget.get("max_cloud_spend"),
            window_seconds=float(budget.get("window_seconds", 3600)))
        dimensions = load_dimensions(raw.get("dimensions"))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return ImagesConfig(
        backends=backends,
        clip_path=str(Path(_expand(str(raw["clip_path"]))).expanduser()) if raw.get("clip_path") else None,
        dimensions=dimensions,
        predictor=str(Path(_expand(str(raw["predictor"]))).expanduser()) if raw.get("predictor") else None,
        budget=budget_config,
        ledger=_ledger_path(config, budget.get("ledger")),
        threshold=float(raw["threshold"]) if raw.get("threshold") is not None else None,
        score_served=bool(raw.get("score_served", False)))


# -- backends ---------------------------------------------------------------------------------------
async def call_backend(spec: ImageBackendSpec, prompt: str, n: int = 1, size: str | None = None,
                       response_format: str = "b64_json") -> list[dict[str, Any]]:
    """OpenAI `data` items ({"b64_json"} or {"url"}, maybe "revised_prompt") from one backend."""
    params: dict[str, Any] = {"prompt": prompt, "n": n, "response_format": response_format}
    if size:
        params["size"] = size
    if spec.kind == "litellm":
        import litellm

        kwargs: dict[str, Any] = {"model": spec.model, "timeout": spec.timeout, **params}
        if spec.api_base:
            kwargs["api_base"] = spec.api_base
        if spec.api_key:
            kwargs["api_key"] = spec.api_key
        result = await litellm.aimage_generation(**kwargs)
        data = result.data if hasattr(result, "data") else result["data"]
        items = [d.model_dump() if hasattr(d, "model_dump") else dict(d) for d in data]
    else:
        headers = {"Authorization": f"Bearer {spec.api_key}"} if spec.api_key else {}
        async with httpx.AsyncClient(timeout=spec.timeout) as client:
            resp = await client.post(f"{spec.api_base}/images/generations",
                                     json={"model": spec.model, **params}, headers=headers)
        if resp.status_code != 200:
            raise UpstreamError(f"{spec.name}: HTTP {resp.status_code}: {resp.text[:200]}")
        items = list(resp.json().get("data") or [])
    cleaned = [{k: v for k, v in item.items() if v is not None and k in ("b64_json", "url", "revised_prompt")}
               for item in items]
    if not cleaned or not all("b64_json" in it or "url" in it for it in cleaned):
        raise UpstreamError(f"{spec.name}: response has no images")
    return cleaned


def decode_image(item: dict[str, Any]) -> "PIL.Image.Image":  # noqa: F821
    from PIL import Image

    if "b64_json" not in item:
        raise ValueError("only b64_json images can be scored locally")
    return Image.open(io.BytesIO(base64.b64decode(item["b64_json"]))).convert("RGB")


# -- the routing path --------------------------------------------------------------------------------
@dataclass
class ImageRequest:
    prompt: str
    model: str = "auto"
    n: int = 1
    size: str | None = None
    response_format: str = "b64_json"
    user: str | None = None
    privacy: str | None = None  # extra_body.duet.privacy, as for chat


def parse_image_request(body: Any) -> ImageRequest:
    if not isinstance(body, dict):
        raise InvalidRequest("body must be a JSON object")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidRequest("'prompt' must be a non-empty string", param="prompt")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidRequest(f"'prompt' is longer than {MAX_PROMPT_CHARS} characters", param="prompt")
    model = body.get("model", "auto")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("'model' must be a string", param="model")
    n = body.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_IMAGES:
        raise InvalidRequest(f"'n' must be an integer from 1 to {MAX_IMAGES}", param="n")
    size = body.get("size")
    if size is not None and (not isinstance(size, str) or not SIZE_RE.match(size)):
        raise InvalidRequest("'size' must look like '1024x1024'", param="size")
    fmt = body.get("response_format", "b64_json") or "b64_json"
    if fmt not in ("b64_json", "url"):
        raise InvalidRequest("'response_format' must be 'b64_json' or 'url'", param="response_format")
    user = body.get("user")
    duet = body.get("duet") if isinstance(body.get("duet"), dict) else {}
    privacy = duet.get("privacy")
    if privacy is not None and not isinstance(privacy, str):
        raise InvalidRequest("'duet.privacy' must be a string", param="duet.privacy")
    return ImageRequest(prompt=prompt, model=model, n=n, size=size, response_format=fmt,
                        user=str(user)[:256] if user is not None else None, privacy=privacy)


class ImageRouter:
    """Decides edge or cloud per prompt within the budget, calls the backend, logs one row."""

    def __init__(self, config: DuetConfig, store: LogStore, privacy: PrivacyStage | None = None) -> None:
        self.config = config
        self.images = parse_images_config(config)
        # The chat pipeline's privacy stage (same detector, modes and session vaults) clears what a cloud
        # image model may see of a prompt; edge backends get the prompt as sent.
        self.privacy = privacy or PrivacyStage(config)
        self.store = store
        self.budget: CloudBudget | SharedCloudBudget | None = None
        if self.images:
            self.budget = (SharedCloudBudget(self.images.budget, self.images.ledger) if self.images.ledger
                           else CloudBudget(self.images.budget))
        self._predictor = None
        self._scorer = None
        self._threshold: float | None = None
        self._load_lock = threading.Lock()  # concurrent first requests load the models once

    # lazy heavy parts -----------------------------------------------------------------------------
    def predictor(self):
        with self._load_lock:
            if self._predictor is None and self.images and self.images.predictor:
                from policies.t2i.predictor import QualityPredictor

                self._predictor = QualityPredictor.load(self.images.predictor)
            return self._predictor

    def scorer(self):
        with self._load_lock:
            if self._scorer is None and self.images and self.images.clip_path:
                from policies.t2i.clip_scorer import QualityScorer, TransformersClip

                self._scorer = QualityScorer(TransformersClip(self.images.clip_path), self.images.dimensions)
            return self._scorer

    def threshold(self) -> float:
        """Explicit threshold, else the calibration quantile matching the budget's cloud fraction, else 0
        (cloud only when predicted better; the spend ledger still caps it)."""
        if self._threshold is None:
            assert self.images is not None
            predictor = self.predictor()
            if self.images.threshold is not None:
                self._threshold = self.images.threshold
            elif predictor is not None and self.images.budget.max_cloud_fraction is not None:
                self._threshold = max(0.0, threshold_for_fraction(predictor.calibration,
                                                                  self.images.budget.max_cloud_fraction))
            else:
                self._threshold = 0.0
        return self._threshold

    # one request ----------------------------------------------------------------------------------
    async def generate(self, body: Any) -> dict[str, Any]:
        if self.images is None:
            raise ImagesNotConfigured("image generation is not configured (add an 'images:' section)")
        started = time.perf_counter()
        request_id = "img-duet-" + uuid.uuid4().hex
        row: dict[str, Any] = {"id": request_id, "ts": time.time(), "endpoint": "images.generations",
                               "stream": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0,
                               "policy": "routet2i"}
        extra: dict[str, Any] = {}
        attempts: list[dict[str, Any]] = []
        request: ImageRequest | None = None
        try:
            request = parse_image_request(body)
            row.update(requested_model=request.model, session_id=request.user)
            extra.update(n=request.n, size=request.size)
            cloud_prompt, extra["privacy"], restore = await self.privacy.clear_prompt(
                request.prompt, request.privacy, request.user)
            order, cloud_granted = await self._decide(request, extra, cloud_allowed=cloud_prompt is not None)
            row["reason"] = extra.get("reason")
            items, spec = None, None
            for spec in order:
                t0 = time.perf_counter()
                try:
                    cloud = spec.tier == "cloud"
                    items = await call_backend(spec, cloud_prompt if cloud else request.prompt, request.n,
                                               request.size, request.response_format)
                    if cloud and restore is not None:  # a cloud model's revised prompt quotes placeholders
                        items = [{**it, "revised_prompt": restore(it["revised_prompt"])}
                                 if isinstance(it.get("revised_prompt"), str) else it for it in items]
                    attempts.append({"model": spec.name, "tier": spec.tier, "outcome": "ok",
                                     "ms": round((time.perf_counter() - t0) * 1000, 1)})
                    break
                except Exception as exc:  # noqa: BLE001 - recorded, then the next backend
                    attempts.append({"model": spec.name, "tier": spec.tier, "outcome": error_kind(exc),
                                     "detail": str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__,
                                     "ms": round((time.perf_counter() - t0) * 1000, 1)})
                    if spec.tier == "cloud" and cloud_granted:
                        self.budget.refund(spec.cost_per_image * request.n)
                        cloud_granted = False
            if items is None or spec is None:
                raise UpstreamError("every image backend failed", details=attempts)
            row.update(model=spec.name, tier="cloud" if spec.tier == "cloud" else "local",
                       cost_usd=spec.cost_per_image * len(items), outcome="ok")
            scorer = await asyncio.to_thread(self.scorer) if self.images.score_served else None
            if scorer is not None and "b64_json" in items[0]:
                measured = await asyncio.to_thread(scorer.score, [decode_image(items[0])], [request.prompt])
                extra["measured"] = {"tier": spec.tier, "scores": _named(scorer.names, measured[0])}
            return {"created": int(time.time()), "data": items,
                    "duet": {"id": request_id, "model": spec.name, "tier": spec.tier,
                             "cost_usd": row["cost_usd"], "superiority": extra.get("superiority"),
                             "threshold": extra.get("threshold"), "reason": extra.get("reason")}}
        except DuetError as exc:
            row.update(outcome=exc.kind, error=exc.message[:500])
            raise
        except Exception as exc:  # noqa: BLE001
            row.update(outcome="internal_error", error=str(exc)[:500])
            raise
        finally:
            row["attempts"] = attempts
            row["fallback"] = int(len(attempts) > 1 and row.get("outcome") == "ok")
            row["total_ms"] = round((time.perf_counter() - started) * 1000, 3)
            row["extra"] = {"t2i": extra}
            if self.config.log_content and request is not None:
                row["prompt"] = request.prompt
            self.store.record(row)

    async def _decide(self, request: ImageRequest, extra: dict[str, Any],
                      cloud_allowed: bool = True) -> tuple[list[ImageBackendSpec], bool]:
        """Backends in the order to try, and whether a cloud slot was taken from the budget."""
        assert self.images is not None and self.budget is not None
        edge, cloud = self.images.tier("edge"), self.images.tier("cloud")
        if not cloud_allowed:  # private data the cloud may not see (route_local, or the detector failed)
            if edge is None:
                raise NoModelAvailable("the prompt holds private data that may not leave this machine, and no "
                                       "edge image backend is available")
            extra["reason"] = "private data kept at the edge"
            return [edge], False
        if request.model != "auto":
            spec = self.images.backends.get(request.model)
            if spec is None:
                raise ModelNotFound(f"image model {request.model!r} does not exist; use 'auto' or one of: "
                                    f"{', '.join(self.images.backends)}", param="model")
            if spec.unavailable:
                raise NoModelAvailable(f"image model {spec.name!r} is unavailable: {spec.unavailable}")
            granted = self.budget.admit(spec.tier == "cloud", spec.cost_per_image * request.n)
            if spec.tier == "cloud" and not granted:
                extra["reason"] = "explicit cloud model refused by the budget; served by edge"
                if edge is None:
                    raise BudgetExhausted("the cloud image budget for this window is used up")
                return [edge], False
            extra["reason"] = "explicit model"
            return [spec], granted
        if edge is None and cloud is None:
            raise NoModelAvailable("no image backend is available")
        if cloud is None or edge is None:
            only = cloud or edge
            granted = self.budget.admit(only.tier == "cloud", only.cost_per_image * request.n)
            if only.tier == "cloud" and not granted:
                raise BudgetExhausted("the cloud image budget for this window is used up and no edge backend exists")
            extra["reason"] = f"only {only.tier} backend available"
            return [only], granted
        predictor = await asyncio.to_thread(self.predictor)
        want_cloud = False
        if predictor is not None:
            pred = await asyncio.to_thread(predictor.predict, [request.prompt])
            superiority = float(pred.superiority[0])
            threshold = self.threshold()
            want_cloud = superiority > threshold
            extra.update(superiority=round(superiority, 6), threshold=round(threshold, 6),
                         predicted={"edge": _named(predictor.dimensions, pred.edge[0]),
                                    "cloud": _named(predictor.dimensions, pred.cloud[0])})
        granted = self.budget.admit(want_cloud, cloud.cost_per_image * request.n)
        extra["wanted_cloud"] = want_cloud
        extra["budget"] = self.budget.snapshot()
        if granted:
            extra["reason"] = "predicted cloud superiority above threshold; budget admits"
            return [cloud, edge], True
        extra["reason"] = ("no predictor configured: edge" if predictor is None else
                           "superiority above threshold but budget exhausted: edge" if want_cloud else
                           "superiority below threshold: edge")
        return [edge], False

    # labelling -------------------------------------------------------------------------------------
    async def label(self, prompts: list[str], images_dir: str | Path | None = None, concurrency: int = 4,
                    size: str | None = None) -> list["LabelledPrompt"]:  # noqa: F821
        """Generate each prompt with both backends and score both images with CLIP (training rows)."""
        from policies.t2i.rows import LabelledPrompt

        if self.images is None:
            raise ImagesNotConfigured("image generation is not configured (add an 'images:' section)")
        edge, cloud = self.images.tier("edge"), self.images.tier("cloud")
        if edge is None or cloud is None:
            raise ConfigError("labelling needs an available edge and an available cloud image backend")
        scorer = await asyncio.to_thread(self.scorer)
        if scorer is None:
            raise ConfigError("labelling needs images.clip_path (a local CLIP checkpoint directory)")
        out_dir = Path(images_dir) if images_dir else None
        if out_dir:
            out_dir.mkdir(parents=True, exist_ok=True)
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int, prompt: str) -> LabelledPrompt | None:
            cloud_prompt, _, _ = await self.privacy.clear_prompt(prompt)
            if cloud_prompt is None:
                log.warning("label-images: prompt %d holds private data the cloud may not see; skipped", i)
                return None
            async with gate:
                e_items, c_items = await asyncio.gather(call_backend(edge, prompt, 1, size, "b64_json"),
                                                        call_backend(cloud, cloud_prompt, 1, size, "b64_json"))
            images = [decode_image(e_items[0]), decode_image(c_items[0])]
            scores = await asyncio.to_thread(scorer.score, images, [prompt, prompt])
            paths: list[str | None] = [None, None]
            if out_dir:
                for k, (tier, im) in enumerate(zip(("edge", "cloud"), images)):
                    path = out_dir / f"{i:05d}-{tier}.png"
                    im.save(path)
                    paths[k] = str(path)
            return LabelledPrompt(prompt, scorer.names, [round(float(x), 6) for x in scores[0]],
                                  [round(float(x), 6) for x in scores[1]], paths[0], paths[1])

        labelled = await asyncio.gather(*(one(i, p) for i, p in enumerate(prompts)))
        return [row for row in labelled if row is not None]


class BudgetExhausted(DuetError):
    status, type, code = 429, "rate_limit_error", "image_budget_exhausted"


def _named(names: list[str], values: Any) -> dict[str, float]:
    return {n: round(float(v), 6) for n, v in zip(names, values)}
