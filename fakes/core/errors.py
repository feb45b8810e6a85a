"""Typed errors that render in a platform's own error shape."""

from __future__ import annotations

from typing import Any


class FakeError(Exception):
    """Raised by models and handlers; the app turns it into the platform's error response.

    Subclasses set `status` and implement `body()`; `headers` are added to the response.
    """

    status: int = 400
    mimetype: str = "application/json"  # a body() that returns str is sent as is with this type

    def __init__(self, message: str = "", status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})

    def body(self) -> Any:
        return {"message": self.message}


class ControlError(FakeError):
    """An error of the control API (`/_fake/`): a plain JSON object, since no platform owns it."""

    def __init__(self, message: str, status: int = 400, error: str = "bad_request") -> None:
        super().__init__(message, status)
        self.error = error

    def body(self) -> Any:
        return {"error": self.error, "message": self.message}
