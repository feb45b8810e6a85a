"""Server runner: serves a WSGI app on a given or ephemeral port in a background thread."""

from __future__ import annotations

import logging
import ssl
import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    # The journal already records every request; werkzeug's access log would only duplicate it.
    def log_request(self, *args, **kwargs) -> None:  # noqa: D401
        pass


@dataclass
class RunningServer:
    """A started server; `url` is what clients use (`https://` when TLS is on)."""

    host: str
    port: int
    scheme: str
    _server: BaseWSGIServer
    _thread: threading.Thread

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_app(app, host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None,
              name: str = "fake") -> RunningServer:
    """Start `app` under werkzeug's threaded server; port 0 picks a free one.

    The runner is the one place that knows which WSGI server is used, so a faster server can be
    swapped in without touching the fakes.
    """
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        server = make_server(host, port, app, threaded=True, ssl_context=ssl_context, request_handler=_QuietHandler)
    except SystemExit as exc:
        # werkzeug exits the process when the port is taken; a library caller wants an exception.
        raise OSError(f"port {port} on {host} is already in use") from exc
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"{name}-server", daemon=True)
    thread.start()
    return RunningServer(host, server.server_port, "https" if ssl_context else "http", server, thread)
