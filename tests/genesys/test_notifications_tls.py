"""Notification sockets over TLS: the service closing sockets (expired tokens) while their clients keep
sending must leave every TLS connection intact, the closed sockets and the ones opened next.

A socket's TLS connection must be used by one thread at a time, and the HTTP server may take the socket
back only when nothing else still reads it. Otherwise OpenSSL's state is corrupted: the server logs
`WRONG_VERSION_NUMBER`, the next client sees it on its own request, or the process crashes. So the fake
runs in a child process, where a crash shows up as a failed check and does not kill the test run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import websocket

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 6
SOCKETS = 4
PINGS = 1000  # per socket and round; the sender stops at the first failed write (socket closed)
WAIT = 10.0

SERVE = """
import json, sys
from omni_harness.fakes.core import World
from omni_harness.fakes.runner import start_stack
stack = start_stack(World(seed=3, agents=2, queues=1), names=["genesys"], tls=True, workdir=sys.argv[1])
creds = stack.world.plan.credentials
print(json.dumps({"url": stack.url("genesys"), "ca": str(stack.ca.ca_path),
                  "client": [creds.genesys_client_id, creds.genesys_client_secret]}), flush=True)
sys.stdin.read()
stack.stop()
"""


@dataclass
class Served:
    url: str
    ca: str
    client: tuple[str, str]
    process: subprocess.Popen
    log: Path

    def problems(self) -> str:
        """Why the fake is not healthy (it died, or logged an error or a traceback); empty when it is."""
        text = self.log.read_text(errors="replace")
        if self.process.poll() is not None:
            return f"the fake exited with {self.process.returncode}; its log ends:\n{text[-3000:]}"
        if "Traceback" in text or "Error on request" in text:
            return f"the fake logged errors:\n{text[-3000:]}"
        return ""

    def request(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, self.url + path, verify=self.ca, timeout=WAIT, **kw)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    workdir = tmp_path_factory.mktemp("notifications-tls")
    log = workdir / "fake.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(workdir)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True,
        )
    line = process.stdout.readline()
    assert line, f"the fake did not start: {log.read_text(errors='replace')[-3000:]}"
    info = json.loads(line)
    yield Served(info["url"], info["ca"], tuple(info["client"]), process, log)
    process.stdin.close()
    try:
        process.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        process.kill()


def keep_sending(ws: websocket.WebSocket, start: threading.Event) -> None:
    start.wait()
    try:
        for _ in range(PINGS):
            ws.send('{"message":"ping"}')
    except (OSError, websocket.WebSocketException):
        pass  # the service closed the socket


def close_sockets_while_their_clients_send(served: Served) -> None:
    """One round: open sockets, let their clients send, expire every token (which closes the sockets) and
    make fresh requests while the sockets close; then wait until every socket is closed."""
    token = served.request("POST", "/oauth/token", data={"grant_type": "client_credentials"},
                           auth=served.client).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    mark = served.request("GET", "/_fake/health").json()["lastSeq"]
    start = threading.Event()
    sockets, senders = [], []
    for _ in range(SOCKETS):
        channel = served.request("POST", "/api/v2/notifications/channels", headers=headers).json()
        ws = websocket.create_connection(channel["connectUri"], timeout=WAIT, sslopt={"ca_certs": served.ca})
        sockets.append(ws)
        senders.append(threading.Thread(target=keep_sending, args=(ws, start), daemon=True))
    for sender in senders:
        sender.start()
    start.set()
    expired = served.request("POST", "/_fake/faults", json={"action": "expire_tokens"})
    assert expired.status_code == 201, f"{expired.status_code} {expired.text}"
    # Connections accepted right after the sockets closed must get their own answers.
    for _ in range(3):
        assert served.request("GET", "/_fake/health").status_code == 200
    for sender in senders:
        sender.join(WAIT)
        assert not sender.is_alive(), "a client could still write after the close"
    for ws in sockets:
        ws.close()
    closed = 0
    while closed < SOCKETS:
        feed = served.request("GET", "/_fake/events", params={"after": mark, "wait": WAIT}).json()
        assert feed["events"], f"{closed} of {SOCKETS} sockets closed after {WAIT} s"
        closed += sum(1 for e in feed["events"] if e["type"] == "notifications.socket"
                      and e["data"]["action"] == "closed")
        mark = feed["lastSeq"]


def test_sockets_closed_while_clients_send_leave_every_tls_connection_intact(served):
    for round_ in range(ROUNDS):
        try:
            close_sockets_while_their_clients_send(served)
        except (OSError, websocket.WebSocketException) as exc:  # requests' errors are OSErrors
            pytest.fail(f"round {round_}: {exc!r}\n{served.problems()}")
        problems = served.problems()
        assert not problems, f"round {round_}: {problems}"
