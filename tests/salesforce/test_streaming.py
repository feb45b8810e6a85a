"""Streaming API protocol: CometD long-polling handshake, connect, subscribe with replay, disconnect and errors."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import websocket
from cometd_client import VERSION, Bayeux, streaming_org

from omni_harness import contracts
from omni_harness.fakes.core import World, serve_app


@pytest.fixture(scope="module")
def org():
    with streaming_org(seed=11) as served:
        yield served


@pytest.fixture
def env(org):
    world, fake, http = org
    world.reset()
    fake.streaming.config.hold_seconds = 0.2
    creds = world.plan.credentials
    token = http.post("/services/oauth2/token", data={
        "grant_type": "password", "client_id": creds.salesforce_client_id,
        "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
        "password": creds.salesforce_password}).get_json()["access_token"]
    return world, fake, http, token


def open_chat(world: World, http: Any) -> dict[str, str]:
    response = http.post("/_fake/customers/chats", json={
        "queue": world.plan.queue_pairs[0].salesforce_developer_name, "customerName": "Ann", "text": "Hello"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def client_events(world: World, action: str | None = None) -> list[dict[str, Any]]:
    """The `streaming.client` journal events, each checked against its contract."""
    found = [e.data for e in world.journal.since(0) if e.type == "streaming.client"]
    for data in found:
        contracts.validate("salesforce", "cometd-client-event", data)
    return [d for d in found if action is None or d["action"] == action]


# -- handshake -------------------------------------------------------------------------------------------

def test_handshake_offers_long_polling_only_and_the_replay_extension(env):
    world, fake, http, token = env
    bayeux = Bayeux(http, token)
    reply = bayeux.handshake()
    assert reply["successful"] is True and reply["id"] == "1"
    assert reply["supportedConnectionTypes"] == ["long-polling"]
    assert reply["ext"] == {"replay": True, "payload.format": True}
    assert reply["version"] == "1.0" and reply["minimumVersion"] == "1.0"
    assert client_events(world) == [{"clientId": reply["clientId"], "userId": fake.integration_user_id,
                                     "action": "handshake"}]


def test_handshake_accepts_the_oauth_scheme(env):
    _, _, http, token = env
    assert Bayeux(http, token, scheme="OAuth").handshake()["successful"] is True


@pytest.mark.parametrize("token, reason", [(None, "401::Request requires authentication"),
                                           ("00Dbogus!token", "401::Authentication invalid")])
def test_handshake_without_a_valid_session_is_denied(env, token, reason):
    world, _, http, _ = env
    reply = Bayeux(http, token).handshake()
    assert reply["successful"] is False
    assert reply["error"] == "403::Handshake denied"
    assert reply["ext"]["sfdc"] == {"failureReason": reason}
    assert reply["advice"] == {"reconnect": "none"}
    assert client_events(world) == []


@pytest.mark.parametrize("version", ["36.0", "45.0", "62.0", "67.0"])
def test_every_api_version_from_36_to_67_is_served(env, version):
    _, _, http, token = env
    assert Bayeux(http, token, version=version).handshake()["successful"] is True


@pytest.mark.parametrize("version", ["35.0", "68.0", "latest"])
def test_an_unsupported_version_is_refused_with_the_platform_text(env, version):
    _, _, http, token = env
    [reply] = Bayeux(http, token, version=version).post(
        {"channel": "/meta/handshake", "version": "1.0", "supportedConnectionTypes": ["long-polling"]}, status=400)
    assert reply["error"] == ("400::Unsupported API version. Only API versions '36.0' and later are supported. "
                              "URI format: '/cometd/67.0'")


def test_a_missing_version_is_refused(env):
    _, _, http, token = env
    response = http.post("/cometd", json=[{"channel": "/meta/handshake", "id": "1"}],
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.get_json() == [{"channel": "/meta/handshake", "id": "1", "successful": False,
                                    "error": "400::API version in the URI is mandatory. URI format: '/cometd/67.0'"}]


# -- connect ---------------------------------------------------------------------------------------------

def test_first_connect_answers_at_once_with_advice_later_ones_hold_and_answer_bare(env):
    _, fake, http, token = env
    fake.streaming.config.hold_seconds = 1.0
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    started = time.monotonic()
    first, events = bayeux.connect()
    assert time.monotonic() - started < 0.9
    assert first == {"channel": "/meta/connect", "id": "2", "clientId": bayeux.client_id, "successful": True,
                     "advice": {"interval": 0, "timeout": 1000, "reconnect": "retry"}}
    assert events == []
    started = time.monotonic()
    second, events = bayeux.connect()
    held = time.monotonic() - started
    assert 1.0 <= held < 6.0, f"held {held:.2f} s, the hold is 1 s"
    assert second == {"channel": "/meta/connect", "id": "3", "clientId": bayeux.client_id, "successful": True}


def test_a_held_connect_returns_as_soon_as_an_event_is_queued(env):
    world, fake, http, token = env
    fake.streaming.config.hold_seconds = 20.0
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    bayeux.connect()
    bayeux.subscribe("/data/PendingServiceRoutingChangeEvent")
    result: dict[str, Any] = {}

    def poll() -> None:
        started = time.monotonic()
        result["answer"] = bayeux.connect()
        result["held"] = time.monotonic() - started

    poller = threading.Thread(target=poll)
    poller.start()
    assert fake.streaming.wait_for_poll(bayeux.client_id, 5), "the connect never reached the server"
    chat = open_chat(world, http)
    poller.join(timeout=10)
    assert not poller.is_alive()
    reply, events = result["answer"]
    assert result["held"] < 5
    assert reply["successful"] is True
    assert [e["data"]["payload"]["ChangeEventHeader"]["recordIds"] for e in events] == [
        [chat["pendingServiceRoutingId"]]]


def test_connect_of_an_unknown_client_advises_a_new_handshake(env):
    _, _, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.client_id = "nosuchclient"
    reply, _ = bayeux.connect()
    assert reply == {"channel": "/meta/connect", "id": "1", "successful": False, "error": "403::Unknown client",
                     "advice": {"interval": 0, "reconnect": "handshake"}}


def test_connect_with_another_transport_is_refused(env):
    _, _, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    [reply] = bayeux.post({"channel": "/meta/connect", "clientId": bayeux.client_id, "connectionType": "websocket"})
    assert reply["successful"] is False and reply["error"] == "400::Invalid connection type {websocket}"


def test_an_expired_session_gets_authentication_invalid_with_reconnect_none(env):
    _, fake, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    bayeux.connect()
    assert http.post("/_fake/faults", json={"action": "expire_tokens"}).status_code == 201
    reply, _ = bayeux.connect()
    assert reply["successful"] is False
    assert reply["error"] == "401::Authentication invalid"
    assert reply["advice"] == {"reconnect": "none", "interval": 0}
    assert reply["clientId"] == bayeux.client_id


def test_a_session_of_another_user_cannot_use_the_client(env):
    world, fake, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    agent = fake.user_id_for(world.plan.people[0].email)
    other = http.post("/_fake/tokens", json={"userId": agent}).get_json()["access_token"]
    intruder = Bayeux(http, other)
    intruder.client_id = bayeux.client_id
    reply, _ = intruder.connect()
    assert reply["error"] == "400::Authenticated user id does not match the session's user id"
    assert reply["advice"] == {"reconnect": "none"}


# -- subscribe / unsubscribe / disconnect --------------------------------------------------------------------

@pytest.mark.parametrize("subscription, error", [
    (None, "400::Channel name not specified"),
    ("", "400::Channel name not specified"),
    (5, "400::Channel name not specified"),
    ("data/ChangeEvents", "400::Channel subscriptions must start with a leading '/'"),
    ("/data/AccountChangeEvent",
     "400::The channel you requested to subscribe to does not exist {/data/AccountChangeEvent}"),
    ("/topic/NoSuchTopic", "400::The channel you requested to subscribe to does not exist {/topic/NoSuchTopic}"),
    ("/event/Thing__e", "400::The channel you requested to subscribe to does not exist {/event/Thing__e}"),
])
def test_subscribe_refusals_use_the_platform_texts(env, subscription, error):
    world, _, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    message: dict[str, Any] = {"channel": "/meta/subscribe", "clientId": bayeux.client_id}
    if subscription is not None:
        message["subscription"] = subscription
    [reply] = bayeux.post(message)
    assert reply["successful"] is False and reply["error"] == error
    assert client_events(world, "subscribe") == []


@pytest.mark.parametrize("replay", [82, 0, -3, "abc", True])
def test_subscribe_with_an_unknown_replay_id_is_refused(env, replay):
    _, _, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    reply = bayeux.subscribe("/data/ChangeEvents", replay)
    assert reply["successful"] is False
    assert reply["error"] == (f"400::The replayId {{{replay}}} you provided was invalid.  Please provide a valid ID, "
                              "-2 to replay all events, or -1 to replay only new events.")


def test_subscribe_and_unsubscribe_are_journaled_and_stop_delivery(env):
    world, fake, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    reply = bayeux.subscribe("/data/ChangeEvents")
    assert reply == {"channel": "/meta/subscribe", "id": "2", "clientId": bayeux.client_id,
                     "subscription": "/data/ChangeEvents", "successful": True}
    open_chat(world, http)
    _, events = bayeux.connect()
    assert {e["data"]["payload"]["ChangeEventHeader"]["entityName"] for e in events} == {
        "LiveChatTranscript", "PendingServiceRouting"}
    [reply] = bayeux.post({"channel": "/meta/unsubscribe", "clientId": bayeux.client_id,
                           "subscription": "/data/ChangeEvents"})
    assert reply["successful"] is True and reply["subscription"] == "/data/ChangeEvents"
    open_chat(world, http)
    _, events = bayeux.connect()
    assert events == []
    assert [(e["action"], e.get("subscription"), e.get("replayId")) for e in client_events(world)] == [
        ("handshake", None, None), ("subscribe", "/data/ChangeEvents", -1), ("unsubscribe", "/data/ChangeEvents", None)]


def test_disconnect_forgets_the_client(env):
    world, _, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    [reply] = bayeux.post({"channel": "/meta/disconnect", "clientId": bayeux.client_id})
    assert reply == {"channel": "/meta/disconnect", "id": "2", "clientId": bayeux.client_id, "successful": True}
    reply, _ = bayeux.connect()
    assert reply["error"] == "403::Unknown client"
    assert [e["action"] for e in client_events(world)] == ["handshake", "disconnect"]


def test_a_subscribe_batched_with_connect_is_applied_before_the_connect_answers(env):
    world, _, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    open_chat(world, http)
    out = bayeux.post({"channel": "/meta/connect", "clientId": bayeux.client_id, "connectionType": "long-polling"},
                      {"channel": "/meta/subscribe", "clientId": bayeux.client_id, "subscription": "/data/ChangeEvents",
                       "ext": {"replay": {"/data/ChangeEvents": -2}}})
    assert [m.get("channel") for m in out] == ["/data/ChangeEvents", "/data/ChangeEvents", "/meta/connect",
                                               "/meta/subscribe"]


def test_publishing_is_not_offered(env):
    _, _, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    [reply] = bayeux.post({"channel": "/data/ChangeEvents", "clientId": bayeux.client_id, "data": {"x": 1}})
    assert reply["successful"] is False and reply["error"].startswith("403:")


# -- transport -------------------------------------------------------------------------------------------

def test_a_websocket_upgrade_is_refused_and_long_polling_keeps_working(org):
    world, fake, _ = org
    world.reset()
    server = serve_app(fake.listeners()["api"])
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(server.url.replace("http", "ws", 1) + f"/cometd/{VERSION}", timeout=5)
        assert refused.value.status_code == 400
        assert b"Invalid connection type {websocket}" in refused.value.resp_body
        http = fake.listeners()["api"].test_client()
        token = fake.sessions.issue(fake.integration_user_id, "oauth").token
        assert Bayeux(http, token).handshake()["successful"] is True
    finally:
        server.stop()


@pytest.mark.parametrize("body", [b"not json", b"", b"[]", b"42", b"[1, 2]", b'{"channel": 5}'])
def test_malformed_bodies_get_a_bayeux_error_never_a_500(env, body):
    _, _, http, token = env
    response = http.post(f"/cometd/{VERSION}", data=body, content_type="application/json",
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 400)
    replies = response.get_json()
    contracts.validate("salesforce", "cometd-response", replies)
    assert replies and all(r["successful"] is False for r in replies)


def test_an_oversized_body_is_refused_with_413(env):
    _, _, http, token = env
    response = http.post(f"/cometd/{VERSION}", data=b"[" + b" " * 40_000 + b"]", content_type="application/json",
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413
    assert response.get_json()[0]["error"] == "413::Maximum Request Size Exceeded"


def test_cometd_js_style_urls_with_the_message_type_appended_are_served(env):
    _, _, http, token = env
    response = http.post(f"/cometd/{VERSION}/handshake", headers={"Authorization": f"Bearer {token}"},
                         json=[{"channel": "/meta/handshake", "version": "1.0", "id": "1",
                                "supportedConnectionTypes": ["long-polling"]}])
    assert response.status_code == 200 and response.get_json()[0]["successful"] is True


def test_the_control_api_lists_and_drops_clients(env):
    world, fake, http, token = env
    bayeux = Bayeux(http, token)
    bayeux.handshake()
    bayeux.subscribe("/data/AgentWorkChangeEvent")
    state = http.get("/_fake/streaming").get_json()
    [client] = state["clients"]
    assert client["clientId"] == bayeux.client_id
    assert client["subscriptions"] == {"/data/AgentWorkChangeEvent": -1}
    assert http.post("/_fake/streaming/drop", json={"channel": "/data/ChangeEvents"}).get_json() == {"dropped": []}
    assert http.post("/_fake/streaming/drop", json={"userId": 5}).status_code == 400
    dropped = http.post("/_fake/streaming/drop", json={"clientId": bayeux.client_id}).get_json()
    assert dropped == {"dropped": [bayeux.client_id]}
    reply, _ = bayeux.connect()
    assert reply["error"] == "403::Unknown client"
    assert client_events(world, "expired") == [{"clientId": bayeux.client_id, "userId": fake.integration_user_id,
                                                "action": "expired", "reason": "dropped"}]
