"""Transfers: refused for externally routed interactions with an agent's own token; with the integration's client
token to a user or a queue, Unattended (sender leg ends at once) or Attended (sender stays until the receiver connects)."""

from __future__ import annotations

import pytest

WORK_ITEM = "0Mw5i000000AbCdCAK"


@pytest.fixture
def chat(org):
    """Agent a holds an externally routed chat in a leased queue with agents a, b; c is in another queue."""
    users = org.user_ids[:3]
    qid = org.only_in_queue("Chat Queue 1", users[:2])
    org.only_in_queue("Chat Queue 2", [users[2]])
    org.set_presence(users[0])
    conv = org.create_chat(qid, {"workItemId": WORK_ITEM})
    p = org.participant_of(conv["id"], users[0], "alerting")
    org.answer(conv["id"], p["id"])
    return conv["id"], p["id"], users


def _replace(org, cid, pid, body, headers=None, path="replace"):
    return org.client.post(f"/api/v2/conversations/chats/{cid}/participants/{pid}/{path}", json=body,
                           headers=headers or org.headers)


def test_agent_token_cannot_transfer_an_externally_routed_chat(org, chat):
    cid, pid, (a, b, _) = chat
    before_state = org.chat(cid)
    before = org.last_seq
    r = _replace(org, cid, pid, {"userId": b}, headers=org.user_headers(a))
    assert r.status_code == 403 and r.json["code"] == "conversation.error.transfer.not.allowed"
    assert r.json["contextId"] == r.headers["inin-correlation-id"]
    assert org.events(before) == []
    assert org.chat(cid) == before_state
    for path, body in (("replace/agent", {"userId": b}), ("replace/queue", {"queueId": org.queue_id("Chat Queue 2")}),
                       ("transfer", {"address": b})):
        r = org.client.post(f"/api/v2/conversations/{cid}/participants/{pid}/{path}", json=body,
                            headers=org.user_headers(a))
        assert r.status_code == 403, path
    assert org.events(before) == []


def test_the_refusal_is_configurable(org, chat):
    from omni_harness.fakes.genesys.config import ErrorSpec

    cid, pid, (a, b, _) = chat
    org.fake.config.external_transfer_error = ErrorSpec(400, "bad.request", "Transfer it in Salesforce.")
    r = _replace(org, cid, pid, {"userId": b}, headers=org.user_headers(a))
    assert r.status_code == 400 and r.json["message"] == "Transfer it in Salesforce."


def test_agent_token_may_transfer_a_plain_web_chat(org):
    a, b = org.user_ids[:2]
    qid = org.only_in_queue("Web Chat Queue", [a, b])
    org.set_presence(a)
    cid = org.create_chat(qid)["id"]
    p = org.participant_of(cid, a, "alerting")
    org.answer(cid, p["id"])
    r = _replace(org, cid, p["id"], {"userId": b}, headers=org.user_headers(a))
    assert r.status_code == 202
    assert org.alerting_user(cid) == b


def test_unattended_transfer_to_a_user(org, chat):
    cid, pid, (a, b, _) = chat
    before = org.last_seq
    r = _replace(org, cid, pid, {"userId": b})
    assert r.status_code == 202 and r.data == b""
    sender = org.participant_of(cid, a)
    assert sender["state"] == "disconnected" and sender["disconnectType"] == "transfer"
    assert org.routing_status(a) == "INTERACTING"  # wrap-up is owed
    receiver = org.participant_of(cid, b, "alerting")
    assert receiver["attributes"]["workItemId"] == WORK_ITEM
    changes = [e.data["change"] for e in org.events(before, "conversation.changed")]
    assert changes == ["transferred"]
    transfers = org.chat(cid)["recentTransfers"]
    assert transfers[-1]["transferType"] == "Unattended" and transfers[-1]["destination"] == {"userId": b}
    org.answer(cid, receiver["id"])
    assert org.participant_of(cid, b)["state"] == "connected"
    org.wrap_up(cid, pid)
    assert org.routing_status(a) == "IDLE"


def test_unanswered_unattended_transfer_goes_back_to_the_queue(org, chat):
    cid, pid, (a, b, _) = chat
    _replace(org, cid, pid, {"userId": b})
    org.advance(30)
    purposes = [(p["purpose"], p["state"]) for p in org.chat(cid)["participants"]]
    assert ("acd", "connected") in purposes
    org.wrap_up(cid, pid)
    assert org.alerting_user(cid) == a  # a is the only IDLE member


def test_unattended_transfer_to_a_queue(org, chat):
    cid, pid, (a, b, c) = chat
    q2 = org.queue_id("Chat Queue 2")
    org.set_presence(c)
    r = org.client.post(f"/api/v2/conversations/{cid}/participants/{pid}/replace/queue", json={"queueId": q2},
                        headers=org.headers)
    assert r.status_code == 202
    assert org.participant_of(cid, a)["disconnectType"] == "transfer"
    receiver = org.participant_of(cid, c, "alerting")
    assert receiver["queue"]["id"] == q2
    events = org.events(type="conversation.changed")
    assert events[-1].data["change"] == "participant.alerting" and events[-1].data["queueId"] == q2
    assert events[-2].data["change"] == "transferred"
    q1 = org.queue_id("Chat Queue 1")
    assert {f"v2.routing.queues.{q}.conversations.chats" for q in (q1, q2)} <= \
        {t["topicName"] for t in events[-2].data["topics"]}  # the queue it left hears of it too


def test_attended_transfer_keeps_the_sender_until_the_receiver_connects(org, chat):
    cid, pid, (a, b, _) = chat
    org.set_presence(b)
    r = org.client.post(f"/api/v2/conversations/{cid}/participants/{pid}/replace/agent",
                        json={"userId": b, "transferType": "Attended"}, headers=org.headers)
    assert r.status_code == 202
    assert org.participant_of(cid, a)["state"] == "connected"
    receiver = org.participant_of(cid, b, "alerting")
    assert org.chat(cid)["recentTransfers"][-1]["state"] == "Active"
    org.answer(cid, receiver["id"])
    sender = org.participant_of(cid, a)
    assert sender["state"] == "disconnected" and sender["disconnectType"] == "transfer"
    assert org.chat(cid)["recentTransfers"][-1]["state"] == "Complete"
    assert org.routing_status(a) == "INTERACTING" and org.routing_status(b) == "INTERACTING"


@pytest.mark.parametrize("how", ["decline", "timeout"])
def test_attended_transfer_declined_or_timed_out_stays_with_the_sender(org, chat, how):
    cid, pid, (a, b, _) = chat
    org.set_presence(b)
    r = org.client.post(f"/api/v2/conversations/{cid}/participants/{pid}/transfer",
                        json={"address": b, "transferType": "Attended"}, headers=org.headers)
    assert r.status_code == 202
    receiver = org.participant_of(cid, b, "alerting")
    if how == "decline":
        org.disconnect(cid, receiver["id"])
    else:
        org.advance(30)
    assert org.participant_of(cid, a)["state"] == "connected"
    assert org.agents(cid, "alerting") == []
    assert org.chat(cid)["recentTransfers"][-1]["state"] == ("Failed" if how == "decline" else "Timeout")
    assert org.routing_status(b) == "NOT_RESPONDING"


def test_attended_transfer_to_a_queue_declined_restores_the_queue(org, chat):
    cid, pid, (a, b, c) = chat
    q1, q2 = org.queue_id("Chat Queue 1"), org.queue_id("Chat Queue 2")
    org.set_presence(c)
    r = _replace(org, cid, pid, {"queueId": q2, "transferType": "Attended"})
    assert r.status_code == 202
    receiver = org.participant_of(cid, c, "alerting")
    org.disconnect(cid, receiver["id"])
    assert org.participant_of(cid, a)["state"] == "connected"
    assert org.fake.conversations.by_id[cid].queue_id == q1
    assert not any(p["purpose"] == "acd" and p["state"] == "connected" for p in org.chat(cid)["participants"])


def test_transfer_errors(org, chat):
    cid, pid, (a, b, _) = chat
    missing = "00000000-0000-4000-8000-000000000000"
    r = _replace(org, cid, pid, {"queueId": missing})
    assert r.status_code == 400 and r.json["code"] == "conversations.error.queue.not.found"
    r = _replace(org, cid, pid, {"userId": missing})
    assert r.status_code == 400
    r = _replace(org, cid, pid, {})
    assert r.status_code == 400
    r = _replace(org, cid, pid, {"userId": a})
    assert r.status_code == 400
    r = _replace(org, cid, pid, {"userId": b, "transferType": "Blind"})
    assert r.status_code == 400 and r.json["code"] == "invalid.value"
    customer = org.chat(cid)["participants"][0]["id"]
    r = _replace(org, cid, customer, {"userId": b})
    assert r.status_code == 400 and r.json["code"] == "conversations.error.transfer.not.connected"
    assert org.participant_of(cid, a)["state"] == "connected"
