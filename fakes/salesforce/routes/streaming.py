"""Streaming API over HTTP: CometD long-polling at `/cometd/<version>` (parse and serialise only).

The model is `StreamingBackend` (streaming/backend.py), created by the SalesforceFake as `fake.streaming`.
Also served here, on the control prefix: `GET /_fake/streaming` (clients, subscriptions, retained events) and
`POST /_fake/streaming/drop {"clientId"?, "userId"?, "channel"?}` (forget clients at once, as an expired
session: their next poll answers `403::Unknown client`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Response, request

from omni_harness.fakes.core.control import parse_json
from omni_harness.fakes.core.errors import FakeError

from ...core.routes import Api
from ..errors import AUTH_INVALID, AUTH_REQUIRED, CONNECTION_TYPE, INVALID_MESSAGE, TOO_LARGE, control_bad_request
from ..streaming.backend import StreamingAuth
from ..views.bayeux import batch_refused
from .parse import act_as, bearer_token, control_body, strict_dumps

if TYPE_CHECKING:
    from ..model.fake import SalesforceFake

JSON_MIME = "application/json;charset=UTF-8"
COMETD_RULES = ("/cometd", "/cometd/<version>", "/cometd/<version>/<path:suffix>")  # cometd.js appends the type


def _bayeux(body: Any, status: int = 200) -> Response:
    response = Response(strict_dumps(body), status=status)
    response.headers["Content-Type"] = JSON_MIME
    return response


def _authenticate(fake: SalesforceFake) -> StreamingAuth:
    """`Authorization: Bearer|OAuth <token>` on every request (reference §8.1, §8.x)."""
    token = bearer_token()
    if token is None:
        return StreamingAuth(None, AUTH_REQUIRED)
    try:
        session = act_as(fake.auth.authenticate(token))
    except FakeError:
        return StreamingAuth(None, AUTH_INVALID)
    return StreamingAuth(session.user_id)


def build(fake: SalesforceFake) -> Api:
    api = Api("salesforce_streaming")

    def cometd(version: str | None = None, suffix: str | None = None) -> Response:
        streaming = fake.streaming
        raw = request.get_data(cache=True)
        if len(raw) > streaming.config.max_request_bytes:
            return _bayeux(batch_refused([], TOO_LARGE), 413)
        try:
            messages = parse_json(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, ValueError):
            messages = None
        if isinstance(messages, dict):
            messages = [messages]
        if not isinstance(messages, list) or not messages:
            return _bayeux(batch_refused([], INVALID_MESSAGE), 400)
        problem = streaming.check_version(version)
        if problem is not None:
            return _bayeux(batch_refused(messages, problem), 400)
        return _bayeux(streaming.handle(messages, _authenticate(fake), version or ""))

    def refuse(version: str | None = None, suffix: str | None = None) -> Response:
        # Only long-polling is offered: a WebSocket upgrade (or any GET transport) is refused with the
        # platform's text, and the client falls back to POSTed long-polls.
        upgrade = request.headers.get("Upgrade", "")
        kind = "websocket" if upgrade.lower() == "websocket" else "callback-polling"
        channel = request.args.get("channel") or "/meta/connect"
        return _bayeux([{"channel": channel, "error": CONNECTION_TYPE.format(connection_type=kind),
                         "successful": False, "advice": {"reconnect": "retry", "interval": 0}}], 400)

    for rule in COMETD_RULES:
        api.route("POST", rule, request="cometd-request", response="cometd-response", error="cometd-response")(cometd)
        api.route("GET", rule, response="cometd-response", status=400, error="cometd-response")(refuse)
        # werkzeug routes an `Upgrade: websocket` request only to rules marked as WebSocket rules
        api.route("GET", rule, response="cometd-response", status=400, error="cometd-response",
                  name="refuse_websocket", websocket=True)(refuse)

    @api.route("GET", "/_fake/streaming", response=None)
    def streaming_state() -> Response:
        with fake.lock:
            return _bayeux(fake.streaming.state())

    @api.route("POST", "/_fake/streaming/drop", response=None)
    def streaming_drop() -> Response:
        body = control_body()
        filters: dict[str, str | None] = {}
        for key, arg in (("clientId", "client_id"), ("userId", "user_id"), ("channel", "channel")):
            value = body.get(key)
            if value is not None and not isinstance(value, str):
                raise control_bad_request(f"{key} must be a string")
            filters[arg] = value
        return _bayeux({"dropped": fake.streaming.drop_clients(**filters)})

    return api
