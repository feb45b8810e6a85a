"""Genesys Cloud notifications: REST routes under /api/v2/notifications and the WebSocket at each channel's connectUri."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from fakes.core.app import render_error
from fakes.core.errors import FakeError

from .errors import GenesysError, bad_request
from .notifications_model import NotificationConfig, NotificationModel
from .notifications_topics import AVAILABLE_TOPIC_EXPANDS, available_topics
from .notifications_wire import HandshakeError, ServerWebSocket
from .routes.parse import MALFORMED, bool_arg, enum_arg, enum_list_arg, json_body

log = logging.getLogger(__name__)

INCLUDE_CHANNELS = ("token", "oauthclient")


class NotificationService:
    """The notification service of one GenesysFake (see the seam in fakes/genesys/models.py).

    `blueprint` carries every `/api/v2/notifications/...` route; `streaming_app` serves the sockets on
    a listener of its own, so long-lived sockets never take REST threads. All state and rules live in
    `model` (`NotificationModel`).

    Fault rules (`POST /_fake/faults`) it honours:
    - `drop_event` / `duplicate_event` / `delay_event` (`latencySeconds` of virtual time): `path` is a glob
      on the topic name (`v2.users.*.presence`); each delivery to each socket counts once.
    - `close_socket`: `path` is a glob on the channel id; closes matching open sockets at once (1001) and,
      while the rule has count left, sockets opened later. `body: {"closeCode": 4000}` picks the code;
      `body: {"socketClosing": true}` sends `v2.system.socket_closing` first and closes `latencySeconds`
      (virtual) later, as a maintenance close does.
    """

    def __init__(self, fake: Any, config: NotificationConfig | None = None) -> None:
        self.fake = fake
        self.model = NotificationModel(fake, config)
        self.blueprint = self._make_blueprint()
        self.streaming_app = self._make_streaming_app()
        fake.journal.add_listener(self.model.on_entry)
        add_fault_listener = getattr(fake.faults, "add_listener", None)
        if callable(add_fault_listener):
            add_fault_listener(self.model.on_fault_added)

    @property
    def config(self) -> NotificationConfig:
        return self.model.config

    # -- the seam --------------------------------------------------------------------------------
    def bind(self, streaming_base_url: str) -> None:
        """`http(s)://host:port` of the streaming listener; connectUri becomes `ws(s)://host:port/channels/<id>`."""
        self.model.bind(streaming_base_url)

    def reset(self) -> None:
        self.model.reset()

    def state(self) -> dict[str, Any]:
        return self.model.state()

    def expire_tokens_hook(self) -> None:
        self.model.expire_tokens_hook()

    def socket_closing(self, channel_id: str | None = None, grace_seconds: float = 60.0) -> int:
        """Warn open sockets with `v2.system.socket_closing` and close them `grace_seconds` (virtual) later."""
        return self.model.socket_closing(channel_id, grace_seconds)

    # -- REST ------------------------------------------------------------------------------------
    def _make_blueprint(self) -> Blueprint:
        from ..core.routes import Api, empty, reply
        from .routes import ROUTE_SPECS

        api = Api("genesys_notifications")
        model = self.model
        fake = self.fake
        base = "/api/v2/notifications"

        @api.route("POST", f"{base}/channels", response="notification-channel", name="channels")
        def post_channels():
            principal = fake.authenticate()
            _optional_json()  # the SDK sends null; others send nothing or {}: any well-formed JSON is accepted
            channel = model.create_channel(principal)
            return reply(model.channel_body(channel))

        @api.route("GET", f"{base}/channels", response="notification-channel-listing", name="channels")
        def get_channels():
            principal = fake.authenticate()
            include = enum_arg("includechannels", "includechannels", list(INCLUDE_CHANNELS), "token")
            return reply({"entities": model.list_channels(principal, include or "token")})

        @api.route("HEAD", f"{base}/channels/<channel_id>", name="channel")
        def head_channel(channel_id: str):
            principal = fake.authenticate()
            return empty(200 if model.channel_exists(principal, channel_id) else 404)

        @api.route(
            "GET",
            f"{base}/channels/<channel_id>/subscriptions",
            response="notification-channel-topic-listing",
            name="channel_subscriptions",
        )
        def get_subscriptions(channel_id: str):
            principal = fake.authenticate()
            return reply({"entities": model.subscriptions(principal, channel_id)})

        @api.route(
            "PUT",
            f"{base}/channels/<channel_id>/subscriptions",
            request="notification-subscription-request",
            response="notification-channel-topic-listing",
            name="channel_subscriptions",
        )
        def put_subscriptions(channel_id: str):
            return _change(channel_id, replace=True)

        @api.route(
            "POST",
            f"{base}/channels/<channel_id>/subscriptions",
            request="notification-subscription-request",
            response="notification-channel-topic-listing",
            name="channel_subscriptions",
        )
        def post_subscriptions(channel_id: str):
            return _change(channel_id, replace=False)

        def _change(channel_id: str, replace: bool):
            principal = fake.authenticate()
            ignore_errors = bool(bool_arg("ignoreErrors", False))
            body = json_body("notification-subscription-request")
            topics = [item["id"] for item in body]
            return reply(
                {"entities": model.change_subscriptions(principal, channel_id, topics, replace, ignore_errors)}
            )

        @api.route("DELETE", f"{base}/channels/<channel_id>/subscriptions", status=204, name="channel_subscriptions")
        def delete_subscriptions(channel_id: str):
            principal = fake.authenticate()
            model.delete_subscriptions(principal, channel_id)
            return empty(204)  # inferred: no body

        @api.route(
            "GET", f"{base}/availabletopics", response="notification-available-topic-listing", name="availabletopics"
        )
        def get_available_topics():
            fake.authenticate()
            wanted = set(enum_list_arg("expand", "expand", list(AVAILABLE_TOPIC_EXPANDS)))
            bool_arg("includePreview", False)  # no preview topics in this org
            return reply({"entities": available_topics(wanted)})

        for spec in api.specs:
            ROUTE_SPECS[spec.endpoint] = spec
        return api.blueprint

    # -- WebSocket -------------------------------------------------------------------------------
    def _make_streaming_app(self) -> Flask:
        app = Flask(f"{__name__}.streaming")
        app.json.sort_keys = False  # type: ignore[attr-defined]
        model = self.model
        fake = self.fake

        @app.before_request
        def _reserve() -> Response | None:
            # Register the connection before the upgrade is answered, so events published after the
            # client sees the socket open are never missed; refuse unknown (or expired) channels.
            parts = request.path.strip("/").split("/")
            if len(parts) != 2 or parts[0] != "channels":
                return None
            if request.headers.get("Upgrade", "").lower() != "websocket":
                # A plain request must not take the channel's socket away; routing answers it.
                return None if parts[1] in model.channels else render_error(fake, GenesysError(404))
            conn = model.reserve(parts[1])
            if conn is None and model.config.reject_unknown_channel_upgrade:
                return render_error(fake, GenesysError(404))
            g.notification_connection = conn
            return None

        @app.teardown_request
        def _release(_exc: BaseException | None) -> None:
            conn = g.pop("notification_connection", None)
            if conn is not None and not conn.bound:
                model.release(conn)

        @app.route("/channels/<channel_id>", websocket=True)
        def channel_socket(channel_id: str) -> Response:
            try:
                ws = ServerWebSocket(request.environ)
            except HandshakeError:
                return render_error(fake, GenesysError(400))
            # From here on this thread alone uses the socket, and it gives the socket back to the server
            # (whose answer then finds it shut) only after its last read and write.
            try:
                conn = g.get("notification_connection")
                if conn is None or not model.attach(conn, ws):
                    ws.close(1008, "unknown channel")
                else:
                    reason = "closed"
                    try:
                        reason = conn.run(model.on_client_text)
                    finally:
                        model.detach(conn, reason)
                ws.finish()
            except OSError:
                pass  # the peer went away while the socket was being closed
            finally:
                ws.release()
            return Response(status=200)

        @app.errorhandler(FakeError)
        def _fake_error(exc: FakeError) -> Response:
            return render_error(fake, exc)

        @app.errorhandler(HTTPException)
        def _http_error(exc: HTTPException) -> Response:
            return render_error(fake, fake.error(exc.code or 500))

        @app.errorhandler(Exception)
        def _unexpected(exc: Exception) -> Response:
            log.exception("unhandled error on the notification listener: %s", request.path)
            return render_error(fake, fake.error(500))

        return app


# -- request parsing (handlers parse and serialise only) ---------------------------------------------
def _optional_json() -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(MALFORMED) from exc
