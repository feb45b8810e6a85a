"""Genesys Cloud errors: typed exceptions rendering the platform's ErrorBody with the request's correlation id."""

from __future__ import annotations

from typing import Any

from fakes.core.errors import FakeError

# Generic messages per status (2018 swagger / reference §7).
STATUS_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad.request", "The request could not be understood by the server due to malformed syntax."),
    401: ("authentication.required", "No authentication bearer token specified in authorization header."),
    403: ("missing.permissions", "Unable to perform the requested action. You are missing the following permission(s): "),
    404: ("not.found", "The requested resource was not found."),
    405: ("method.not.allowed", "HTTP method not allowed for this resource."),
    409: ("conflict", "The request conflicts with the current state of the resource."),
    413: ("request.entity.too.large", "The request is over the size limit."),
    415: ("unsupported.media.type", "Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header."),
    429: ("too.many.requests", "Rate limit exceeded the maximum [300] requests within [60] seconds"),
    500: ("internal.server.error", "The server encountered an unexpected condition which prevented it from fulfilling the request."),
    503: ("service.unavailable", "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance)."),
    504: ("request.timeout", "The request timed out."),
}


class GenesysError(FakeError):
    """`{"message","code","status","messageParams","contextId","details","errors"}` as the Platform API sends it."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 message_params: dict[str, str] | None = None, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None, entity_id: str | None = None) -> None:
        default_code, default_message = STATUS_DEFAULTS.get(status, STATUS_DEFAULTS[500])
        super().__init__(message or default_message, status, headers)
        self.code = code or default_code
        self.message_params = message_params or {}
        self.details = details or []
        self.entity_id = entity_id

    def body(self) -> dict[str, Any]:
        context_id = ""
        try:
            from flask import g, has_request_context

            if has_request_context():
                context_id = getattr(g, "correlation_id", "") or ""
        except ImportError:  # pragma: no cover
            pass
        out: dict[str, Any] = {
            "message": self.message,
            "code": self.code,
            "status": self.status,
            "messageParams": self.message_params,
            "contextId": context_id,
            "details": self.details,
            "errors": [],
        }
        if self.entity_id:
            out["entityId"] = self.entity_id
        return out


class OAuthError(FakeError):
    """Errors of `POST /oauth/token`: `{"error","error_description"}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description, status)
        self.error = error

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.message}


def bad_request(message: str, code: str = "bad.request", **kw: Any) -> GenesysError:
    return GenesysError(400, code, message, **kw)


def not_found(message: str = "The requested resource was not found.", code: str = "not.found") -> GenesysError:
    return GenesysError(404, code, message)


def invalid_value(field: str, value: Any, field_type: str, allowed: list[str]) -> GenesysError:
    """`invalid.value`: "Value [%s] is not valid for field type [%s]. Allowable values are: %s"."""
    return GenesysError(
        400, "invalid.value",
        f"Value [{value}] is not valid for field type [{field_type}]. Allowable values are: {', '.join(allowed)}",
        message_params={"value": str(value), "fieldType": field_type, "allowableValues": ", ".join(allowed)},
        details=[{"fieldName": field}],
    )
