"""Chat conversations: creation, participants and their states, listing, generic view, wrap-up rules."""

from __future__ import annotations

import pytest

WORK_ITEM = "0Mw5i000000AbCdCAK"


@pytest.fixture
def lease(org):
    users = org.user_ids[:2]
    qid = org.only_in_queue("Chat Queue 1", users)
    org.set_presence(users[0])
    return qid, users


def _connected_chat(org, qid, uid, attributes=None):
    conv = org.create_chat(qid, attributes)
    p = org.participant_of(conv["id"], uid, "alerting")
    org.answer(conv["id"], p["id"])
    return conv["id"], p["id"]


def test_create_puts_attributes_on_the_customer_and_routes(org, lease):
    qid, (a, _) = lease
    conv = org.create_chat(qid, {"workItemId": WORK_ITEM, "context.firstName": "Pat"})
    customer, acd, agent = conv["participants"]
    assert customer["purpose"] == "customer" and customer["state"] == "connected"
    assert customer["attributes"] == {"workItemId": WORK_ITEM, "context.firstName": "Pat"}
    assert customer["provider"] == "PureCloud Webchat v2" and customer["name"] == "Pat Customer"
    assert acd["purpose"] == "acd" and acd["state"] == "connected" and acd["queue"]["id"] == qid
    assert agent["purpose"] == "agent" and agent["state"] == "alerting" and agent["user"]["id"] == a
    assert agent["wrapupRequired"] is True and agent["wrapupPrompt"] == "mandatory"
    assert agent["alertingTimeoutMs"] == 30000 and agent["attributes"] == {}
    assert conv["selfUri"] == f"/api/v2/conversations/chats/{conv['id']}"


def test_create_errors_use_the_chat_codes(org):
    r = org.post("/api/v2/conversations/chats", {"provider": "x"})
    assert r.status_code == 400 and r.json["code"] == "chat.error.notnull.createconversationrequest.queueid"
    r = org.post("/api/v2/conversations/chats", {"queueId": org.queue_id()})
    assert r.status_code == 400 and r.json["code"] == "chat.error.notnull.createconversationrequest.provider"
    r = org.post("/api/v2/conversations/chats", {"queueId": "00000000-0000-4000-8000-000000000000", "provider": "x"})
    assert r.status_code == 400 and r.json["code"] == "chat.error.queue.not.found"
    r = org.post("/api/v2/conversations/chats", {"queueId": org.queue_id(), "provider": "x", "attributes": {"a": 1}})
    assert r.status_code == 400 and r.json["code"] == "bad.request"


def test_answer_connects_the_agent_and_ends_the_acd_leg(org, lease):
    qid, (a, _) = lease
    cid, pid = _connected_chat(org, qid, a)
    parts = {p["purpose"]: p for p in org.chat(cid)["participants"]}
    assert parts["agent"]["state"] == "connected" and "connectedTime" in parts["agent"]
    assert parts["acd"]["state"] == "disconnected" and parts["acd"]["disconnectType"] == "transfer"
    # answering again changes nothing
    before = org.last_seq
    org.answer(cid, pid)
    assert org.events(before) == []


def test_list_chats_needs_a_user_token_and_shows_the_users_chats(org, lease):
    qid, (a, b) = lease
    cid, pid = _connected_chat(org, qid, a)
    mine = org.get("/api/v2/conversations/chats", headers=org.user_headers(a)).json
    assert [c["id"] for c in mine["entities"]] == [cid] and mine["total"] == 1
    theirs = org.get("/api/v2/conversations/chats", headers=org.user_headers(b)).json
    assert theirs["entities"] == []
    r = org.get("/api/v2/conversations/chats")
    assert r.status_code == 400 and r.json["code"] == "not.a.user"
    generic = org.get("/api/v2/conversations?communicationType=chat", headers=org.user_headers(a)).json
    assert [c["id"] for c in generic["entities"]] == [cid]


def test_generic_conversation_carries_chat_communications(org, lease):
    qid, (a, _) = lease
    cid, pid = _connected_chat(org, qid, a)
    conv = org.get(f"/api/v2/conversations/{cid}").json
    agent = next(p for p in conv["participants"] if p["id"] == pid)
    assert agent["userId"] == a and agent["queueId"] == qid and agent["purpose"] == "agent"
    [chat] = agent["chats"]
    assert chat["state"] == "connected" and chat["id"] and chat["provider"] == "PureCloud Webchat v2"
    assert conv["state"] == "connected"


def test_unknown_ids_are_not_found(org, lease):
    qid, (a, _) = lease
    cid, pid = _connected_chat(org, qid, a)
    missing = "00000000-0000-4000-8000-000000000000"
    r = org.get(f"/api/v2/conversations/chats/{missing}")
    assert r.status_code == 404 and r.json["code"] == "conversation.error.conversation.not.found"
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{missing}", {"state": "connected"})
    assert r.status_code == 404
    r = org.get(f"/api/v2/conversations/messages/{cid}")  # a chat is not a message conversation
    assert r.status_code == 404


def test_disconnect_and_wrapup_with_allowed_codes(org, lease):
    qid, (a, _) = lease
    cid, pid = _connected_chat(org, qid, a)
    org.disconnect(cid, pid)
    leg = org.participant_of(cid, a)
    assert leg["state"] == "disconnected" and leg["disconnectType"] == "client" and "startAcwTime" in leg
    customer = next(p for p in org.chat(cid)["participants"] if p["purpose"] == "customer")
    assert customer["state"] == "disconnected" and customer["disconnectType"] == "peer"
    codes = org.wrapup_codes(cid, pid)
    assert [c["name"] for c in codes] == ["Resolved", "Escalated", "Follow-up Required", "Customer Abandoned"]
    assert org.get(f"/api/v2/conversations/chats/{cid}/participants/{pid}/wrapup").json == {}
    org.wrap_up(cid, pid, codes[1]["id"])
    wrapup = org.get(f"/api/v2/conversations/chats/{cid}/participants/{pid}/wrapup").json
    assert wrapup["code"] == codes[1]["id"] and wrapup["notes"] == "done"
    assert org.participant_of(cid, a)["wrapup"]["name"] == "Escalated"
    assert org.routing_status(a) == "IDLE"


def test_wrapup_code_outside_the_queue_list_is_refused_and_changes_nothing(org, lease):
    qid, (a, _) = lease
    cid, pid = _connected_chat(org, qid, a)
    org.disconnect(cid, pid)
    foreign = next(c for c in org.get("/api/v2/routing/wrapupcodes").json["entities"] if c["name"] == "Sales Lead")
    before = org.last_seq
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{pid}", {"wrapup": {"code": foreign["id"]}})
    assert r.status_code == 400 and r.json["code"] == "conversation.error.wrapup.code.invalid"
    assert org.events(before) == [] and org.routing_status(a) == "INTERACTING"
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{pid}", {"wrapup": {"notes": "no code"}})
    assert r.status_code == 400 and r.json["code"] == "conversation.error.wrapup.code.required"
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{pid}", {"wrapupSkipped": True})
    assert r.status_code == 400 and r.json["code"] == "conversation.error.wrapup.cannot.skip"


def test_the_refused_code_error_is_configurable(org, lease):
    from omni_harness.fakes.genesys.config import ErrorSpec

    org.fake.config.wrapup_code_not_allowed_error = ErrorSpec(403, "not.authorized", "nope")
    qid, (a, _) = lease
    cid, pid = _connected_chat(org, qid, a)
    org.disconnect(cid, pid)
    foreign = next(c for c in org.get("/api/v2/routing/wrapupcodes").json["entities"] if c["name"] == "Sales Lead")
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{pid}", {"wrapup": {"code": foreign["id"]}})
    assert r.status_code == 403 and r.json["code"] == "not.authorized"


def test_wrapup_through_the_communication(org, lease):
    qid, (a, _) = lease
    cid, pid = _connected_chat(org, qid, a)
    comm = org.communication_id(cid, pid)
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{pid}/communications/{comm}", {"state": "connected"})
    assert r.status_code == 400 and r.json["code"] == "communication.state.required"
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{pid}/communications/{comm}",
                  {"state": "disconnected"})
    assert r.status_code == 202
    code = org.wrapup_codes(cid, pid)[0]["id"]
    r = org.post(f"/api/v2/conversations/chats/{cid}/participants/{pid}/communications/{comm}/wrapup",
                 {"code": code, "notes": "via comm"})
    assert r.status_code == 202 and r.data == b""
    assert org.get(f"/api/v2/conversations/chats/{cid}/participants/{pid}/communications/{comm}/wrapup").json["code"] == code
    r = org.post(f"/api/v2/conversations/chats/{cid}/participants/{pid}/communications/nope/wrapup", {"code": code})
    assert r.status_code == 404


def test_wrapup_of_an_alerting_leg_is_refused(org, lease):
    qid, (a, _) = lease
    cid = org.create_chat(qid)["id"]
    p = org.participant_of(cid, a, "alerting")
    code = org.wrapup_codes(cid, p["id"])[0]["id"]
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{p['id']}", {"wrapup": {"code": code}})
    assert r.status_code == 400


def test_disconnecting_twice_is_refused(org, lease):
    qid, (a, _) = lease
    cid, pid = _connected_chat(org, qid, a)
    org.disconnect(cid, pid)
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{pid}", {"state": "disconnected"})
    assert r.status_code == 400 and r.json["code"] == "conversation.error.participant.no.active.conversations"
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{pid}", {"state": "parked"})
    assert r.status_code == 400


def test_patch_whole_chat_disconnects_everyone(org, lease):
    qid, (a, _) = lease
    cid, pid = _connected_chat(org, qid, a)
    r = org.patch(f"/api/v2/conversations/chats/{cid}", {"state": "disconnected"})
    assert r.status_code == 200 and r.json["id"] == cid and r.json["state"] == "disconnected"
    assert all(p["state"] == "disconnected" for p in org.chat(cid)["participants"])
    assert org.routing_status(a) == "INTERACTING"
    r = org.patch(f"/api/v2/conversations/chats/{cid}", {"state": "connected"})
    assert r.status_code == 400


def test_delete_generic_conversation(org, lease):
    qid, (a, _) = lease
    cid, pid = _connected_chat(org, qid, a)
    r = org.client.delete(f"/api/v2/conversations/{cid}", headers=org.headers)
    assert r.status_code == 202
    assert org.get(f"/api/v2/conversations/{cid}").json["endTime"]


def test_participant_attributes_are_merged(org, lease):
    qid, (a, _) = lease
    conv = org.create_chat(qid, {"workItemId": WORK_ITEM})
    customer = conv["participants"][0]
    r = org.patch(f"/api/v2/conversations/chats/{conv['id']}/participants/{customer['id']}/attributes",
                  {"attributes": {"note": "vip"}})
    assert r.status_code == 202 and r.json == {"attributes": {"workItemId": WORK_ITEM, "note": "vip"}}
    [event] = org.events(type="conversation.changed")[-1:]
    assert event.data["change"] == "attributes"


def test_a_user_token_acts_only_on_its_own_participant(org, lease):
    qid, (a, b) = lease
    cid = org.create_chat(qid)["id"]
    p = org.participant_of(cid, a, "alerting")
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{p['id']}", {"state": "connected"},
                  headers=org.user_headers(b))
    assert r.status_code == 403 and r.json["code"] == "conversation.error.forbidden.not.active.participant"
    org.answer(cid, p["id"], headers=org.user_headers(a))
    assert org.participant_of(cid, a)["state"] == "connected"


def test_generic_participant_patch_works_like_the_chat_one(org, lease):
    qid, (a, _) = lease
    cid = org.create_chat(qid)["id"]
    p = org.participant_of(cid, a, "alerting")
    assert org.patch(f"/api/v2/conversations/{cid}/participants/{p['id']}", {"state": "connected"}).status_code == 202
    assert org.patch(f"/api/v2/conversations/{cid}/participants/{p['id']}", {"state": "disconnected"}).status_code == 202
    codes = org.get(f"/api/v2/conversations/{cid}/participants/{p['id']}/wrapupcodes").json
    assert org.patch(f"/api/v2/conversations/{cid}/participants/{p['id']}",
                     {"wrapup": {"code": codes[0]["id"]}}).status_code == 202
    assert org.get(f"/api/v2/conversations/{cid}/participants/{p['id']}/wrapup").json["code"] == codes[0]["id"]
    assert org.routing_status(a) == "IDLE"


def test_message_conversations_behave_the_same(org, lease):
    qid, (a, _) = lease
    r = org.client.post("/_fake/genesys/conversations",
                        json={"mediaType": "message", "queueId": qid, "attributes": {"workItemId": WORK_ITEM}})
    assert r.status_code == 200
    cid = r.json["id"]
    assert r.json["selfUri"] == f"/api/v2/conversations/messages/{cid}"
    conv = org.get(f"/api/v2/conversations/messages/{cid}").json
    p = next(x for x in conv["participants"] if x["purpose"] == "agent")
    assert p["state"] == "alerting" and p["user"]["id"] == a
    base = f"/api/v2/conversations/messages/{cid}/participants/{p['id']}"
    assert org.patch(base, {"state": "connected"}).status_code == 202
    mine = org.get("/api/v2/conversations/messages", headers=org.user_headers(a)).json
    assert [c["id"] for c in mine["entities"]] == [cid]
    generic = org.get(f"/api/v2/conversations/{cid}").json
    comm = next(x for x in generic["participants"] if x["id"] == p["id"])["messages"][0]["id"]
    assert org.patch(base, {"state": "disconnected"}).status_code == 202
    code = org.get(f"{base}/wrapupcodes").json[0]["id"]
    assert org.post(f"{base}/communications/{comm}/wrapup", {"code": code}).status_code == 202
    assert org.routing_status(a) == "IDLE"
    topics = [t["topicName"] for t in org.events(type="conversation.wrapup")[0].data["topics"]]
    assert f"v2.users.{a}.conversations.messages" in topics
    assert org.get(f"/api/v2/conversations/chats/{cid}").status_code == 404
