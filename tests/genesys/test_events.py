"""Journal events: one per state change, with the topics of the event catalogue in their wire shapes."""

from __future__ import annotations

from genesys_org import ON_QUEUE_ID


def _flow(org):
    a, b = org.user_ids[:2]
    qid = org.only_in_queue("Chat Queue 1", [a, b])
    start = org.last_seq
    org.set_presence(a)
    conv = org.create_chat(qid, {"workItemId": "0Mw5i000000AbCdCAK"})
    cid = conv["id"]
    p = org.participant_of(cid, a, "alerting")
    org.answer(cid, p["id"])
    org.disconnect(cid, p["id"])
    org.wrap_up(cid, p["id"])
    return start, a, qid, cid, p["id"]


def test_a_whole_chat_emits_one_event_per_change_in_order(org):
    start, a, qid, cid, pid = _flow(org)
    seen = [(e.type, e.data.get("change") or e.data.get("status") or e.data.get("systemPresence"))
            for e in org.events(start)]
    assert seen == [
        ("user.presence", "On Queue"),
        ("user.routingStatus", "IDLE"),
        ("conversation.changed", "created"),
        ("conversation.changed", "participant.alerting"),
        ("user.routingStatus", "INTERACTING"),
        ("conversation.changed", "participant.connected"),
        ("conversation.changed", "participant.disconnected"),
        ("conversation.wrapup", None),
        ("user.routingStatus", "IDLE"),
    ]


def test_presence_and_routing_status_topics(org):
    uid = org.user_ids[0]
    start = org.last_seq
    org.set_presence(uid, ON_QUEUE_ID)
    presence, routing = org.events(start)
    assert presence.data["previous"] == "Offline" and presence.data["presenceDefinitionId"] == ON_QUEUE_ID
    assert [t["topicName"] for t in presence.data["topics"]] == [f"v2.users.{uid}.presence", f"v2.users.{uid}.activity"]
    body = presence.data["topics"][0]["eventBody"]
    assert body["presenceDefinition"] == {"id": ON_QUEUE_ID, "systemPresence": "ON_QUEUE"}
    assert [t["topicName"] for t in routing.data["topics"]] == [f"v2.users.{uid}.routingStatus",
                                                                f"v2.users.{uid}.activity"]
    assert routing.data["topics"][0]["eventBody"]["routingStatus"]["status"] == "IDLE"
    activity = routing.data["topics"][1]["eventBody"]
    assert activity["presence"]["presenceDefinition"]["systemPresence"] == "ON_QUEUE"
    assert len(activity["activeQueueIds"]) == 6  # the chat queues, the messaging queues, the two web queues


def test_conversation_topics_cover_every_agent_on_it_and_its_queue(org):
    start, a, qid, cid, pid = _flow(org)
    created = next(e for e in org.events(start, "conversation.changed") if e.data["change"] == "created")
    assert [t["topicName"] for t in created.data["topics"]] == [f"v2.routing.queues.{qid}.conversations",
                                                                f"v2.routing.queues.{qid}.conversations.chats"]
    wrapup = org.events(start, "conversation.wrapup")[0]
    assert [t["topicName"] for t in wrapup.data["topics"]] == [
        f"v2.users.{a}.conversations", f"v2.users.{a}.conversations.chats",
        f"v2.routing.queues.{qid}.conversations", f"v2.routing.queues.{qid}.conversations.chats"]
    chats_body = wrapup.data["topics"][1]["eventBody"]
    agent = next(p for p in chats_body["participants"] if p["id"] == pid)
    assert agent["wrapup"]["code"] == wrapup.data["codeName"]  # notifications carry the code's name
    assert agent["user"] == {"id": a, "name": org.fake.org.users[a].name}
    generic = wrapup.data["topics"][0]["eventBody"]
    leg = next(p for p in generic["participants"] if p["id"] == pid)
    assert leg["userId"] == a and leg["chats"][0]["state"] == "disconnected"


def test_the_event_carries_the_rest_view_and_the_requests_correlation_id(org):
    a = org.user_ids[0]
    qid = org.only_in_queue("Chat Queue 1", [a])
    start = org.last_seq
    r = org.client.post("/api/v2/conversations/chats", json={"queueId": qid, "provider": "p"},
                        headers=org.headers | {"inin-correlation-id": "corr-1"})
    [created] = org.events(start, "conversation.changed")
    assert created.correlationId == "corr-1"
    assert created.data["conversation"] == r.json


def test_changes_caused_by_one_timer_share_a_correlation_id(org):
    a = org.user_ids[0]
    qid = org.only_in_queue("Chat Queue 1", [a])
    org.set_presence(a)
    org.create_chat(qid)
    start = org.last_seq
    org.advance(30)
    disconnected, not_responding = org.events(start)
    assert disconnected.data["change"] == "participant.disconnected"
    assert disconnected.data["disconnectType"] == "system"
    assert not_responding.data["status"] == "NOT_RESPONDING"
    assert disconnected.correlationId and disconnected.correlationId == not_responding.correlationId
    assert disconnected.correlationId not in {e.correlationId for e in org.events(0) if e.seq <= start}


def test_refused_requests_emit_nothing(org):
    start = org.last_seq
    org.put(f"/api/v2/users/{org.user_ids[0]}/routingstatus", {"status": "INTERACTING"})
    org.post("/api/v2/conversations/chats", {"provider": "x"})
    org.patch(f"/api/v2/users/{org.user_ids[0]}/presences/purecloud", "not an object")
    assert org.events(start) == []
