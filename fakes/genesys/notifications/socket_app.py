"""The notification socket listener: each channel's connectUri, served on a listener of its own so long-lived
sockets never take REST threads.

Fault rules (`POST /_fake/faults`) the notification service honours:
- `drop_event` / `duplicate_event` / `delay_event` (`latencySeconds` of virtual time): `path` is a glob on the
  topic name (`v2.users.*.presence`); each delivery to each socket counts once.
- `close_socket`: `path` is a glob on the channel id; closes matching open sockets at once (1001) and, while the
  rule has count left, sockets opened later. `body: {"closeCode": 4000}` picks the code;
  `body: {"socketClosing": true}` sends `v2.system.socket_closing` first and closes `latencySeconds` (virtual)
  later, as a maintenance close does.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from omni_harness.fakes.core.app import flask_app, render_error
from omni_harness.fakes.core.errors import FakeError

from .wire import HandshakeError, ServerWebSocket

if TYPE_CHECKING:
    from ..model.fake import GenesysFake

log = logging.getLogger(__name__)


def create_socket_app(fake: GenesysFake) -> Flask:
    """The listener of the notification sockets: `ws(s)://host:port/channels/<channel id>`."""
    app = flask_app(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    backend = fake.notifications

    @app.before_request
    def _reserve() -> Response | None:
        # Register the connection before the upgrade is answered, so events published after the
        # client sees the socket open are never missed; refuse unknown (or expired) channels.
        parts = request.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "channels":
            return None
        if request.headers.get("Upgrade", "").lower() != "websocket":
            # A plain request must not take the channel's socket away; routing answers it.
            return None if parts[1] in backend.channels else render_error(fake, fake.error(404))
        conn = backend.reserve(parts[1])
        if conn is None and backend.config.reject_unknown_channel_upgrade:
            return render_error(fake, fake.error(404))
        g.notification_connection = conn
        return None

    @app.teardown_request
    def _release(_exc: BaseException | None) -> None:
        conn = g.pop("notification_connection", None)
        if conn is not None and not conn.bound:
            backend.release(conn)

    @app.route("/channels/<channel_id>", websocket=True)
    def channel_socket(channel_id: str) -> Response:
        try:
            ws = ServerWebSocket(request.environ)
        except HandshakeError:
            return render_error(fake, fake.error(400))
        # From here on this thread alone uses the socket, and it gives the socket back to the server
        # (whose answer then finds it shut) only after its last read and write.
        try:
            conn = g.get("notification_connection")
            if conn is None or not backend.attach(conn, ws):
                ws.close(1008, "unknown channel")
            else:
                reason = "closed"
                try:
                    reason = conn.run(backend.on_client_text)
                finally:
                    backend.detach(conn, reason)
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
