"""Request parsing and responses shared by the Salesforce handlers: bearer and Basic credentials, JSON bodies."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote_plus

from flask import Response, g, request

from omni_harness.fakes.core.control import parse_json

from ..errors import control_bad_request, empty_body, non_standard_token, unparsable_body
from ..model.sessions import Session
from ..views.oauth import JSON_MIME


def bearer_token() -> str | None:
    """The token of `Authorization: Bearer|OAuth <token>`, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None


def basic_credentials() -> tuple[str | None, str | None]:
    """(client id, secret) of `Authorization: Basic ...`, URL-decoded; (None, None) when absent or unreadable."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return unquote_plus(client_id), None
    return unquote_plus(client_id), unquote_plus(secret)


def act_as(session: Session) -> Session:
    """Record who the request acts as (journaled with the request)."""
    g.actor = {"kind": session.kind, "userId": session.user_id}
    return session


class _NonNumericNumber(ValueError):
    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


def _refuse_non_numeric(token: str) -> Any:
    raise _NonNumericNumber(token)


def json_body() -> Any:
    """The parsed JSON body, or the platform's JSON_PARSER_ERROR (`NaN` and `Infinity` are no JSON values)."""
    data = request.get_data(cache=True)
    text = data.decode("utf-8", "replace") if data else ""
    if not text.strip():
        raise empty_body()
    try:
        return json.loads(text, parse_constant=_refuse_non_numeric)
    except _NonNumericNumber as exc:
        raise non_standard_token(text, exc.token) from None
    except json.JSONDecodeError as exc:
        raise unparsable_body(text, exc.lineno, exc.colno) from None


def control_body() -> dict[str, Any]:
    """A control API body: a strict JSON object (no NaN / Infinity), `{}` when empty."""
    data = request.get_data(cache=True)
    if not data.strip():
        return {}
    try:
        body = parse_json(data)
    except ValueError as exc:
        raise control_bad_request(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise control_bad_request("the body must be a JSON object")
    return body


def control_text(body: dict[str, Any], name: str, required: bool) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise control_bad_request(f"{name} must be a non-empty string")
    return value


def strict_dumps(body: Any) -> str:
    """JSON text that every parser reads: a NaN or Infinity that slipped into a body fails loudly here (500)
    instead of reaching a client as invalid JSON."""
    return json.dumps(body, allow_nan=False)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(strict_dumps(body), status=status, mimetype="application/json")
    response.headers["Content-Type"] = JSON_MIME
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def control_reply(body: Any, status: int = 200) -> Response:
    """A control API answer (`/_fake/customers/...`), as strict as the platform's bodies."""
    return Response(strict_dumps(body), status=status, mimetype="application/json")


def empty_response(status: int = 204) -> Response:
    return Response(status=status)
