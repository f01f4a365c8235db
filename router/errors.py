"""Errors a client can be told about, each with its HTTP status and OpenAI error type."""

from __future__ import annotations

from typing import Any


class DuetError(Exception):
    status = 500
    type = "server_error"
    code: str | None = None

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None,
                 details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code or self.code
        self.details = details

    @property
    def kind(self) -> str:
        """Short name for the log's outcome column."""
        return self.code or self.type

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "type": self.type, "param": self.param,
                                "code": self.code}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class InvalidRequest(DuetError):
    status, type, code = 400, "invalid_request_error", "invalid_request"


class AuthenticationError(DuetError):
    status, type, code = 401, "authentication_error", "invalid_api_key"


class PrivacyBlocked(DuetError):
    status, type, code = 403, "permission_error", "privacy_blocked"


class ModelNotFound(DuetError):
    status, type, code = 404, "invalid_request_error", "model_not_found"


class NotFound(DuetError):
    status, type, code = 404, "invalid_request_error", "not_found"


class PayloadTooLarge(DuetError):
    status, type, code = 413, "invalid_request_error", "payload_too_large"


class NoModelAvailable(DuetError):
    status, type, code = 503, "service_unavailable", "no_model_available"


class UpstreamError(DuetError):
    status, type, code = 502, "upstream_error", "upstream_error"


class UpstreamTimeout(DuetError):
    status, type, code = 504, "upstream_error", "upstream_timeout"
