"""Validate stage: an OpenAI chat request body becomes a RequestContext, or a clear 400/404."""

from __future__ import annotations

from typing import Any

from router.config import DuetConfig
from router.context import DuetOptions, RequestContext
from router.errors import InvalidRequest, ModelNotFound
from router.schema import forwarded_params, parse_chat_request

AUTO = "auto"


def build_context(body: Any, config: DuetConfig) -> RequestContext:
    request = parse_chat_request(body)
    if request.model != AUTO and request.model not in config.models:
        raise ModelNotFound(f"model {request.model!r} does not exist; use 'auto' or one of: "
                            f"{', '.join(config.models)}", param="model")
    extra = request.duet
    options = DuetOptions(**extra.model_dump()) if extra else DuetOptions()
    if options.policy and options.policy not in config.raw.get("policies", {}) and options.policy != "default":
        raise InvalidRequest(f"policy {options.policy!r} is not configured", param="duet.policy")
    messages = [m.model_dump(exclude_none=True) for m in request.messages]
    return RequestContext(messages=messages, model=request.model, params=forwarded_params(request),
                          stream=request.stream, options=options,
                          include_usage=bool((request.stream_options or {}).get("include_usage")))
