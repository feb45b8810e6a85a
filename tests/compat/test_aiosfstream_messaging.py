"""aiosfstream-ng 0.7.5, unmodified, receives the change events of an Enhanced Chat session (MessagingSession) from
the Salesforce fake's Streaming API, then a second client replays them from a replay id it kept.

The library hard-codes login.salesforce.com; only its token URL changes (as in test_aiosfstream.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import requests
from aiosfstream_ng import Client, ReplayMarker, ReplayOption
from aiosfstream_ng.auth import PasswordAuthenticator

import contracts
from fakes.core import World
from fakes.runner import start_stack

CHANNEL = "/data/MessagingSessionChangeEvent"
TIMEOUT = 15.0


def authenticator_for(base_url: str) -> type[PasswordAuthenticator]:
    class FakeOrgAuthenticator(PasswordAuthenticator):
        """Logs in at the fake's token endpoint instead of login.salesforce.com."""

        @property
        def _token_url(self) -> str:
            return f"{base_url}/services/oauth2/token"

    return FakeOrgAuthenticator


class Org:
    """The customer (control API), the agent's console (bridge) and the integration (REST), over HTTP."""

    def __init__(self, stack: Any) -> None:
        self.world = stack.world
        self.base = stack.url("salesforce")
        creds = self.world.plan.credentials
        token = requests.post(f"{self.base}/services/oauth2/token", data={
            "grant_type": "password", "client_id": creds.salesforce_client_id,
            "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
            "password": creds.salesforce_password}, timeout=10).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        query = f"SELECT Id FROM User WHERE Email = '{self.world.plan.people[0].email}'"
        self.agent = self.rest("GET", "/query", params={"q": query})["records"][0]["Id"]

    def rest(self, method: str, path: str, **kw: Any) -> Any:
        response = requests.request(method, f"{self.base}/services/data/v67.0{path}", headers=self.headers,
                                    timeout=10, **kw)
        assert response.status_code < 300, response.text
        return response.json()

    def console(self, method: str, **body: Any) -> Any:
        response = requests.post(f"{self.base}/omni-toolkit/v1/users/{self.agent}/{method}", json=body,
                                 headers=self.headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def customer(self, path: str, body: Any = None) -> Any:
        response = requests.post(f"{self.base}/_fake/customers/{path}", json=body, timeout=10)
        assert response.status_code < 300, response.text
        return response.json()

    def whole_session(self) -> tuple[str, str]:
        """Online, a session routed and accepted, ended in the console, its tab closed: (session, work) ids."""
        query = "SELECT Id FROM ServicePresenceStatus WHERE DeveloperName = 'Online'"
        self.console("setServicePresenceStatus",
                     statusId=self.rest("GET", "/query", params={"q": query})["records"][0]["Id"])
        opened = self.customer("messaging", {
            "queue": self.world.plan.messaging_queue_pairs[0].salesforce_developer_name, "customerName": "Ann",
            "text": "Hello"})
        psr = self.rest("GET", f"/sobjects/PendingServiceRouting/{opened['pendingServiceRoutingId']}")
        work_id = self.rest("POST", "/sobjects/AgentWork", json={
            "ServiceChannelId": psr["ServiceChannelId"], "WorkItemId": opened["workItemId"], "UserId": self.agent,
            "PendingServiceRoutingId": psr["Id"]})["id"]
        self.console("acceptAgentWork", workId=work_id)
        self.console("endChat", workItemId=opened["workItemId"])
        self.console("closeTab", workId=work_id)
        return opened["workItemId"], work_id

    def session_changes(self, after: int) -> list[tuple[str, str]]:
        return [(e.data["changeType"], e.data["recordId"]) for e in self.world.journal.since(after)
                if e.type == "sobject.change" and e.data["entity"] == "MessagingSession"]


@pytest.fixture
def stack():
    running = start_stack(World(seed=23), names=["salesforce"])
    running.fakes["salesforce"].streaming.config.hold_seconds = 10.0
    yield running
    running.stop()


class Received:
    """What a subscriber consumed, with a condition to wait on (no sleeps)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.changed = asyncio.Condition()

    async def consume(self, client: Client) -> None:
        async for message in client:
            contracts.validate("salesforce", "cometd-delivery", message)
            async with self.changed:
                self.messages.append(message)
                self.changed.notify_all()

    async def count(self, n: int, what: str) -> None:
        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait_for(lambda: len(self.messages) >= n), TIMEOUT)
            except TimeoutError:
                raise AssertionError(f"timed out after {TIMEOUT} s waiting for {what}; received "
                                     f"{summary(self.messages)}") from None


def summary(messages: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    out = []
    for message in messages:
        payload = message["data"]["payload"]
        header = payload["ChangeEventHeader"]
        out.append((header["changeType"], header["recordIds"][0], payload.get("Status")))
    return out


def test_session_change_events_arrive_in_order_and_replay_from_a_kept_replay_id(stack, caplog):
    caplog.set_level(logging.CRITICAL, logger="asyncio")  # aiocometd logs its own cancelled poll on close
    org = Org(stack)
    creds = org.world.plan.credentials
    auth_cls = authenticator_for(org.base)

    def client(replay: Any) -> Client:
        return Client(auth_cls(creds.salesforce_client_id, creds.salesforce_client_secret,
                               creds.salesforce_username, creds.salesforce_password),
                      replay=replay, connection_timeout=TIMEOUT)

    async def listen(replay: Any, expected: int, action=None) -> list[dict[str, Any]]:
        subscriber = client(replay)
        await subscriber.open()
        await subscriber.subscribe(CHANNEL)
        received = Received()
        consumer = asyncio.create_task(received.consume(subscriber))
        try:
            if action is not None:
                await asyncio.to_thread(action)
            await received.count(expected, f"{expected} MessagingSession change events")
            return received.messages
        finally:
            await subscriber.close()
            consumer.cancel()

    start = org.world.journal.last_seq
    ids: dict[str, str] = {}

    def run() -> None:
        ids["session"], ids["work"] = org.whole_session()

    live = asyncio.run(listen(ReplayOption.NEW_EVENTS, 4, run))
    session = ids["session"]
    assert summary(live) == [("CREATE", session, "New"), ("UPDATE", session, "Waiting"),
                             ("UPDATE", session, "Active"), ("UPDATE", session, "Ended")]
    assert [(c, r) for c, r in org.session_changes(start)] == [(c, r) for c, r, _ in summary(live)]
    replay_ids = [m["data"]["event"]["replayId"] for m in live]
    assert replay_ids == sorted(set(replay_ids))
    ended = live[-1]["data"]["payload"]
    assert ended["EndedByType"] == "Agent" and "Status" in ended["ChangeEventHeader"]["changedFields"]

    # A subscriber that kept the second event's replay id gets exactly the two after it, by replay ...
    kept = ReplayMarker(date=str(live[1]["data"]["payload"]["ChangeEventHeader"]["commitTimestamp"]),
                        replay_id=replay_ids[1])
    replayed = asyncio.run(listen({CHANNEL: kept}, 2))
    assert [m["data"] for m in replayed] == [m["data"] for m in live[2:]]
    # ... and one asking for every retained event gets the whole session again.
    everything = asyncio.run(listen(ReplayOption.ALL_EVENTS, 4))
    assert [m["data"] for m in everything] == [m["data"] for m in live]

    wire = [e.data for e in org.world.journal.since(0, kinds=["request"]) if e.data["path"].startswith("/cometd/")]
    assert any(isinstance(x["requestBody"], list) and any(
        m.get("ext", {}).get("replay", {}).get(CHANNEL) == replay_ids[1] for m in x["requestBody"]) for x in wire)
    for exchange in wire:
        contracts.validate("salesforce", "cometd-request", exchange["requestBody"])
        contracts.validate("salesforce", "cometd-response", exchange["responseBody"])
