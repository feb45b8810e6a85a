"""The server runner: keep-alive REST listeners over TLS, ephemeral and taken ports, the werkzeug fallback."""

from __future__ import annotations

import pytest
import requests
import urllib3.util.connection
from flask import Flask

from omni_harness.fakes.core import LocalCA, serve_app
from omni_harness.fakes.core.server import ServerKind


def _app() -> Flask:
    app = Flask(__name__)

    @app.get("/ping")
    def ping():
        return {"ok": True}

    return app


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> LocalCA:
    return LocalCA(tmp_path_factory.mktemp("tls"))


def _connections_used(url: str, ca: LocalCA, calls: int = 5) -> int:
    """How many TCP connections `calls` GETs on one session opened."""
    opened = 0
    real_create = urllib3.util.connection.create_connection

    def counting(*args, **kwargs):
        nonlocal opened
        opened += 1
        return real_create(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(urllib3.util.connection, "create_connection", counting)
        with requests.Session() as session:
            for _ in range(calls):
                response = session.get(f"{url}/ping", verify=str(ca.ca_path), timeout=5)
                assert response.json() == {"ok": True}
    return opened


def test_rest_listener_keeps_the_tls_connection_alive(ca: LocalCA) -> None:
    server = serve_app(_app(), ssl_context=ca.server_context())
    try:
        assert server.kind is ServerKind.CHEROOT and server.url.startswith("https://127.0.0.1:")
        assert _connections_used(server.url, ca) == 1
    finally:
        server.stop()


def test_werkzeug_listener_closes_every_connection(ca: LocalCA) -> None:
    # The reason the REST listeners moved off werkzeug: one TLS handshake per call.
    server = serve_app(_app(), ssl_context=ca.server_context(), kind=ServerKind.WERKZEUG)
    try:
        assert _connections_used(server.url, ca) == 5
    finally:
        server.stop()


@pytest.mark.parametrize("kind", list(ServerKind))
def test_a_taken_port_is_an_error(kind: ServerKind) -> None:
    first = serve_app(_app(), kind=kind)
    try:
        with pytest.raises(OSError, match="already in use"):
            serve_app(_app(), port=first.port, kind=kind)
    finally:
        first.stop()


def test_stop_frees_the_port() -> None:
    server = serve_app(_app())
    port = server.port
    server.stop()
    again = serve_app(_app(), port=port)
    again.stop()


def test_an_idle_keep_alive_connection_is_not_closed_under_the_client(ca: LocalCA) -> None:
    # cheroot's default closes a connection idle for 10 s; a client reusing it at that moment gets RemoteDisconnected.
    from omni_harness.fakes.core.server import KEEP_ALIVE_SECONDS

    server = serve_app(_app(), ssl_context=ca.server_context())
    try:
        assert server._stop.__self__.timeout == KEEP_ALIVE_SECONDS >= 600
    finally:
        server.stop()
