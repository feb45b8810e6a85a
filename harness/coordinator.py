"""A small HTTP endpoint in the process that owns the connector, so a pytest-xdist worker can restart it (RES-5)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


class Coordinator:
    """`POST /connector/restart` restarts the connector and waits until it is ready again."""

    def __init__(self, restart: Callable[[], float]) -> None:
        self._restart = restart
        self._lock = threading.Lock()
        coordinator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # the run's own log says enough
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                if self.path != "/connector/restart":
                    self._answer(404, {"error": f"no such endpoint {self.path}"})
                    return
                try:
                    with coordinator._lock:
                        seconds = coordinator._restart()
                    self._answer(200, {"readySeconds": seconds})
                except Exception as exc:  # the caller's step reports it
                    self._answer(500, {"error": str(exc)})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="omni-harness-coordinator", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def restart_connector(coordinator_url: str, timeout: float = 120.0) -> float:
    """Asks the owner of the run to restart the connector; answers how long it took to be ready again."""
    session = requests.Session()
    session.trust_env = False
    resp = session.post(f"{coordinator_url}/connector/restart", timeout=timeout)
    body = resp.json()
    if resp.status_code != 200:
        raise RuntimeError(f"the connector could not be restarted: {body.get('error')}")
    return float(body["readySeconds"])
