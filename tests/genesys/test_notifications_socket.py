"""The notification WebSocket (reference §6): delivery in journal order, heartbeats, ping/pong, faults, expiry.

Runs against the real Genesys fake served on loopback, with websocket-client as the subscriber. Nothing
sleeps: every wait is a socket read with a timeout, and "nothing else arrived" is proved by a ping whose
pong must be the very next message (the service answers in order).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import websocket

from omni_harness import contracts
from omni_harness.fakes.core import World
from omni_harness.fakes.runner import start_stack

BASE = "/api/v2/notifications"
ON_QUEUE = "e08eaf1b-ee47-4fa9-a231-1200e284798f"
AVAILABLE = "6a3af858-942f-489d-9700-5f9bcdcdae9b"
AWAY = "5e5c5c66-ea97-4e7f-ac41-6424784829f2"
WAIT = 10.0  # seconds a test waits for a message before it fails
HEARTBEAT = {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}


@pytest.fixture(scope="module")
def stack():
    stack = start_stack(World(seed=11, agents=6, queues=2), names=["genesys"])
    yield stack
    stack.stop()


@dataclass
class Api:
    url: str
    http: requests.Session
    fake: Any
    headers: dict[str, str]

    def call(self, method: str, path: str, status: int | None = None, headers: dict | None = None, **kw) -> Any:
        resp = self.http.request(method, self.url + path, headers=headers or self.headers, **kw)
        if status is not None:
            assert resp.status_code == status, f"{method} {path}: {resp.status_code} {resp.text}"
        return resp.json() if resp.content else None

    def control(self, method: str, path: str, **kw) -> Any:
        resp = self.http.request(method, f"{self.url}/_fake/{path}", **kw)
        assert resp.status_code < 300, resp.text
        return resp.json()

    def channel(self, topics: list[str], headers: dict | None = None) -> dict:
        channel = self.call("POST", f"{BASE}/channels", 200, headers=headers, data="null", params=None)
        contracts.validate("genesys", "notification-channel", channel)
        listing = self.call(
            "PUT",
            f"{BASE}/channels/{channel['id']}/subscriptions",
            200,
            headers=headers,
            json=[{"id": t} for t in topics],
        )
        contracts.validate("genesys", "notification-channel-topic-listing", listing)
        return channel

    def presence(self, user_id: str, definition_id: str) -> None:
        self.call(
            "PATCH",
            f"/api/v2/users/{user_id}/presences/purecloud",
            200,
            json={"presenceDefinition": {"id": definition_id}},
        )

    def journal_events(self, type_: str | None = None) -> list[dict]:
        entries = self.control("GET", "journal", params={"kind": "event"})["entries"]
        return [e for e in entries if type_ is None or e["type"] == type_]

    def deliveries(self, topics: set[str]) -> list[tuple[str, str, dict]]:
        """(topicName, correlationId, eventBody) of every model event's delivery on these topics, in journal order."""
        out = []
        for event in self.journal_events():
            if event["type"].startswith("notifications."):
                continue
            for topic in event["data"].get("topics", []):
                if topic["topicName"] in topics:
                    out.append((topic["topicName"], event["correlationId"], topic["eventBody"]))
        return out


@pytest.fixture
def api(stack):
    stack.world.reset()
    fake = stack.fakes["genesys"]
    url = stack.url("genesys")
    http = requests.Session()
    creds = stack.world.plan.credentials
    token = http.post(
        f"{url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(creds.genesys_client_id, creds.genesys_client_secret),
    ).json()["access_token"]
    yield Api(url, http, fake, {"Authorization": f"Bearer {token}"})
    http.close()


@dataclass
class Closed:
    code: int
    reason: str


class Subscriber:
    """A notification socket client; every message it reads is validated against the contracts."""

    def __init__(self, uri: str) -> None:
        self.ws = websocket.create_connection(uri, timeout=WAIT)

    def next(self) -> dict | Closed:
        while True:
            try:
                opcode, data = self.ws.recv_data(control_frame=True)
            except websocket.WebSocketConnectionClosedException:
                return Closed(1006, "connection lost")
            if opcode == websocket.ABNF.OPCODE_TEXT:
                message = json.loads(data)
                contracts.validate("genesys", "notification-socket-message", message)
                return message
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
                return Closed(code, data[2:].decode("utf-8", "replace"))

    def event(self) -> dict:
        """The next topic event, skipping heartbeats; fails on anything else."""
        while True:
            message = self.next()
            assert not isinstance(message, Closed), f"socket closed: {message}"
            if (
                message.get("topicName") == "channel.metadata"
                and message["eventBody"]["message"] == "WebSocket Heartbeat"
            ):
                continue
            contracts.validate("genesys", "notification-envelope", message)
            return message

    def send(self, message: dict) -> None:
        contracts.validate("genesys", "notification-socket-request", message)
        self.ws.send(json.dumps(message))

    def ping(self) -> None:
        self.send({"message": "ping"})

    def assert_quiet(self, heartbeats: bool = True) -> None:
        """Nothing is pending: the pong to a ping sent now is the next message (after heartbeats, unless
        `heartbeats` is False)."""
        self.ping()
        message = self.next()
        while heartbeats and message == HEARTBEAT:
            message = self.next()
        assert message == {"topicName": "channel.metadata", "eventBody": {"message": "pong"}}, (
            f"expected nothing before the pong, got {message}"
        )

    def closed(self) -> Closed:
        """The close frame, skipping heartbeats; fails on anything else."""
        while True:
            message = self.next()
            if isinstance(message, Closed):
                return message
            assert message == HEARTBEAT, f"expected the socket to close, got {message}"

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def subscribers():
    made: list[Subscriber] = []

    def connect(uri: str) -> Subscriber:
        sub = Subscriber(uri)
        made.append(sub)
        return sub

    yield connect
    for sub in made:
        sub.close()


def agents(api: Api) -> list[str]:
    listing = api.call("GET", "/api/v2/users?pageSize=100", 200)
    return [u["id"] for u in listing["entities"]]


def queue_id(api: Api, name: str) -> str:
    listing = api.call("GET", "/api/v2/routing/queues?pageSize=100", 200)
    return next(q["id"] for q in listing["entities"] if q["name"] == name)


def wait_socket_event(api: Api, action: str, after: int = 0) -> dict:
    """The next notifications.socket event with this action, from the event feed (long-poll)."""
    while True:
        feed = api.control("GET", "events", params={"after": after, "wait": WAIT, "source": "genesys"})
        assert feed["events"], f"no notifications.socket {action} event within {WAIT} s"
        for event in feed["events"]:
            if event["type"] == "notifications.socket" and event["data"]["action"] == action:
                return event
        after = feed["lastSeq"]


# -- delivery --------------------------------------------------------------------------------------------
def test_events_arrive_in_journal_order_never_lost_never_duplicated(api, subscribers):
    users = agents(api)
    channel = api.channel([f"v2.users.{u}.presence" for u in users] + [f"v2.users.{u}.routingStatus" for u in users])
    sub = subscribers(channel["connectUri"])
    wait_socket_event(api, "opened")

    def churn(user_id: str) -> None:
        with requests.Session() as http:
            for i in range(12):
                definition = (AWAY, AVAILABLE, ON_QUEUE)[i % 3]
                resp = http.patch(
                    f"{api.url}/api/v2/users/{user_id}/presences/purecloud",
                    headers=api.headers,
                    json={"presenceDefinition": {"id": definition}},
                )
                assert resp.status_code == 200, resp.text

    threads = [threading.Thread(target=churn, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = api.deliveries({f"v2.users.{u}.{k}" for u in users for k in ("presence", "routingStatus")})
    assert len(expected) >= len(users) * 12
    received = []
    for _ in expected:
        message = sub.event()
        received.append((message["topicName"], message["metadata"]["CorrelationId"], message["eventBody"]))
    assert received == expected
    sub.assert_quiet()


def test_unsubscribed_topics_are_not_delivered(api, subscribers):
    first, second = agents(api)[:2]
    channel = api.channel([f"v2.users.{first}.presence"])
    sub = subscribers(channel["connectUri"])
    api.presence(second, AWAY)
    api.presence(first, AWAY)
    message = sub.event()
    assert message["topicName"] == f"v2.users.{first}.presence"
    assert message["eventBody"]["presenceDefinition"] == {"id": AWAY, "systemPresence": "AWAY"}
    contracts.validate("genesys", "event-user-presence", message["eventBody"])
    sub.assert_quiet()


def test_chat_lifecycle_arrives_in_order_on_the_agents_chat_topic(api, subscribers):
    """Issue 2, acceptance 3: alerting, connected, disconnected and wrap-up, in order, for a chat driven by REST."""
    agent = agents(api)[0]
    queue = queue_id(api, "Chat Queue 1")
    topic = f"v2.users.{agent}.conversations.chats"
    channel = api.channel([topic])
    sub = subscribers(channel["connectUri"])
    api.presence(agent, ON_QUEUE)
    chat = api.call(
        "POST",
        "/api/v2/conversations/chats",
        200,
        json={"queueId": queue, "provider": "PureCloud Webchat v2", "attributes": {"workItemId": "0Bz"}},
    )

    seen: list[dict] = []

    def agent_leg_when(predicate) -> dict:
        while True:
            message = sub.event()
            assert message["topicName"] == topic
            contracts.validate("genesys", "event-chat-conversation", message["eventBody"])
            assert message["eventBody"]["id"] == chat["id"]
            seen.append(message)
            legs = [
                p
                for p in message["eventBody"]["participants"]
                if p["purpose"] == "agent" and p.get("user", {}).get("id") == agent
            ]
            if legs and predicate(legs[-1]):
                return legs[-1]

    leg = agent_leg_when(lambda p: p["state"] == "alerting")
    path = f"/api/v2/conversations/chats/{chat['id']}/participants/{leg['id']}"
    api.call("PATCH", path, 202, json={"state": "connected"})
    agent_leg_when(lambda p: p["state"] == "connected")
    api.call("PATCH", path, 202, json={"state": "disconnected"})
    agent_leg_when(lambda p: p["state"] == "disconnected")
    codes = api.call("GET", f"{path}/wrapupcodes", 200)
    api.call("PATCH", path, 202, json={"wrapup": {"code": codes[0]["id"], "notes": "done"}})
    wrapped = agent_leg_when(lambda p: p.get("wrapup") is not None)
    assert wrapped["wrapup"]["code"] == codes[0]["name"]
    sub.assert_quiet()

    # The agent leg's states, in the order delivered: every step present, none out of order.
    states = []
    for message in seen:
        leg = next(p for p in message["eventBody"]["participants"] if p["id"] == wrapped["id"])
        label = "wrapup" if leg.get("wrapup") else leg["state"]
        if not states or states[-1] != label:
            states.append(label)
    assert states == ["alerting", "connected", "disconnected", "wrapup"]
    # ... and exactly the journal's deliveries for this topic, each once.
    journal = api.deliveries({topic})
    assert [(m["topicName"], m["metadata"]["CorrelationId"], m["eventBody"]) for m in seen] == journal


def test_queue_topic_sees_the_chat_created(api, subscribers):
    queue = queue_id(api, "Chat Queue 2")
    channel = api.channel(
        [f"v2.routing.queues.{queue}.conversations.chats", f"v2.routing.queues.{queue}.conversations"]
    )
    sub = subscribers(channel["connectUri"])
    chat = api.call(
        "POST", "/api/v2/conversations/chats", 200, json={"queueId": queue, "provider": "PureCloud Webchat v2"}
    )
    first, second = sub.event(), sub.event()
    assert {first["topicName"], second["topicName"]} == {
        f"v2.routing.queues.{queue}.conversations.chats",
        f"v2.routing.queues.{queue}.conversations",
    }
    assert first["eventBody"]["id"] == second["eventBody"]["id"] == chat["id"]


# -- heartbeat and ping ----------------------------------------------------------------------------------
def test_heartbeat_every_30_seconds_of_virtual_time(api, subscribers):
    api.control("POST", "clock/freeze")
    channel = api.channel([])
    sub = subscribers(channel["connectUri"])
    wait_socket_event(api, "opened")
    api.control("POST", "clock/advance", json={"seconds": 29.5})
    sub.assert_quiet(heartbeats=False)
    api.control("POST", "clock/advance", json={"seconds": 0.5})
    assert sub.next() == {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}
    contracts.validate(
        "genesys",
        "notification-heartbeat",
        {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}},
    )
    sub.assert_quiet(heartbeats=False)
    api.control("POST", "clock/advance", json={"seconds": 90})
    for _ in range(3):
        assert sub.next()["eventBody"] == {"message": "WebSocket Heartbeat"}
    sub.assert_quiet(heartbeats=False)


def test_ping_gets_pong_and_junk_is_ignored(api, subscribers):
    channel = api.channel([])
    sub = subscribers(channel["connectUri"])
    sub.ws.send("not json")
    sub.ws.send(json.dumps({"message": "hello"}))
    sub.ping()
    pong = sub.next()
    contracts.validate("genesys", "notification-pong", pong)
    sub.assert_quiet()


# -- sockets -----------------------------------------------------------------------------------------------
def test_unknown_channel_refuses_the_upgrade(api, stack):
    base = stack.url("genesys", "streaming").replace("http", "ws", 1)
    with pytest.raises(websocket.WebSocketBadStatusException) as caught:
        websocket.create_connection(f"{base}/channels/streaming-0-doesnotexist", timeout=WAIT)
    assert caught.value.status_code == 404


def test_a_second_connection_replaces_the_first(api, subscribers):
    user = agents(api)[0]
    channel = api.channel([f"v2.users.{user}.presence"])
    first = subscribers(channel["connectUri"])
    opened = wait_socket_event(api, "opened")
    second = subscribers(channel["connectUri"])
    assert first.closed().code == 1000
    closed = wait_socket_event(api, "closed", opened["seq"])
    assert closed["data"] == {
        "channelId": channel["id"],
        "owner": opened["data"]["owner"],
        "action": "closed",
        "reason": "another connection opened on this channel",
    }
    api.presence(user, AWAY)
    assert second.event()["topicName"] == f"v2.users.{user}.presence"
    second.assert_quiet()
    assert sorted(e["data"]["action"] for e in api.journal_events("notifications.socket")) == [
        "closed",
        "opened",
        "opened",
    ]


def test_socket_events_are_journaled(api, subscribers):
    channel = api.channel([])
    sub = subscribers(channel["connectUri"])
    opened = wait_socket_event(api, "opened")
    sub.close()
    closed = wait_socket_event(api, "closed", opened["seq"])
    for event in (opened, closed):
        contracts.validate("genesys", "notification-journal-event", event)
        assert event["data"]["channelId"] == channel["id"]


# -- faults --------------------------------------------------------------------------------------------------
def test_drop_event_fault(api, subscribers):
    user = agents(api)[0]
    channel = api.channel([f"v2.users.{user}.presence"])
    sub = subscribers(channel["connectUri"])
    api.control("POST", "faults", json={"action": "drop_event", "path": f"v2.users.{user}.presence", "count": 1})
    api.presence(user, AWAY)
    api.presence(user, AVAILABLE)
    assert sub.event()["eventBody"]["presenceDefinition"]["id"] == AVAILABLE
    sub.assert_quiet()


def test_duplicate_event_fault(api, subscribers):
    user = agents(api)[0]
    channel = api.channel([f"v2.users.{user}.presence"])
    sub = subscribers(channel["connectUri"])
    api.control("POST", "faults", json={"action": "duplicate_event", "path": "v2.users.*.presence", "count": 1})
    api.presence(user, AWAY)
    api.presence(user, AVAILABLE)
    got = [sub.event() for _ in range(3)]
    assert [m["eventBody"]["presenceDefinition"]["id"] for m in got] == [AWAY, AWAY, AVAILABLE]
    assert got[0] == got[1]
    sub.assert_quiet()


def test_delay_event_fault_on_the_virtual_clock(api, subscribers):
    user = agents(api)[0]
    api.control("POST", "clock/freeze")
    channel = api.channel([f"v2.users.{user}.presence"])
    sub = subscribers(channel["connectUri"])
    api.control(
        "POST", "faults", json={"action": "delay_event", "path": "v2.users.*.presence", "count": 1, "latencySeconds": 5}
    )
    api.presence(user, AWAY)
    api.presence(user, AVAILABLE)
    assert sub.event()["eventBody"]["presenceDefinition"]["id"] == AVAILABLE
    sub.assert_quiet()
    api.control("POST", "clock/advance", json={"seconds": 5})
    assert sub.event()["eventBody"]["presenceDefinition"]["id"] == AWAY


def test_close_socket_fault_closes_and_the_channel_survives(api, subscribers):
    user = agents(api)[0]
    channel = api.channel([f"v2.users.{user}.presence"])
    sub = subscribers(channel["connectUri"])
    opened = wait_socket_event(api, "opened")
    api.control("POST", "faults", json={"action": "close_socket", "count": 1})
    assert sub.closed().code == 1001
    wait_socket_event(api, "closed", opened["seq"])
    assert api.http.head(f"{api.url}{BASE}/channels/{channel['id']}", headers=api.headers).status_code == 200
    again = subscribers(channel["connectUri"])
    api.presence(user, AWAY)
    assert again.event()["eventBody"]["presenceDefinition"]["id"] == AWAY


def test_close_socket_rule_added_before_connecting_closes_the_next_socket(api, subscribers):
    channel = api.channel([])
    api.control("POST", "faults", json={"action": "close_socket", "path": channel["id"], "count": 1})
    assert subscribers(channel["connectUri"]).closed().code == 1001
    survivor = subscribers(channel["connectUri"])
    survivor.assert_quiet()


def test_socket_closing_fault_warns_then_closes_after_the_grace(api, subscribers):
    api.control("POST", "clock/freeze")
    channel = api.channel([])
    sub = subscribers(channel["connectUri"])
    wait_socket_event(api, "opened")
    api.control(
        "POST",
        "faults",
        json={"action": "close_socket", "body": {"socketClosing": True}, "latencySeconds": 60, "count": 1},
    )
    warning = sub.next()
    contracts.validate("genesys", "notification-system-message", warning)
    assert warning["topicName"] == "v2.system.socket_closing"
    assert warning["eventBody"]["channelId"] == channel["id"]
    sub.assert_quiet()
    api.control("POST", "clock/advance", json={"seconds": 60})
    assert sub.closed().code == 1001


def test_socket_closing_helper(api, subscribers):
    channel = api.channel([])
    sub = subscribers(channel["connectUri"])
    wait_socket_event(api, "opened")
    assert api.fake.notifications.socket_closing(grace_seconds=0) == 1
    assert sub.next()["topicName"] == "v2.system.socket_closing"
    assert sub.closed().code == 1001


# -- expiry and tokens ----------------------------------------------------------------------------------------
def test_channel_expires_after_a_day_and_resubscribing_extends_it(api, subscribers, stack):
    fake = api.fake
    previous = fake.config.token_seconds
    fake.config.token_seconds = 3 * 24 * 3600  # a token that outlives the channel
    try:
        token = api.http.post(
            f"{api.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(stack.world.plan.credentials.genesys_client_id, stack.world.plan.credentials.genesys_client_secret),
        ).json()["access_token"]
    finally:
        fake.config.token_seconds = previous
    headers = {"Authorization": f"Bearer {token}"}
    user = agents(api)[0]
    api.control("POST", "clock/freeze")
    keep = api.channel([f"v2.users.{user}.presence"], headers=headers)
    lapse = api.channel([f"v2.users.{user}.presence"], headers=headers)
    sub = subscribers(lapse["connectUri"])
    wait_socket_event(api, "opened")
    api.control("POST", "clock/advance", json={"seconds": 12 * 3600})
    # resubscribing keeps a channel alive for another day
    api.call(
        "PUT",
        f"{BASE}/channels/{keep['id']}/subscriptions",
        200,
        headers=headers,
        json=[{"id": f"v2.users.{user}.presence"}],
    )
    api.control("POST", "clock/advance", json={"seconds": 12 * 3600 - 60})
    heartbeats = 0
    while True:
        message = sub.next()
        if message.get("topicName") != "channel.metadata":
            break
        heartbeats += 1
    assert heartbeats >= 1
    assert message["topicName"] == "v2.system.socket_closing"  # a minute's warning before it expires
    sub.assert_quiet()
    api.control("POST", "clock/advance", json={"seconds": 60})
    assert sub.closed().code == 1000
    head = api.http.head(f"{api.url}{BASE}/channels/{lapse['id']}", headers=headers)
    assert head.status_code == 404
    assert api.http.head(f"{api.url}{BASE}/channels/{keep['id']}", headers=headers).status_code == 200
    expired = [e["data"] for e in api.journal_events("notifications.channel") if e["data"]["action"] == "expired"]
    assert [e["channelId"] for e in expired] == [lapse["id"]]
    listed = api.call("GET", f"{BASE}/channels", 200, headers=headers)
    assert [c["id"] for c in listed["entities"]] == [keep["id"]]


def test_revoked_token_closes_its_channels_with_a_system_message(api, subscribers):
    user = agents(api)[0]
    own = api.http.post(f"{api.url}/_fake/tokens", json={"userId": user}).json()["access_token"]
    agent_headers = {"Authorization": f"Bearer {own}"}
    channel = api.channel([f"v2.users.{user}.conversations.chats"], headers=agent_headers)
    sub = subscribers(channel["connectUri"])
    wait_socket_event(api, "opened")
    api.control("POST", "faults", json={"action": "expire_tokens"})
    message = sub.next()
    contracts.validate("genesys", "notification-system-message", message)
    assert message["eventBody"]["systemTopicType"] == "token_revoked"
    assert message["eventBody"]["userId"] == user
    assert sub.closed().code == 1000
    removed = [e["data"] for e in api.journal_events("notifications.channel") if e["data"]["action"] == "removed"]
    assert removed == [{"channelId": channel["id"], "owner": f"user:{user}", "action": "removed"}]


def test_token_expiry_on_the_clock_closes_the_socket(api, subscribers):
    api.control("POST", "clock/freeze")
    channel = api.channel([])
    sub = subscribers(channel["connectUri"])
    wait_socket_event(api, "opened")
    # The client token lives 86,399 s, the channel 86,400 s: the channel's expiry warning (a minute before
    # it expires) comes first, then the token dies and takes the channel with it.
    api.control("POST", "clock/advance", json={"seconds": 86400})
    topics = []
    while not isinstance(message := sub.next(), Closed):
        topics.append(message["topicName"])
    assert message.code == 1000
    assert [t for t in topics if t != "channel.metadata"] == ["v2.system.socket_closing", "v2.system.token_revoked"]
    removed = [e["data"]["action"] for e in api.journal_events("notifications.channel")]
    assert removed == ["created", "removed"]


def test_reset_closes_every_socket(api, subscribers, stack):
    channel = api.channel([])
    sub = subscribers(channel["connectUri"])
    wait_socket_event(api, "opened")
    api.control("POST", "reset")
    assert sub.closed().code == 1000


def test_channel_limit_spares_connected_channels(api, subscribers):
    first = api.channel([])
    sub = subscribers(first["connectUri"])
    wait_socket_event(api, "opened")
    others = [api.channel([])["id"] for _ in range(19)]
    newest = api.channel([])["id"]  # the 21st: the oldest channel is connected, so the oldest unconnected goes
    listed = [c["id"] for c in api.call("GET", f"{BASE}/channels", 200)["entities"]]
    assert listed == [first["id"]] + others[1:] + [newest]
    sub.assert_quiet()
    api.channel([])  # and the next one again takes the oldest unconnected
    listed = [c["id"] for c in api.call("GET", f"{BASE}/channels", 200)["entities"]]
    assert first["id"] in listed and others[1] not in listed


def test_subscribe_and_unsubscribe_over_the_socket(api, subscribers):
    user, other = agents(api)[:2]
    channel = api.channel([f"v2.users.{user}.presence"])
    sub = subscribers(channel["connectUri"])
    sub.send({"message": "subscribe", "topics": [f"v2.users.{other}.presence"], "correlationId": "c-1"})
    reply = sub.next()
    contracts.validate("genesys", "notification-socket-reply", reply)
    assert reply == {"correlationId": "c-1", "result": "200", "status": "subscribed"}
    api.presence(other, AWAY)
    assert sub.event()["topicName"] == f"v2.users.{other}.presence"
    sub.send({"message": "unsubscribe", "topics": [f"v2.users.{user}.presence"]})
    assert sub.next() == {"result": "200", "status": "unsubscribed"}
    api.presence(user, AWAY)
    sub.assert_quiet()
    listed = api.call("GET", f"{BASE}/channels/{channel['id']}/subscriptions", 200)
    assert [t["id"] for t in listed["entities"]] == [f"v2.users.{other}.presence"]
    sub.send({"message": "subscribe", "topics": ["v2.users.nobody.presence"]})
    refused = sub.next()
    assert (refused["result"], refused["status"]) == ("400", "failure")
    sub.ws.send(json.dumps({"message": "subscribe", "topics": "not a list"}))
    assert sub.next()["status"] == "error"
    topics = [e["data"]["topics"] for e in api.journal_events("notifications.subscriptions")]
    assert topics == [
        [f"v2.users.{user}.presence"],
        [f"v2.users.{user}.presence", f"v2.users.{other}.presence"],
        [f"v2.users.{other}.presence"],
    ]


def test_plain_http_on_the_connect_uri_is_refused_and_leaves_the_socket_open(api, subscribers):
    channel = api.channel([])
    sub = subscribers(channel["connectUri"])
    wait_socket_event(api, "opened")
    resp = requests.get(channel["connectUri"].replace("ws", "http", 1))
    assert resp.status_code == 400, resp.text
    contracts.validate("genesys", "error", resp.json())
    sub.assert_quiet()
