"""Streaming API over HTTP: CometD long-polling at `/cometd/<version>` (parse and serialise only).

The model is `StreamingService` (streaming_service.py), created by the SalesforceFake as `fake.streaming`.
Also served here, on the control prefix: `GET /_fake/streaming` (clients, subscriptions, retained events) and
`POST /_fake/streaming/drop {"clientId"?, "userId"?, "channel"?}` (forget clients at once, as an expired
session: their next poll answers `403::Unknown client`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, request

from fakes.core.errors import ControlError, FakeError

from .streaming_service import (
    AUTH_INVALID,
    AUTH_REQUIRED,
    CONNECTION_TYPE,
    INVALID_MESSAGE,
    ClientAction,
    StreamingAuth,
    StreamingConfig,
    StreamingService,
)

if TYPE_CHECKING:
    from .models import SalesforceFake

__all__ = ["ClientAction", "StreamingAuth", "StreamingConfig", "StreamingService", "make_streaming_blueprint"]

JSON_MIME = "application/json;charset=UTF-8"
# inferred: the platform's answer to an oversized body is not documented beyond its status and reason.
TOO_LARGE = "413::Maximum Request Size Exceeded"


def _bayeux(body: Any, status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status)
    response.headers["Content-Type"] = JSON_MIME
    return response


def _errors_for(messages: Any, error: str) -> list[dict[str, Any]]:
    """One failed reply per message of a batch that is refused as a whole."""
    items = messages if isinstance(messages, list) else [messages]
    out = []
    for message in items:
        reply: dict[str, Any] = {}
        if isinstance(message, dict):
            if isinstance(message.get("channel"), str):
                reply["channel"] = message["channel"]
            if "id" in message:
                reply["id"] = message["id"]
        reply.update({"error": error, "successful": False})
        out.append(reply)
    return out or [{"error": error, "successful": False}]


def _authenticate(fake: SalesforceFake) -> StreamingAuth:
    """`Authorization: Bearer|OAuth <token>` on every request (reference §8.1, §8.x)."""
    from .oauth import current_session

    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() not in ("bearer", "oauth") or not token.strip():
        return StreamingAuth(None, AUTH_REQUIRED)
    try:
        session = current_session(fake)
    except FakeError:
        return StreamingAuth(None, AUTH_INVALID)
    return StreamingAuth(session.user_id)


def make_streaming_blueprint(fake: SalesforceFake) -> Blueprint:
    bp = Blueprint("salesforce_streaming", __name__)

    def service() -> StreamingService:
        return fake.streaming

    @bp.route("/cometd", methods=["POST"])
    @bp.route("/cometd/<version>", methods=["POST"])
    @bp.route("/cometd/<version>/<path:suffix>", methods=["POST"])  # cometd.js appends the message type
    def cometd(version: str | None = None, suffix: str | None = None) -> Response:
        streaming = service()
        raw = request.get_data(cache=True)
        if len(raw) > streaming.config.max_request_bytes:
            return _bayeux(_errors_for([], TOO_LARGE), 413)
        try:
            messages = json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, ValueError):
            messages = None
        if isinstance(messages, dict):
            messages = [messages]
        if not isinstance(messages, list) or not messages:
            return _bayeux(_errors_for([], INVALID_MESSAGE), 400)
        problem = streaming.check_version(version)
        if problem is not None:
            return _bayeux(_errors_for(messages, problem), 400)
        auth = _authenticate(fake)
        return _bayeux(streaming.handle(messages, auth, version or ""))

    @bp.route("/cometd", methods=["GET"])
    @bp.route("/cometd/<version>", methods=["GET"])
    @bp.route("/cometd/<version>/<path:suffix>", methods=["GET"])
    # werkzeug routes an `Upgrade: websocket` request only to rules marked as WebSocket rules
    @bp.route("/cometd", methods=["GET"], websocket=True, endpoint="refuse_websocket")
    @bp.route("/cometd/<version>", methods=["GET"], websocket=True, endpoint="refuse_websocket")
    @bp.route("/cometd/<version>/<path:suffix>", methods=["GET"], websocket=True, endpoint="refuse_websocket")
    def refuse(version: str | None = None, suffix: str | None = None) -> Response:
        # Only long-polling is offered: a WebSocket upgrade (or any GET transport) is refused with the
        # platform's text, and the client falls back to POSTed long-polls.
        upgrade = request.headers.get("Upgrade", "")
        kind = "websocket" if upgrade.lower() == "websocket" else "callback-polling"
        channel = request.args.get("channel") or "/meta/connect"
        return _bayeux([{"channel": channel, "error": CONNECTION_TYPE.format(connection_type=kind),
                         "successful": False, "advice": {"reconnect": "retry", "interval": 0}}], 400)

    @bp.get("/_fake/streaming")
    def streaming_state() -> Response:
        with fake.lock:
            return _bayeux(service().state())

    @bp.post("/_fake/streaming/drop")
    def streaming_drop() -> Response:
        raw = request.get_data(cache=True)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise ControlError(f"the body is not valid JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        filters: dict[str, str | None] = {}
        for key, arg in (("clientId", "client_id"), ("userId", "user_id"), ("channel", "channel")):
            value = body.get(key)
            if value is not None and not isinstance(value, str):
                raise ControlError(f"{key} must be a string")
            filters[arg] = value
        dropped = service().drop_clients(**filters)
        return _bayeux({"dropped": dropped})

    return bp
