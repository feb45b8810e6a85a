"""The push channels as state machines: subscriptions come and go while the org changes, and every change a
subscriber is owed arrives exactly once, in journal order, and nothing arrives for what it no longer follows.

- Genesys: `/api/v2/notifications/channels` and their subscriptions (REST, in process), the channel's WebSocket
  (served on loopback: a socket needs a real connection) read up to a ping's pong, which the service answers in
  order, so "nothing else arrived" is proved without waiting.
- Salesforce: the CometD handshake / subscribe / unsubscribe / connect (long-polling with no hold, in process).

What each subscriber is owed comes from `/_fake/journal`: the topics a Genesys event carries, the record changes a
change-data-capture channel publishes."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import websocket
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from stateful_support import MACHINE_SETTINGS, JournalReader, events

from omni_harness.fakes.core import World
from omni_harness.fakes.genesys.model.presence import BY_LABEL
from omni_harness.fakes.runner import Stack, start_stack
from omni_harness.fakes.salesforce import SalesforceFake

PRESENCES = [BY_LABEL[label].id for label in ("On Queue", "Available", "Away")]
PONG = {"topicName": "channel.metadata", "eventBody": {"message": "pong"}}
SOCKET_TIMEOUT = 10.0  # a socket read that takes longer fails the test (the pong is due at once)


# -- Genesys ------------------------------------------------------------------------------------------------
class GenesysChannels(RuleBasedStateMachine):
    stack: Stack  # set by the test: the Genesys fake served on loopback (its socket listener is used)

    def __init__(self) -> None:
        super().__init__()
        self.fake = self.stack.fakes["genesys"]
        self.client = self.fake.app.test_client()
        assert self.client.post("/_fake/reset").status_code == 200
        assert self.client.post("/_fake/clock/freeze").status_code == 200  # no heartbeats unless the clock moves
        self.journal = JournalReader(self.client)
        self.journal.start()
        creds = self.fake.world.plan.credentials
        basic = base64.b64encode(f"{creds.genesys_client_id}:{creds.genesys_client_secret}".encode()).decode()
        r = self.client.post("/oauth/token", data={"grant_type": "client_credentials"},
                             headers={"Authorization": f"Basic {basic}"})
        assert r.status_code == 200, r.json
        self.headers = {"Authorization": f"Bearer {r.json['access_token']}"}
        org = self.client.get("/_fake/state").json["org"]
        self.users = [u["id"] for u in org["users"]][:2]
        self.queue = next(q["id"] for q in org["queues"] if q["name"] == "Chat Queue 1")
        self.topic_pool = [f"v2.users.{u}.{kind}" for u in self.users for kind in ("presence", "routingStatus",
                                                                                   "conversations")]
        self.topic_pool.append(f"v2.routing.queues.{self.queue}.conversations")
        r = self.client.post("/api/v2/notifications/channels", headers=self.headers)
        assert r.status_code == 200, r.json
        self.channel_id = r.json["id"]
        self.socket = websocket.create_connection(r.json["connectUri"], timeout=SOCKET_TIMEOUT)
        self.subscribed: set[str] = set()  # what the channel follows, as the subscriber asked
        self.owed: list[tuple[str, Any]] = []
        self.received: list[tuple[str, Any]] = []
        self.subscription_calls = 0  # REST calls that changed the subscriptions, each owing one journal event
        self.subscription_events = 0
        self.last_entries: list[dict[str, Any]] = []
        self._after_step()

    def teardown(self) -> None:
        self.socket.close()

    # -- plumbing --------------------------------------------------------------------------------------
    def _subscriptions(self, method: str, topics: list[str] | None = None) -> None:
        path = f"/api/v2/notifications/channels/{self.channel_id}/subscriptions"
        r = self.client.open(path, method=method, headers=self.headers,
                             json=None if topics is None else [{"id": t} for t in topics])
        assert r.status_code in (200, 204), (method, r.status_code, r.get_data(as_text=True))
        self.subscription_calls += 1

    def _drain(self) -> list[tuple[str, Any]]:
        """Everything the socket delivered before the pong of a ping sent now."""
        self.socket.send(json.dumps({"message": "ping"}))
        out = []
        while True:
            message = json.loads(self.socket.recv())
            if message == PONG:
                return out
            out.append((message["topicName"], message["eventBody"]))

    # -- rules: the subscriber -----------------------------------------------------------------------------
    @initialize(topics=st.sets(st.integers(0, 6), min_size=2, max_size=5))
    def first_subscriptions(self, topics: set[int]) -> None:
        names = [self.topic_pool[i] for i in sorted(topics)]
        self._subscriptions("PUT", names)
        self.subscribed = set(names)
        self._after_step()

    @initialize(user=st.integers(0, 1))
    def an_agent_goes_on_queue(self, user: int) -> None:
        self.agent_changes_presence(user, PRESENCES[0])

    @rule(topics=st.sets(st.integers(0, 6), min_size=1, max_size=3))
    def subscribe_more(self, topics: set[int]) -> None:
        names = [self.topic_pool[i] for i in sorted(topics)]
        self._subscriptions("POST", names)
        self.subscribed |= set(names)
        self._after_step()

    @rule(topics=st.sets(st.integers(0, 6), max_size=3))
    def replace_subscriptions(self, topics: set[int]) -> None:
        names = [self.topic_pool[i] for i in sorted(topics)]
        self._subscriptions("PUT", names)
        self.subscribed = set(names)
        self._after_step()

    @precondition(lambda self: self.subscribed)
    @rule()
    def unsubscribe_all(self) -> None:
        self._subscriptions("DELETE")
        self.subscribed = set()
        self._after_step()

    # -- rules: the org changes ----------------------------------------------------------------------------
    @rule(user=st.integers(0, 1), presence=st.sampled_from(PRESENCES))
    def agent_changes_presence(self, user: int, presence: str) -> None:
        r = self.client.patch(f"/api/v2/users/{self.users[user]}/presences/purecloud", headers=self.headers,
                              json={"presenceDefinition": {"id": presence}})
        assert r.status_code == 200, r.json
        self._after_step()

    @rule()
    def customer_chat(self) -> None:
        r = self.client.post("/api/v2/conversations/chats", headers=self.headers,
                             json={"queueId": self.queue, "provider": "PureCloud Webchat v2", "customerName": "Pat"})
        assert r.status_code == 200, r.json
        self._after_step()

    @precondition(lambda self: self._live_conversations())
    @rule(pick=st.integers(0, 7))
    def conversation_ends(self, pick: int) -> None:
        live = self._live_conversations()
        cid = live[pick % len(live)]
        r = self.client.delete(f"/api/v2/conversations/{cid}", headers=self.headers)
        assert r.status_code == 202, r.get_data(as_text=True)
        self._after_step()

    def _live_conversations(self) -> list[str]:
        with self.fake.lock:
            return [c.id for c in self.fake.conversations.by_id.values() if not c.ended]

    # -- reading what happened -------------------------------------------------------------------------
    def _after_step(self) -> None:
        self.last_entries = self.journal.read()
        for event in events(self.last_entries):
            if event["type"] == "notifications.subscriptions":
                self.subscription_events += 1
            if event["type"].startswith("notifications."):
                continue  # the service's own bookkeeping: its `topics` are names, not notifications
            for topic in event["data"].get("topics") or []:
                if topic["topicName"] in self.subscribed:
                    self.owed.append((topic["topicName"], topic["eventBody"]))
        self.received += self._drain()

    # -- invariants ------------------------------------------------------------------------------------
    @invariant()
    def every_owed_notification_arrives_once(self) -> None:
        if self.received != self.owed:
            got, owed = Counter(t for t, _ in self.received), Counter(t for t, _ in self.owed)
            raise AssertionError(f"the socket got {len(self.received)} notifications, the journal owes "
                                 f"{len(self.owed)}: extra {dict(got - owed)}, missing {dict(owed - got)}")

    @invariant()
    def one_journal_event_per_subscription_change(self) -> None:
        assert self.subscription_events == self.subscription_calls, (
            f"{self.subscription_calls} subscription changes, {self.subscription_events} journal events")
        r = self.client.get(f"/api/v2/notifications/channels/{self.channel_id}/subscriptions", headers=self.headers)
        assert {t["id"] for t in r.json["entities"]} == self.subscribed
        state = self.client.get("/_fake/state").json["org"]["notifications"]
        [channel] = [c for c in state["channels"] if c["id"] == self.channel_id]
        assert set(channel["topics"]) == self.subscribed and channel["connected"]


@pytest.fixture(scope="module")
def genesys_stack() -> Iterator[Stack]:
    stack = start_stack(World(seed=11, agents=4), names=["genesys"])
    yield stack
    stack.stop()


def test_genesys_notification_channels(genesys_stack: Stack) -> None:
    GenesysChannels.stack = genesys_stack
    run_state_machine_as_test(GenesysChannels, settings=MACHINE_SETTINGS)


# -- Salesforce -----------------------------------------------------------------------------------------------
CDC_ENTITIES = ("PendingServiceRouting", "AgentWork", "UserServicePresence", "LiveChatTranscript")
CDC_CHANNELS = ["/data/ChangeEvents"] + [f"/data/{entity}ChangeEvent" for entity in CDC_ENTITIES]


def carries(channel: str, entity: str) -> bool:
    return channel == "/data/ChangeEvents" or channel == f"/data/{entity}ChangeEvent"


class CometdChannels(RuleBasedStateMachine):
    fake: SalesforceFake  # set by the test (one fake per module, reset by each example)

    def __init__(self) -> None:
        super().__init__()
        self.client = self.fake.listeners()["api"].test_client()
        assert self.client.post("/_fake/reset").status_code == 200
        assert self.client.post("/_fake/clock/freeze").status_code == 200
        self.journal = JournalReader(self.client)
        self.journal.start()
        creds = self.fake.world.plan.credentials
        r = self.client.post("/services/oauth2/token", data={
            "grant_type": "password", "client_id": creds.salesforce_client_id,
            "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
            "password": creds.salesforce_password + creds.salesforce_security_token})
        assert r.status_code == 200, r.json
        self.headers = {"Authorization": f"Bearer {r.json['access_token']}"}
        records = self.client.get("/_fake/state").json["org"]["records"]
        self.agents = [u["Id"] for u in records["User"] if u["UserType"] == "Standard"
                       and u["Id"] != self.client.get("/_fake/state").json["org"]["integrationUserId"]][:2]
        self.statuses = {s["DeveloperName"]: s["Id"] for s in records["ServicePresenceStatus"]}
        self._id = 0
        [reply] = self._bayeux({"channel": "/meta/handshake", "version": "1.0", "minimumVersion": "1.0",
                                "supportedConnectionTypes": ["long-polling"]})
        assert reply["successful"], reply
        self.client_id = reply["clientId"]
        self.subscribed: set[str] = set()
        self.owed: list[tuple[str, str, str, str]] = []
        self.received: list[tuple[str, str, str, str]] = []
        self.replay_ids: list[int] = []
        self._after_step()

    def teardown(self) -> None:
        self._bayeux({"channel": "/meta/disconnect", "clientId": self.client_id})

    def _bayeux(self, *messages: dict[str, Any]) -> list[dict[str, Any]]:
        for message in messages:
            self._id += 1
            message["id"] = str(self._id)
        r = self.client.post("/cometd/64.0", json=list(messages), headers=self.headers)
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.json

    def _bridge(self, user_id: str, method: str, body: dict[str, Any] | None = None) -> Any:
        r = self.client.post(f"/omni-toolkit/v1/users/{user_id}/{method}", json=body or {}, headers=self.headers)
        assert r.status_code < 500, r.get_data(as_text=True)
        return r

    # -- rules: the subscriber -----------------------------------------------------------------------------
    @initialize(channels=st.sets(st.sampled_from(CDC_CHANNELS), min_size=1, max_size=3))
    def first_subscriptions(self, channels: set[str]) -> None:
        for channel in sorted(channels):
            [reply] = self._bayeux({"channel": "/meta/subscribe", "clientId": self.client_id,
                                    "subscription": channel})
            assert reply["successful"], reply
            self.subscribed.add(channel)
        self._after_step()

    @initialize(agent=st.integers(0, 1))
    def an_agent_online_and_a_customer_waiting(self, agent: int) -> None:
        self.agent_presence(agent, "Online")
        self.customer_chat()

    @rule(channel=st.sampled_from(CDC_CHANNELS))
    def subscribe(self, channel: str) -> None:
        [reply] = self._bayeux({"channel": "/meta/subscribe", "clientId": self.client_id, "subscription": channel})
        assert reply["successful"], reply
        self.subscribed.add(channel)
        self._after_step()

    @precondition(lambda self: self.subscribed)
    @rule(pick=st.integers(0, 4))
    def unsubscribe(self, pick: int) -> None:
        channel = sorted(self.subscribed)[pick % len(self.subscribed)]
        [reply] = self._bayeux({"channel": "/meta/unsubscribe", "clientId": self.client_id, "subscription": channel})
        assert reply["successful"], reply
        self.subscribed.discard(channel)
        self._after_step()

    # -- rules: the org changes ----------------------------------------------------------------------------
    @rule(agent=st.integers(0, 1), status=st.sampled_from(["Online", "Busy", "logout"]))
    def agent_presence(self, agent: int, status: str) -> None:
        uid = self.agents[agent]
        if status == "logout":
            r = self._bridge(uid, "logout")
        else:
            r = self._bridge(uid, "setServicePresenceStatus", {"statusId": self.statuses[status]})
        assert r.status_code == 200, r.json
        self._after_step()

    @rule()
    def customer_chat(self) -> None:
        r = self.client.post("/_fake/customers/chats", json={"queue": "Chat_Queue_1", "customerName": "Pat"})
        assert r.status_code == 201, r.json
        self._after_step()

    @rule(agent=st.integers(0, 1), accept=st.booleans())
    def connector_routes_a_chat(self, agent: int, accept: bool) -> None:
        """Push the oldest unpushed request to an agent and let the agent accept or decline (may be refused)."""
        records = self.client.get("/_fake/state").json["org"]["records"]
        pending = [p for p in records["PendingServiceRouting"] if not p["IsDeleted"] and not p["IsPushed"]]
        if not pending:
            return
        psr = pending[0]
        r = self.client.post("/services/data/v67.0/sobjects/AgentWork/", headers=self.headers, json={
            "ServiceChannelId": psr["ServiceChannelId"], "WorkItemId": psr["WorkItemId"],
            "UserId": self.agents[agent], "PendingServiceRoutingId": psr["Id"]})
        assert r.status_code in (201, 400), r.get_data(as_text=True)
        if r.status_code == 201:
            method = "acceptAgentWork" if accept else "declineAgentWork"
            assert self._bridge(self.agents[agent], method, {"workId": r.json["id"]}).status_code == 200
        self._after_step()

    # -- reading what happened -------------------------------------------------------------------------
    def _after_step(self) -> None:
        for event in events(self.journal.read()):
            data = event["data"]
            if event["type"] != "sobject.change" or data["entity"] not in CDC_ENTITIES:
                continue
            for channel in sorted(self.subscribed):
                if carries(channel, data["entity"]):
                    self.owed.append((channel, data["entity"], data["changeType"], data["recordId"]))
        replies = self._bayeux({"channel": "/meta/connect", "clientId": self.client_id,
                                "connectionType": "long-polling"})
        assert replies[-1]["channel"] == "/meta/connect" and replies[-1]["successful"], replies[-1]
        for message in replies[:-1]:
            header = message["data"]["payload"]["ChangeEventHeader"]
            [record_id] = header["recordIds"]
            self.received.append((message["channel"], header["entityName"], header["changeType"], record_id))
            self.replay_ids.append(message["data"]["event"]["replayId"])

    # -- invariants ------------------------------------------------------------------------------------
    @invariant()
    def every_owed_change_event_arrives_once(self) -> None:
        # Within one connect the order across channels is the bus's; per channel it is the journal's.
        for channel in CDC_CHANNELS:
            got = [d for d in self.received if d[0] == channel]
            owed = [d for d in self.owed if d[0] == channel]
            assert got == owed, f"{channel}: delivered {got}, the journal owes {owed}"

    @invariant()
    def replay_ids_increase(self) -> None:
        by_channel: dict[str, list[int]] = {}
        for (channel, *_), replay_id in zip(self.received, self.replay_ids, strict=True):
            by_channel.setdefault(channel, []).append(replay_id)
        for channel, ids in by_channel.items():
            assert ids == sorted(set(ids)), f"{channel}: replay ids out of order or repeated: {ids}"


@pytest.fixture
def cometd(salesforce: SalesforceFake) -> Iterator[type[CometdChannels]]:
    config = salesforce.streaming.config
    hold, config.hold_seconds = config.hold_seconds, 0.0  # a connect answers at once with what is queued
    CometdChannels.fake = salesforce
    yield CometdChannels
    config.hold_seconds = hold


def test_salesforce_cometd_channels(cometd: type[CometdChannels]) -> None:
    run_state_machine_as_test(cometd, settings=MACHINE_SETTINGS)
