"""Server runner: serves a WSGI app on a given or ephemeral port in a background thread.

Two servers: cheroot (HTTP/1.1 keep-alive, so a client reuses its TLS connection; the default for REST
listeners) and werkzeug's threaded server, kept for listeners that take over the raw socket (the Genesys
notification WebSocket upgrades through `werkzeug.socket`). The runner is the one place that knows which
server is used.
"""

from __future__ import annotations

import enum
import errno
import logging
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server


class ServerKind(enum.StrEnum):
    CHEROOT = "cheroot"
    WERKZEUG = "werkzeug"


# A REST request holds a worker thread only while it is being answered (idle keep-alive connections wait in
# cheroot's selector), but a CometD long-poll holds one for its whole hold: leave room for many of those.
CHEROOT_THREADS = 64
# How long an idle keep-alive connection is kept (cheroot closes it after its `timeout`, 10 s by default). A server
# closing an idle connection races a client that reuses it at that moment (the client sees RemoteDisconnected), and
# clients such as requests do not retry that by themselves: here it would fail a correct connector, or a step, for a
# reason that has nothing to do with them. So idle connections outlive any run.
KEEP_ALIVE_SECONDS = 3600


class ListenError(OSError):
    """The server cannot listen on the asked address; the message is one line, fit for a command's user."""

    def __init__(self, message: str, host: str, port: int) -> None:
        super().__init__(message)
        self.host = host
        self.port = port

    def __str__(self) -> str:
        return str(self.args[0])


class PortInUse(ListenError):
    """Another socket already listens on the port."""


class UnknownHost(ListenError):
    """The host name does not resolve."""


class AddressNotAvailable(ListenError):
    """The address resolves, but to no interface of this machine."""


class PortNotAllowed(ListenError):
    """The port needs privileges this process lacks (below 1024 on most systems)."""


def check_listen_address(host: str, port: int) -> None:
    """Raises the ListenError that says why `host`:`port` cannot be listened on, or returns.

    It binds a throwaway socket the way the servers do (SO_REUSEADDR, so a port whose last connections linger in
    TIME_WAIT is free, as it is for them), which tells a name that does not resolve, an address of another
    machine and a taken port apart; both servers report all three as the same opaque failure."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UnknownHost(f"{host} does not resolve ({exc.strerror})", host, port) from exc
    family, kind, proto, _, address = infos[0]
    probe = socket.socket(family, kind, proto)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is already in use", host, port) from exc
        if exc.errno == errno.EADDRNOTAVAIL:
            raise AddressNotAvailable(f"{address[0]} is not an address of this machine", host, port) from exc
        if exc.errno == errno.EACCES:
            raise PortNotAllowed(f"port {port} on {host} needs privileges this user lacks", host, port) from exc
        raise ListenError(f"cannot listen on {host} port {port}: {exc.strerror or exc}", host, port) from exc
    finally:
        probe.close()


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
    kind: ServerKind
    _stop: Any
    _thread: threading.Thread

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def stop(self) -> None:
        self._stop()
        self._thread.join(timeout=5)


def _serve_werkzeug(app, host: str, port: int, ssl_context: ssl.SSLContext | None, name: str) -> RunningServer:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # werkzeug prints its own complaint and exits the process when it cannot bind: check first, quietly.
    check_listen_address(host, port)
    try:
        server = make_server(host, port, app, threaded=True, ssl_context=ssl_context, request_handler=_QuietHandler)
    except (SystemExit, OSError) as exc:
        check_listen_address(host, port)  # names the reason, unless it went away meanwhile
        raise ListenError(f"cannot listen on {host} port {port}", host, port) from exc
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"{name}-server", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return RunningServer(host, server.server_port, "https" if ssl_context else "http", ServerKind.WERKZEUG, stop,
                         thread)


def _serve_cheroot(app, host: str, port: int, ssl_context: ssl.SSLContext | None, name: str) -> RunningServer:
    from cheroot import wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    class _ContextAdapter(BuiltinSSLAdapter):
        """cheroot's builtin TLS adapter around a ready context (the generated CA's certificate lives in memory)."""

        def __init__(self, context: ssl.SSLContext) -> None:  # noqa: D107 - no certificate files to load
            self.context = context
            self._server_env = {}

    server = wsgi.Server((host, port), app, numthreads=CHEROOT_THREADS, server_name=name, shutdown_timeout=1,
                         timeout=KEEP_ALIVE_SECONDS)
    if ssl_context is not None:
        server.ssl_adapter = _ContextAdapter(ssl_context)
    try:
        server.prepare()  # binds now, so a taken port is an error here and port 0 is resolved
    except OSError as exc:
        # cheroot says "No socket could be created" for every reason: find out which one it was.
        check_listen_address(host, port)
        raise ListenError(f"cannot listen on {host} port {port}: {exc}", host, port) from exc
    bound_port = server.bind_addr[1]
    thread = threading.Thread(target=server.serve, name=f"{name}-server", daemon=True)
    thread.start()
    return RunningServer(host, bound_port, "https" if ssl_context else "http", ServerKind.CHEROOT, server.stop,
                         thread)


def serve_app(app, host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None,
              name: str = "fake", kind: ServerKind = ServerKind.CHEROOT) -> RunningServer:
    """Start `app` in a background thread; port 0 picks a free one."""
    if kind is ServerKind.WERKZEUG:
        return _serve_werkzeug(app, host, port, ssl_context, name)
    return _serve_cheroot(app, host, port, ssl_context, name)
