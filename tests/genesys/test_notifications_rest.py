"""Notification channels and subscriptions over REST (reference §6): shapes, limits, ownership and every error."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

import omni_harness.fakes.genesys
from omni_harness import contracts
from omni_harness.fakes.core import World

BASE = "/api/v2/notifications"
# The user topic families the service offers (v2.users.{id}.<family>)
USER_TOPICS = ("presence", "routingStatus", "activity", "conversations", "conversations.chats",
               "conversations.messages", "conversationsummary")
AGENTS = 150  # 150 users x 7 user topics: enough distinct valid topics to pass the 1,000-topic limit


@pytest.fixture(scope="module")
def fake():
    return omni_harness.fakes.genesys.build(World(seed=7, agents=AGENTS, queues=2))


@pytest.fixture
def client(fake):
    fake.world.reset()
    return fake.app.test_client()


def body_of(resp, schema: str | None, status: int) -> Any:
    """The response body, after checking the status and validating the body against its contract."""
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.get_data(as_text=True)}"
    if schema is None:
        assert resp.get_data() == b""
        return None
    data = resp.get_json()
    contracts.validate("genesys", schema, data)
    return data


def error_of(resp, status: int, code: str) -> dict:
    data = body_of(resp, "error", status)
    assert data["code"] == code, data
    assert data["status"] == status
    assert data["contextId"] == resp.headers["inin-correlation-id"]
    return data


def client_token(fake, client) -> dict[str, str]:
    creds = fake.world.plan.credentials
    basic = base64.b64encode(f"{creds.genesys_client_id}:{creds.genesys_client_secret}".encode()).decode()
    resp = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {"Authorization": f"Bearer {resp.get_json()['access_token']}"}


def user_token(client, user_id: str) -> dict[str, str]:
    resp = client.post("/_fake/tokens", json={"userId": user_id})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {"Authorization": f"Bearer {resp.get_json()['access_token']}"}


def user_ids(fake) -> list[str]:
    return list(fake.org.users)


def queue_ids(fake) -> list[str]:
    return list(fake.org.queues)


def new_channel(client, headers, body: Any = None, raw: str | None = None) -> dict:
    if raw is not None:
        resp = client.post(f"{BASE}/channels", data=raw, headers=headers, content_type="application/json")
    else:
        resp = client.post(f"{BASE}/channels", json=body, headers=headers)
    return body_of(resp, "notification-channel", 200)


def subs(client, method: str, channel_id: str, headers, topics: list[str] | None = None, query: str = "", raw=None):
    url = f"{BASE}/channels/{channel_id}/subscriptions{query}"
    if raw is not None:
        return client.open(url, method=method, data=raw, headers=headers, content_type="application/json")
    body = None if topics is None else [{"id": t} for t in topics]
    return client.open(url, method=method, json=body, headers=headers)


def events(fake, type_: str) -> list[dict]:
    out = [e.to_json() for e in fake.journal.since(0, kinds=["event"]) if e.type == type_]
    for e in out:
        contracts.validate("genesys", "notification-journal-event", e)
    return out


# -- channels ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body", ["null", "", "{}"])
def test_post_channel_accepts_null_absent_or_empty_body(fake, client, body):
    headers = client_token(fake, client)
    channel = new_channel(client, headers, raw=body)
    assert channel["connectUri"].endswith(f"/channels/{channel['id']}")
    assert channel["connectUri"].startswith(("ws://", "wss://"))
    created = events(fake, "notifications.channel")
    assert [e["data"]["action"] for e in created] == ["created"]
    assert created[-1]["data"]["channelId"] == channel["id"]
    assert created[-1]["data"]["owner"].startswith("client:")


def test_post_channel_with_malformed_json_is_a_bad_request(fake, client):
    headers = client_token(fake, client)
    resp = client.post(f"{BASE}/channels", data="{nope", headers=headers, content_type="application/json")
    error_of(resp, 400, "bad.request")
    assert events(fake, "notifications.channel") == []


def test_channel_expires_about_a_day_after_creation(fake, client):
    headers = client_token(fake, client)
    fake.clock.freeze()
    channel = new_channel(client, headers)
    assert channel["expires"] == fake.clock.iso(fake.clock.time() + 24 * 3600)


def test_head_channel_is_200_for_own_and_404_for_unknown_or_foreign(fake, client):
    mine = client_token(fake, client)
    agent = user_token(client, user_ids(fake)[0])
    channel = new_channel(client, mine)
    assert client.head(f"{BASE}/channels/{channel['id']}", headers=mine).status_code == 200
    assert client.head(f"{BASE}/channels/streaming-0-doesnotexist", headers=mine).status_code == 404
    assert client.head(f"{BASE}/channels/{channel['id']}", headers=agent).status_code == 404


def test_list_channels_by_token_and_by_oauth_client(fake, client):
    first = client_token(fake, client)
    second = client_token(fake, client)  # same client, another token
    a = new_channel(client, first)
    b = new_channel(client, second)
    listed = body_of(client.get(f"{BASE}/channels", headers=first), "notification-channel-listing", 200)
    assert [c["id"] for c in listed["entities"]] == [a["id"]]
    listed = body_of(
        client.get(f"{BASE}/channels?includechannels=token", headers=second), "notification-channel-listing", 200
    )
    assert [c["id"] for c in listed["entities"]] == [b["id"]]
    listed = body_of(
        client.get(f"{BASE}/channels?includechannels=oauthclient", headers=first), "notification-channel-listing", 200
    )
    # the other token's channel is shown without its id
    assert listed["entities"] == [a, {"expires": b["expires"]}]


def test_list_channels_with_unknown_includechannels_is_invalid_value(fake, client):
    resp = client.get(f"{BASE}/channels?includechannels=everything", headers=client_token(fake, client))
    error_of(resp, 400, "invalid.value")


def test_the_21st_channel_removes_the_oldest_used_unconnected_channel(fake, client):
    headers = client_token(fake, client)
    made = [new_channel(client, headers)["id"] for _ in range(20)]
    fake.clock.advance(1)
    # using the first channel makes the second the least recently used
    assert subs(client, "PUT", made[0], headers, [f"v2.users.{user_ids(fake)[0]}.presence"]).status_code == 200
    newest = new_channel(client, headers)["id"]
    listed = body_of(client.get(f"{BASE}/channels", headers=headers), "notification-channel-listing", 200)
    ids = [c["id"] for c in listed["entities"]]
    assert len(ids) == 20
    assert made[1] not in ids and made[0] in ids and newest in ids
    assert client.head(f"{BASE}/channels/{made[1]}", headers=headers).status_code == 404
    removed = [e["data"] for e in events(fake, "notifications.channel") if e["data"]["action"] == "removed"]
    assert [r["channelId"] for r in removed] == [made[1]]


def test_channels_are_counted_per_user_and_app(fake, client):
    integration = client_token(fake, client)
    agent = user_token(client, user_ids(fake)[0])
    ours = [new_channel(client, integration)["id"] for _ in range(20)]
    new_channel(client, agent)  # the agent's first channel takes nothing from the integration
    listed = body_of(client.get(f"{BASE}/channels", headers=integration), "notification-channel-listing", 200)
    assert [c["id"] for c in listed["entities"]] == ours


# -- subscriptions --------------------------------------------------------------------------------------
def test_put_get_post_delete_subscriptions(fake, client):
    headers = client_token(fake, client)
    channel = new_channel(client, headers)["id"]
    uid, other = user_ids(fake)[:2]
    qid = queue_ids(fake)[0]
    put = body_of(
        subs(client, "PUT", channel, headers, [f"v2.users.{uid}.presence", f"v2.users.{uid}.routingStatus"]),
        "notification-channel-topic-listing",
        200,
    )
    assert [t["id"] for t in put["entities"]] == [f"v2.users.{uid}.presence", f"v2.users.{uid}.routingStatus"]
    assert all(t["state"] == "Permitted" for t in put["entities"])
    assert put["entities"][0]["selfUri"] == f"/api/v2/users/{uid}"
    posted = body_of(
        subs(
            client,
            "POST",
            channel,
            headers,
            [f"v2.routing.queues.{qid}.conversations.chats", f"v2.users.{uid}.presence"],
        ),
        "notification-channel-topic-listing",
        200,
    )
    assert [t["id"] for t in posted["entities"]] == [
        f"v2.users.{uid}.presence",
        f"v2.users.{uid}.routingStatus",
        f"v2.routing.queues.{qid}.conversations.chats",
    ]
    replaced = body_of(
        subs(client, "PUT", channel, headers, [f"v2.users.{other}.conversations.chats"]),
        "notification-channel-topic-listing",
        200,
    )
    assert [t["id"] for t in replaced["entities"]] == [f"v2.users.{other}.conversations.chats"]
    got = body_of(
        client.get(f"{BASE}/channels/{channel}/subscriptions", headers=headers),
        "notification-channel-topic-listing",
        200,
    )
    assert got == replaced
    body_of(subs(client, "DELETE", channel, headers), None, 204)
    got = body_of(
        client.get(f"{BASE}/channels/{channel}/subscriptions", headers=headers),
        "notification-channel-topic-listing",
        200,
    )
    assert got == {"entities": []}
    history = [e["data"]["topics"] for e in events(fake, "notifications.subscriptions")]
    assert history == [
        [f"v2.users.{uid}.presence", f"v2.users.{uid}.routingStatus"],
        [f"v2.users.{uid}.presence", f"v2.users.{uid}.routingStatus", f"v2.routing.queues.{qid}.conversations.chats"],
        [f"v2.users.{other}.conversations.chats"],
        [],
    ]


def test_every_served_topic_family_is_subscribable(fake, client):
    headers = client_token(fake, client)
    channel = new_channel(client, headers)["id"]
    uid, qid = user_ids(fake)[0], queue_ids(fake)[0]
    wanted = [f"v2.users.{uid}.{s}" for s in USER_TOPICS]
    wanted += [
        f"v2.routing.queues.{qid}.{s}" for s in ("conversations", "conversations.chats", "conversations.messages")
    ]
    got = body_of(subs(client, "PUT", channel, headers, wanted), "notification-channel-topic-listing", 200)
    assert [t["id"] for t in got["entities"]] == wanted


def test_combined_topic_is_expanded(fake, client):
    headers = client_token(fake, client)
    channel = new_channel(client, headers)["id"]
    uid = user_ids(fake)[0]
    got = body_of(
        subs(client, "PUT", channel, headers, [f"v2.users.{uid}?presence&routingStatus"]),
        "notification-channel-topic-listing",
        200,
    )
    assert [t["id"] for t in got["entities"]] == [f"v2.users.{uid}.presence", f"v2.users.{uid}.routingStatus"]


@pytest.mark.parametrize(
    "topic",
    [
        "v2.users.{uid}.presences",  # unknown family
        "v2.users.{uid}.routingstatus",  # wrong case: the topic is routingStatus
        "v2.users.not-a-uuid.presence",
        "v2.users.00000000-0000-4000-8000-000000000000.presence",  # unknown user
        "v2.routing.queues.00000000-0000-4000-8000-000000000000.conversations",  # unknown queue
        "v2.routing.queues.{uid}.conversations",  # a user id is not a queue
        "channel.metadata",
        "v2.system.socket_closing",
        "v2.analytics.queues.{qid}.observations",
        "",
    ],
)
def test_invalid_topics_are_refused_and_change_nothing(fake, client, topic):
    headers = client_token(fake, client)
    channel = new_channel(client, headers)["id"]
    uid, qid = user_ids(fake)[0], queue_ids(fake)[0]
    good = f"v2.users.{uid}.presence"
    body_of(subs(client, "PUT", channel, headers, [good]), "notification-channel-topic-listing", 200)
    name = topic.format(uid=uid, qid=qid)
    for method in ("PUT", "POST"):
        resp = subs(client, method, channel, headers, [f"v2.users.{uid}.routingStatus", name])
        error_of(resp, 400, "bad.request" if name == "" else "notification.invalid.topic")
    got = body_of(
        client.get(f"{BASE}/channels/{channel}/subscriptions", headers=headers),
        "notification-channel-topic-listing",
        200,
    )
    assert [t["id"] for t in got["entities"]] == [good]
    assert len(events(fake, "notifications.subscriptions")) == 1


def test_ignore_errors_rejects_unknown_entities_instead_of_failing(fake, client):
    headers = client_token(fake, client)
    channel = new_channel(client, headers)["id"]
    uid = user_ids(fake)[0]
    ghost = "v2.users.00000000-0000-4000-8000-000000000000.presence"
    got = body_of(
        subs(client, "PUT", channel, headers, [f"v2.users.{uid}.presence", ghost], query="?ignoreErrors=true"),
        "notification-channel-topic-listing",
        200,
    )
    assert [(t["id"], t["state"]) for t in got["entities"]] == [
        (f"v2.users.{uid}.presence", "Permitted"),
        (ghost, "Rejected"),
    ]
    listed = body_of(
        client.get(f"{BASE}/channels/{channel}/subscriptions", headers=headers),
        "notification-channel-topic-listing",
        200,
    )
    assert [t["id"] for t in listed["entities"]] == [f"v2.users.{uid}.presence"]
    # a malformed topic is refused even so
    resp = subs(client, "PUT", channel, headers, ["v2.users.nope"], query="?ignoreErrors=true")
    error_of(resp, 400, "notification.invalid.topic")
    resp = subs(client, "PUT", channel, headers, [ghost], query="?ignoreErrors=maybe")
    error_of(resp, 400, "invalid.value")


def test_one_thousand_topics_per_channel(fake, client):
    headers = client_token(fake, client)
    channel = new_channel(client, headers)["id"]
    topics = [f"v2.users.{u}.{f}" for u in user_ids(fake) for f in USER_TOPICS]
    assert len(topics) > 1000
    got = body_of(subs(client, "PUT", channel, headers, topics[:1000]), "notification-channel-topic-listing", 200)
    assert len(got["entities"]) == 1000
    error = error_of(
        subs(client, "POST", channel, headers, [topics[1000]]), 400, "notification.subscription.too.many.subscriptions"
    )
    assert error["message"] == "Too many subscriptions"
    error_of(
        subs(client, "PUT", channel, headers, topics[:1001]), 400, "notification.subscription.too.many.subscriptions"
    )
    # re-adding topics it already has does not count twice
    body_of(subs(client, "POST", channel, headers, topics[:10]), "notification-channel-topic-listing", 200)
    listed = body_of(
        client.get(f"{BASE}/channels/{channel}/subscriptions", headers=headers),
        "notification-channel-topic-listing",
        200,
    )
    assert [t["id"] for t in listed["entities"]] == topics[:1000]


@pytest.mark.parametrize(
    "raw, code",
    [
        ("[{", "bad.request"),  # malformed JSON
        ('{"id": "v2.users.x.presence"}', "bad.request"),  # not an array
        ("[1]", "bad.request"),  # not an object
        ('[{"name": "x"}]', "bad.request"),  # missing id
        ('[{"id": 5}]', "bad.request"),  # wrong type
        ("null", "bad.request"),
        ("", "bad.request"),  # no body
    ],
)
def test_malformed_subscription_bodies(fake, client, raw, code):
    headers = client_token(fake, client)
    channel = new_channel(client, headers)["id"]
    for method in ("PUT", "POST"):
        error_of(subs(client, method, channel, headers, raw=raw), 400, code)
    assert events(fake, "notifications.subscriptions") == []


def test_subscriptions_of_unknown_channel_are_not_found(fake, client):
    headers = client_token(fake, client)
    uid = user_ids(fake)[0]
    for method in ("GET", "PUT", "POST", "DELETE"):
        topics = None if method in ("GET", "DELETE") else [f"v2.users.{uid}.presence"]
        error_of(subs(client, method, "streaming-0-doesnotexist", headers, topics), 404, "not.found")


def test_another_owners_channel_is_not_authorized(fake, client):
    integration = client_token(fake, client)
    uid = user_ids(fake)[0]
    agent = user_token(client, uid)
    channel = new_channel(client, agent)["id"]
    for method in ("GET", "PUT", "POST", "DELETE"):
        topics = None if method in ("GET", "DELETE") else [f"v2.users.{uid}.presence"]
        error_of(subs(client, method, channel, integration, topics), 403, "not.authorized")
    # the same user through another token of the same app owns it
    again = user_token(client, uid)
    body_of(
        client.get(f"{BASE}/channels/{channel}/subscriptions", headers=again), "notification-channel-topic-listing", 200
    )


@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/channels"),
        ("GET", "/channels"),
        ("HEAD", "/channels/x"),
        ("GET", "/channels/x/subscriptions"),
        ("PUT", "/channels/x/subscriptions"),
        ("POST", "/channels/x/subscriptions"),
        ("DELETE", "/channels/x/subscriptions"),
        ("GET", "/availabletopics"),
    ],
)
@pytest.mark.parametrize(
    "auth, code",
    [(None, "authentication.required"), ("Bearer nope", "bad.credentials"), ("Basic abc", "authentication.required")],
)
def test_every_route_needs_a_valid_token(fake, client, method, path, auth, code):
    headers = {"Authorization": auth} if auth else {}
    resp = client.open(f"{BASE}{path}", method=method, headers=headers, json=[] if method in ("PUT", "POST") else None)
    if method == "HEAD":
        assert resp.status_code == 401
    else:
        error_of(resp, 401, code)


def test_expired_token_is_refused(fake, client):
    headers = client_token(fake, client)
    channel = new_channel(client, headers)["id"]
    assert client.post("/_fake/faults", json={"action": "expire_tokens"}).status_code == 201
    error_of(client.get(f"{BASE}/channels/{channel}/subscriptions", headers=headers), 401, "bad.credentials")


def test_wrong_methods_are_platform_errors(fake, client):
    headers = client_token(fake, client)
    channel = new_channel(client, headers)["id"]
    error_of(
        client.patch(f"{BASE}/channels/{channel}/subscriptions", headers=headers, json=[]), 405, "method.not.allowed"
    )
    error_of(client.delete(f"{BASE}/channels/{channel}", headers=headers), 405, "method.not.allowed")
    error_of(client.get(f"{BASE}/nothing-here", headers=headers), 404, "not.found")


def test_available_topics(fake, client):
    headers = client_token(fake, client)
    got = body_of(client.get(f"{BASE}/availabletopics", headers=headers), "notification-available-topic-listing", 200)
    ids = [t["id"] for t in got["entities"]]
    assert "v2.users.{id}.conversations.chats" in ids and "v2.routing.queues.{id}.conversations" in ids
    assert "v2.users.{id}.routingStatus" in ids
    full = body_of(
        client.get(f"{BASE}/availabletopics?expand=schema,transports&includePreview=true", headers=headers),
        "notification-available-topic-listing",
        200,
    )
    assert all("schema" in t and t["transports"] == ["All"] for t in full["entities"])
    error_of(client.get(f"{BASE}/availabletopics?expand=everything", headers=headers), 400, "invalid.value")
    error_of(client.get(f"{BASE}/availabletopics?includePreview=yes", headers=headers), 400, "invalid.value")


def test_state_dump_lists_channels(fake, client):
    headers = client_token(fake, client)
    channel = new_channel(client, headers)["id"]
    uid = user_ids(fake)[0]
    subs(client, "PUT", channel, headers, [f"v2.users.{uid}.presence"])
    state = client.get("/_fake/state").get_json()["org"]["notifications"]
    assert [(c["id"], c["topics"], c["connected"]) for c in state["channels"]] == [
        (channel, [f"v2.users.{uid}.presence"], False)
    ]
    json.dumps(state)
