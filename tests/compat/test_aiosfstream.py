"""aiosfstream-ng 0.7.5, unmodified, against the Salesforce fake's Streaming API (issue 3, acceptance 3).

Subscribed to `/data/ChangeEvents`, it receives every change of a whole externally routed chat in order; its
client is dropped mid-flow (a `close_socket` fault), it re-handshakes on `403::Unknown client`, resubscribes with
its last replayId and gets exactly the events it missed: none lost, none twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import requests
from aiosfstream_ng import Client
from aiosfstream_ng.auth import PasswordAuthenticator

from omni_harness import contracts
from omni_harness.fakes.core import World
from omni_harness.fakes.runner import start_stack

CDC_ENTITIES = {"PendingServiceRouting", "AgentWork", "UserServicePresence", "LiveChatTranscript"}
TIMEOUT = 15.0


def authenticator_for(base_url: str) -> type[PasswordAuthenticator]:
    class FakeOrgAuthenticator(PasswordAuthenticator):
        """The library hard-codes login.salesforce.com; only the token URL changes (reference §8.4)."""

        @property
        def _token_url(self) -> str:
            return f"{base_url}/services/oauth2/token"

    return FakeOrgAuthenticator


class Org:
    """Plays the customer (control API), the agent's console (bridge) and the integration (REST) over HTTP."""

    def __init__(self, stack: Any) -> None:
        self.world = stack.world
        self.base = stack.url("salesforce")
        creds = self.world.plan.credentials
        token = requests.post(f"{self.base}/services/oauth2/token", data={
            "grant_type": "password", "client_id": creds.salesforce_client_id,
            "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
            "password": creds.salesforce_password}, timeout=10).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        person = self.world.plan.people[0]
        query = f"SELECT Id FROM User WHERE Email = '{person.email}' AND UserType = 'Standard'"
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

    def control(self, path: str, body: Any) -> Any:
        response = requests.post(f"{self.base}/_fake/{path}", json=body, timeout=10)
        assert response.status_code < 300, response.text
        return response.json()

    def online(self) -> None:
        query = "SELECT Id FROM ServicePresenceStatus WHERE DeveloperName = 'Online'"
        self.console("setServicePresenceStatus", statusId=self.rest("GET", "/query", params={"q": query})[
            "records"][0]["Id"])

    def chat(self) -> dict[str, str]:
        return self.control("customers/chats", {"queue": self.world.plan.queue_pairs[0].salesforce_developer_name,
                                                "customerName": "Ann", "text": "Hello"})

    def insert_work(self, chat: dict[str, str]) -> str:
        psr = self.rest("GET", f"/sobjects/PendingServiceRouting/{chat['pendingServiceRoutingId']}")
        return self.rest("POST", "/sobjects/AgentWork", json={
            "ServiceChannelId": psr["ServiceChannelId"], "WorkItemId": chat["workItemId"], "UserId": self.agent,
            "PendingServiceRoutingId": psr["Id"]})["id"]

    def changes(self, after: int) -> list[tuple[str, str, str]]:
        return [(e.data["entity"], e.data["changeType"], e.data["recordId"]) for e in self.world.journal.since(after)
                if e.type == "sobject.change" and e.data["entity"] in CDC_ENTITIES]

    def client_events(self) -> list[dict[str, Any]]:
        found = [e.data for e in self.world.journal.since(0) if e.type == "streaming.client"]
        for data in found:
            contracts.validate("salesforce", "cometd-client-event", data)
        return found


@pytest.fixture
def stack():
    running = start_stack(World(seed=21), names=["salesforce"])
    running.fakes["salesforce"].streaming.config.hold_seconds = 10.0
    yield running
    running.stop()


class Received:
    """What the subscriber consumed, with a condition to wait on (no sleeps)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.changed = asyncio.Condition()

    async def consume(self, client: Client) -> None:
        async for message in client:
            contracts.validate("salesforce", "cometd-delivery", message)
            async with self.changed:
                self.messages.append(message)
                self.changed.notify_all()

    async def until(self, what: str, predicate) -> None:
        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait_for(lambda: predicate(self.messages)), TIMEOUT)
            except TimeoutError:
                raise AssertionError(f"timed out after {TIMEOUT} s waiting for {what}; received "
                                     f"{summary(self.messages)}") from None

    async def count(self, n: int, what: str) -> None:
        await self.until(what, lambda messages: len(messages) >= n)


def summary(messages: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    out = []
    for message in messages:
        header = message["data"]["payload"]["ChangeEventHeader"]
        out.append((header["entityName"], header["changeType"], header["recordIds"][0]))
    return out


def test_a_whole_chat_arrives_in_order_and_a_dropped_client_replays_exactly_what_it_missed(stack, caplog):
    caplog.set_level(logging.CRITICAL, logger="asyncio")  # aiocometd logs its own cancelled poll on close
    org = Org(stack)
    auth_cls = authenticator_for(org.base)
    creds = org.world.plan.credentials

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any], int, list[tuple[str, str, str]]]:
        replay_markers: dict[str, Any] = {}
        client = Client(auth_cls(creds.salesforce_client_id, creds.salesforce_client_secret,
                                 creds.salesforce_username, creds.salesforce_password),
                        replay=replay_markers, connection_timeout=TIMEOUT)
        await client.open()
        await client.subscribe("/data/ChangeEvents")
        start = org.world.journal.last_seq
        received = Received()
        consumer = asyncio.create_task(received.consume(client))
        try:
            await asyncio.to_thread(org.online)
            chat = await asyncio.to_thread(org.chat)
            work_id = await asyncio.to_thread(org.insert_work, chat)
            expected = org.changes(start)
            await received.count(len(expected), "the presence, the chat, its routing request and the AgentWork")
            assert summary(received.messages) == expected
            before_drop = dict(replay_markers)

            # Mid-flow: the next delivery on the channel drops the client instead of reaching it.
            await asyncio.to_thread(org.control, "faults",
                                    {"action": "close_socket", "path": "/data/ChangeEvents", "count": 1})
            await asyncio.to_thread(org.console, "acceptAgentWork", workId=work_id)
            await asyncio.to_thread(org.console, "closeAgentWork", workId=work_id)
            await asyncio.to_thread(org.console, "logout")
            expected = org.changes(start)
            await received.count(len(expected), "every change of the chat after the drop")
            return received.messages, before_drop["/data/ChangeEvents"], work_id, expected
        finally:
            await client.close()
            consumer.cancel()

    messages, marker, work_id, expected = asyncio.run(scenario())
    got = summary(messages)
    assert got == expected, "events lost, duplicated or out of order"
    replay_ids = [m["data"]["event"]["replayId"] for m in messages]
    assert replay_ids == sorted(set(replay_ids)), "none twice, in replay order"

    # The whole external-routing chat, in order (reference §5, "accept" and "chat ends").
    def first(entity: str, change: str, record: str | None = None, **values: Any) -> int:
        for i, m in enumerate(messages):
            payload = m["data"]["payload"]
            h = payload["ChangeEventHeader"]
            if (h["entityName"], h["changeType"]) != (entity, change):
                continue
            if (record is None or h["recordIds"][0] == record) and all(payload.get(k) == v for k, v in values.items()):
                return i
        raise AssertionError(f"no {entity} {change} {values} in {got}")

    psr = next(r for e, c, r in got if e == "PendingServiceRouting")
    order = [first("UserServicePresence", "CREATE"),
             first("PendingServiceRouting", "CREATE", psr),
             first("PendingServiceRouting", "UPDATE", psr, IsPushed=True),
             first("AgentWork", "CREATE", work_id, Status="Assigned"),
             first("AgentWork", "UPDATE", work_id, Status="Opened"),
             first("PendingServiceRouting", "DELETE", psr),
             first("AgentWork", "UPDATE", work_id, Status="Closed"),
             first("UserServicePresence", "UPDATE", IsCurrentState=False)]
    assert order == sorted(order), got

    # The drop really happened, and the new client resubscribed from the last replayId it had consumed ...
    events = org.client_events()
    dropped = [e for e in events if e["action"] == "expired"]
    assert [e["reason"] for e in dropped] == ["close_socket"], events
    resubscribed = [e for e in events if e["action"] == "subscribe" and e["clientId"] != dropped[0]["clientId"]]
    assert [e["replayId"] for e in resubscribed] == [marker.replay_id], events
    # ... and what it missed reached it in the answer to that resubscription, by replay.
    missed = [m for m in messages if m["data"]["event"]["replayId"] > marker.replay_id]
    assert summary(missed) == expected[len(messages) - len(missed):]
    replayed = []
    for entry in org.world.journal.since(0, kinds=["request"]):
        body = entry.data.get("requestBody")
        if entry.data["path"].startswith("/cometd/") and isinstance(body, list) and any(
                m.get("channel") == "/meta/subscribe" and m.get("ext", {}).get("replay") for m in body):
            replayed += [m for m in entry.data["responseBody"] if "data" in m]
    assert replayed and replayed[0]["data"] == missed[0]["data"]

    # Every body the library sent and got on the wire fits the contracts.
    wire = [e.data for e in org.world.journal.since(0, kinds=["request"]) if e.data["path"].startswith("/cometd/")]
    assert wire
    for exchange in wire:
        contracts.validate("salesforce", "cometd-request", exchange["requestBody"])
        contracts.validate("salesforce", "cometd-response", exchange["responseBody"])
