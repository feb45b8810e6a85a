"""aiosfstream-ng 0.7.5, unmodified, receives the change events of an Enhanced Chat session (MessagingSession) from
the Salesforce fake's Streaming API, then a second client replays them from a replay id it kept.

The library hard-codes login.salesforce.com; only its token URL changes (as in test_aiosfstream.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiosfstream_ng import Client, ReplayMarker, ReplayOption
from test_aiosfstream import Org, authenticator_for  # the chat twin's login and HTTP plumbing

from omni_harness import contracts
from omni_harness.fakes.core import World
from omni_harness.fakes.runner import start_stack

CHANNEL = "/data/MessagingSessionChangeEvent"
TIMEOUT = 15.0


class MessagingOrg(Org):
    """The chat test's org over HTTP, playing an Enhanced Chat session instead of a chat."""

    def whole_session(self) -> tuple[str, str]:
        """Online, a session routed and accepted, ended in the console, its tab closed: (session, work) ids."""
        self.online()
        opened = self.control("customers/messaging", {
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
    org = MessagingOrg(stack)
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
