"""The chat request as OpenAI defines it, validated once for the SDK and the gateway alike.

Unknown top-level fields are accepted and ignored, as OpenAI's API does.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from router.errors import InvalidRequest

MAX_MESSAGES = 2048
MAX_DEPTH = 8


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


class DuetExtra(BaseModel):
    """Fields under `duet` in the request body (the OpenAI client's `extra_body`)."""

    model_config = ConfigDict(extra="forbid")
    policy: str | None = None
    session_id: str | None = Field(default=None, max_length=256)
    documents: list[str] = Field(default_factory=list, max_length=256)
    local_only: bool = False
    exposure: Literal["full", "minimal"] | None = None
    mode: Literal["direct", "collaborate"] | None = None
    privacy: Literal["redact", "block", "route_local", "off"] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1, max_length=256)
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    n: int | None = Field(default=None, ge=1, le=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    user: str | None = None
    duet: DuetExtra | None = None

    @field_validator("stop")
    @classmethod
    def _stop_limit(cls, value: Any) -> Any:
        if isinstance(value, list) and len(value) > 4:
            raise ValueError("at most 4 stop sequences")
        return value


# Parameters passed on to the model; everything else in the body is ours or ignored.
FORWARDED_PARAMS = ("max_tokens", "temperature", "top_p", "stop", "seed", "presence_penalty",
                    "frequency_penalty", "logprobs", "top_logprobs", "response_format", "tools",
                    "tool_choice", "user")


def parse_chat_request(body: Any) -> ChatRequest:
    """Validate an OpenAI chat request body (a dict) or raise InvalidRequest naming the bad field."""
    if not isinstance(body, dict):
        raise InvalidRequest("request body must be a JSON object")
    if _depth(body) > MAX_DEPTH + 4:
        raise InvalidRequest("request body is nested too deeply")
    try:
        return ChatRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidRequest(f"{where}: {first.get('msg')}" if where else str(first.get("msg")),
                             param=where or None) from None


def forwarded_params(request: ChatRequest) -> dict[str, Any]:
    params = {k: getattr(request, k) for k in FORWARDED_PARAMS if getattr(request, k) is not None}
    if request.max_completion_tokens and "max_tokens" not in params:
        params["max_tokens"] = request.max_completion_tokens
    return params


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH + 4:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level
