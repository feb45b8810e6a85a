"""The Streaming API as its tests drive it: a Salesforce fake behind Flask's test client, and a minimal CometD
long-polling client (Bayeux) whose every answer is checked against contracts/salesforce.

A module of its own, not part of conftest.py: `conftest` is the name of other test folders' modules too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import omni_harness.fakes.salesforce
from omni_harness import contracts
from omni_harness.fakes.core import World

VERSION = "45.0"


@contextmanager
def streaming_org(seed: int) -> Iterator[tuple[World, Any, Any]]:
    """(world, fake, test client of the API listener) of a fake built from `seed`."""
    world = World(seed=seed)
    fake = omni_harness.fakes.salesforce.build(world)
    try:
        yield world, fake, fake.listeners()["api"].test_client()
    finally:
        world.clock.close()


class Bayeux:
    """A CometD client of one session. `check_requests` validates what it sends too (tests of refusals send
    what the request contract does not allow, so it is off by default)."""

    def __init__(self, http: Any, token: str | None, version: str = VERSION, scheme: str = "Bearer",
                 check_requests: bool = False) -> None:
        self.http, self.token, self.version, self.scheme = http, token, version, scheme
        self.check_requests = check_requests
        self.client_id: str | None = None
        self._id = 0

    def post(self, *messages: dict[str, Any], version: str | None = None, status: int = 200) -> list[dict[str, Any]]:
        for message in messages:
            if "id" not in message:
                self._id += 1
                message["id"] = str(self._id)
        if self.check_requests:
            contracts.validate("salesforce", "cometd-request", list(messages))
        headers = {"Authorization": f"{self.scheme} {self.token}"} if self.token else {}
        response = self.http.post(f"/cometd/{version or self.version}", json=list(messages), headers=headers)
        assert response.status_code == status, response.get_data(as_text=True)
        body = response.get_json()
        contracts.validate("salesforce", "cometd-response", body)
        return body

    def handshake(self, connection_types: tuple[str, ...] = ("websocket", "long-polling")) -> dict[str, Any]:
        [reply] = self.post({"channel": "/meta/handshake", "version": "1.0", "minimumVersion": "1.0",
                             "supportedConnectionTypes": list(connection_types)})
        self.client_id = reply.get("clientId")
        return reply

    def open(self) -> str:
        """Start as a subscriber does: a handshake offering long-polling, then the first connect."""
        self.handshake(("long-polling",))
        self.connect()
        assert self.client_id is not None
        return self.client_id

    def connect(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(the connect reply, the events delivered with it)."""
        out = self.post({"channel": "/meta/connect", "clientId": self.client_id, "connectionType": "long-polling"})
        reply = out[-1]
        assert reply["channel"] == "/meta/connect"
        return reply, [m for m in out if "data" in m]

    def subscribe(self, channel: str, replay: Any = None) -> dict[str, Any]:
        message: dict[str, Any] = {"channel": "/meta/subscribe", "clientId": self.client_id, "subscription": channel}
        if replay is not None:
            message["ext"] = {"replay": {channel: replay}}
        [reply] = self.post(message)
        return reply

    def drain(self) -> list[dict[str, Any]]:
        """Everything queued for the client now (connects until one answers empty)."""
        out: list[dict[str, Any]] = []
        while True:
            _, events = self.connect()
            if not events:
                return out
            out.extend(events)
