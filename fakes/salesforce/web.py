"""HTTP helpers shared by the Salesforce blueprints: session from the Authorization header, JSON bodies, responses."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import Response, request

from .errors import SalesforceError
from .oauth import current_session as oauth_current_session

if TYPE_CHECKING:
    from .models import SalesforceFake

JSON_MIME = "application/json;charset=UTF-8"


def current_session(fake: SalesforceFake):
    """The validated session of this request (401 INVALID_SESSION_ID otherwise); sets `g.actor`."""
    return oauth_current_session(fake)


def json_body() -> Any:
    """The parsed JSON body, or the platform's JSON_PARSER_ERROR."""
    data = request.get_data(cache=True)
    text = data.decode("utf-8", "replace") if data else ""
    if not text.strip():
        raise SalesforceError(400, "JSON_PARSER_ERROR",
                              "No content to map due to end-of-input at [line:1, column:0]")
    try:
        return json.loads(text)
    except ValueError as exc:
        char = text.strip()[:1]
        raise SalesforceError(400, "JSON_PARSER_ERROR",
                              f"Unexpected character ('{char}' (code {ord(char) if char else 0})): expected a valid "
                              f"value (number, String, array, object, 'true', 'false' or 'null') at "
                              f"[line:{getattr(exc, 'lineno', 1)}, column:{getattr(exc, 'colno', 1)}]") from None


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Content-Type"] = JSON_MIME
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def empty_response(status: int = 204) -> Response:
    return Response(status=status)
