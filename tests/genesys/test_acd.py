"""ACD rules on the virtual clock: longest idle first, waiting in queue, alert timeout, NOT_RESPONDING, ACW."""

from __future__ import annotations

from genesys_org import ON_QUEUE_ID


def _lease(org, n: int) -> tuple[str, list[str]]:
    """A queue whose only members are the first n agents (how a scenario gets its own queue)."""
    users = org.user_ids[:n]
    return org.only_in_queue("Chat Queue 1", users), users


def _two_on_queue(org, gap: float = 1) -> tuple[str, str, str]:
    """A leased queue of two agents, both On Queue, `a` there `gap` seconds before `b` (so idle longest)."""
    qid, (a, b) = _lease(org, 2)
    org.set_presence(a)
    org.advance(gap)
    org.set_presence(b)
    return qid, a, b


def _handle(org, cid: str, uid: str) -> str:
    """Answer, disconnect and wrap up the chat alerting on `uid`; returns the participant id."""
    p = org.participant_of(cid, uid, "alerting")
    org.answer(cid, p["id"])
    org.disconnect(cid, p["id"])
    org.wrap_up(cid, p["id"])
    return p["id"]


def test_new_chat_alerts_the_longest_idle_on_queue_member(org):
    qid, a, b = _two_on_queue(org, 5)
    cid = org.create_chat(qid)["id"]
    assert org.alerting_user(cid) == a
    assert org.routing_status(a) == "INTERACTING" and org.routing_status(b) == "IDLE"
    org.advance(1)
    _handle(org, cid, a)
    assert org.routing_status(a) == "IDLE"
    # a became idle again just now, so b has been idle longest
    second = org.create_chat(qid)["id"]
    assert org.alerting_user(second) == b


def test_chat_waits_in_queue_until_an_agent_goes_on_queue(org):
    qid, (a, _) = _lease(org, 2)
    cid = org.create_chat(qid)["id"]
    assert org.agents(cid) == []
    assert [p["purpose"] for p in org.chat(cid)["participants"]] == ["customer", "acd"]
    assert org.fake.conversations.waiting[qid] == [cid]
    org.set_presence(a)
    assert org.alerting_user(cid) == a
    assert org.fake.conversations.waiting[qid] == []


def test_off_queue_and_unjoined_members_are_not_offered(org):
    qid, (a, b) = _lease(org, 2)
    org.set_presence(a, "6a3af858-942f-489d-9700-5f9bcdcdae9b")  # Available, not On Queue
    org.set_presence(b)
    assert org.patch(f"/api/v2/users/{b}/queues", [{"id": qid, "joined": False}]).status_code == 200
    cid = org.create_chat(qid)["id"]
    assert org.agents(cid) == []
    assert org.patch(f"/api/v2/users/{b}/queues", [{"id": qid, "joined": True}]).status_code == 200
    assert org.alerting_user(cid) == b


def test_alert_timeout_disconnects_by_system_marks_not_responding_and_offers_the_next(org):
    qid, a, b = _two_on_queue(org)
    cid = org.create_chat(qid)["id"]
    first = org.participant_of(cid, a, "alerting")
    assert first["alertingTimeoutMs"] == 30000
    org.advance(29)
    assert org.alerting_user(cid) == a
    org.advance(1)
    missed = next(p for p in org.agents(cid) if p["id"] == first["id"])
    assert missed["state"] == "disconnected" and missed["disconnectType"] == "system" and "endTime" in missed
    generic = org.get(f"/api/v2/conversations/{cid}").json
    leg = next(p for p in generic["participants"] if p["id"] == first["id"])
    assert leg["chats"][0]["disconnectType"] == "system"
    assert org.routing_status(a) == "NOT_RESPONDING"
    assert org.alerting_user(cid) == b
    # b misses it too: nobody is left, so it waits until a resets to IDLE
    org.advance(30)
    assert org.routing_status(b) == "NOT_RESPONDING" and org.alerting_user(cid) is None
    assert org.fake.conversations.waiting[qid] == [cid]
    r = org.put(f"/api/v2/users/{a}/routingstatus", {"status": "IDLE"})
    assert r.status_code == 200 and r.json["status"] in ("IDLE", "INTERACTING")
    assert org.alerting_user(cid) == a


def test_declining_an_alert_is_like_missing_it(org):
    qid, a, b = _two_on_queue(org)
    cid = org.create_chat(qid)["id"]
    org.disconnect(cid, org.participant_of(cid, a, "alerting")["id"])
    assert org.routing_status(a) == "NOT_RESPONDING"
    assert org.alerting_user(cid) == b


def test_connected_or_wrapping_up_agent_is_interacting_and_offered_nothing(org):
    qid, (a,) = _lease(org, 1)
    org.set_presence(a)
    first = org.create_chat(qid)["id"]
    p = org.participant_of(first, a, "alerting")
    org.answer(first, p["id"])
    second = org.create_chat(qid)["id"]
    assert org.agents(second) == [] and org.routing_status(a) == "INTERACTING"
    org.disconnect(first, p["id"])
    assert org.routing_status(a) == "INTERACTING"  # after-call work is owed
    assert org.agents(second) == []
    org.wrap_up(first, p["id"])
    # finishing wrap-up made a IDLE, and the ACD offered the waiting chat at once
    assert org.alerting_user(second) == a
    statuses = [e.data["status"] for e in org.events(type="user.routingStatus") if e.data["userId"] == a]
    assert statuses == ["IDLE", "INTERACTING", "IDLE", "INTERACTING"]


def test_mandatory_timeout_acw_ends_by_itself(org):
    qid, (a,) = _lease(org, 1)
    org.put(f"/api/v2/routing/queues/{qid}", {"name": "Chat Queue 1",
                                              "acwSettings": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 10000}})
    org.set_presence(a)
    cid = org.create_chat(qid)["id"]
    p = org.participant_of(cid, a, "alerting")
    assert p["wrapupPrompt"] == "timeout" and p["wrapupTimeoutMs"] == 10000 and p["wrapupRequired"] is True
    org.answer(cid, p["id"])
    org.disconnect(cid, p["id"])
    org.advance(9)
    assert org.routing_status(a) == "INTERACTING"
    org.advance(1)
    assert org.routing_status(a) == "IDLE"
    wrapup = org.get(f"/api/v2/conversations/chats/{cid}/participants/{p['id']}/wrapup").json
    assert wrapup["code"] and wrapup["durationSeconds"] == 10
    [event] = org.events(type="conversation.wrapup")
    assert event.data["codeName"] == "ININ-WRAP-UP-TIMEOUT"


def test_optional_wrapup_makes_the_agent_idle_at_disconnect(org):
    qid, (a,) = _lease(org, 1)
    org.put(f"/api/v2/routing/queues/{qid}", {"name": "Chat Queue 1", "acwSettings": {"wrapupPrompt": "OPTIONAL"}})
    org.set_presence(a)
    cid = org.create_chat(qid)["id"]
    p = org.participant_of(cid, a, "alerting")
    assert p["wrapupRequired"] is False and p["wrapupPrompt"] == "optional"
    org.answer(cid, p["id"])
    org.disconnect(cid, p["id"])
    assert org.routing_status(a) == "IDLE"
    r = org.patch(f"/api/v2/conversations/chats/{cid}/participants/{p['id']}", {"wrapupSkipped": True})
    assert r.status_code == 202


def test_going_off_queue_while_wrapping_up_and_back(org):
    qid, (a,) = _lease(org, 1)
    org.set_presence(a)
    cid = org.create_chat(qid)["id"]
    p = org.participant_of(cid, a, "alerting")
    org.answer(cid, p["id"])
    org.set_presence(a, "227b37e2-f1d0-4dd0-8f50-badd7cf6d158")  # Break
    assert org.routing_status(a) == "OFF_QUEUE"
    org.set_presence(a, ON_QUEUE_ID)
    assert org.routing_status(a) == "INTERACTING"


def test_customer_leaving_while_waiting_takes_the_chat_out_of_the_queue(org):
    qid, (a,) = _lease(org, 1)
    conv = org.create_chat(qid)
    customer = next(p for p in conv["participants"] if p["purpose"] == "customer")
    org.disconnect(conv["id"], customer["id"])
    assert org.fake.conversations.waiting[qid] == []
    org.set_presence(a)
    assert org.agents(conv["id"]) == []
    assert all(p["state"] == "disconnected" for p in org.chat(conv["id"])["participants"])


def test_customer_leaving_sends_the_connected_agent_to_wrapup(org):
    qid, (a,) = _lease(org, 1)
    org.set_presence(a)
    conv = org.create_chat(qid)
    customer = next(p for p in conv["participants"] if p["purpose"] == "customer")
    p = org.participant_of(conv["id"], a, "alerting")
    org.answer(conv["id"], p["id"])
    org.disconnect(conv["id"], customer["id"])
    leg = org.participant_of(conv["id"], a)
    assert leg["state"] == "disconnected" and leg["disconnectType"] == "peer"
    assert org.routing_status(a) == "INTERACTING"
    org.wrap_up(conv["id"], p["id"])
    assert org.routing_status(a) == "IDLE"


def test_reset_cancels_pending_timers(org):
    qid, (a,) = _lease(org, 1)
    org.set_presence(a)
    org.create_chat(qid)
    org.world.reset()
    assert org.fake.conversations.by_id == {}
    org.advance(60)  # the old alert timer must not touch the new org
    assert org.fake.conversations.by_id == {}


def test_choosing_on_queue_again_leaves_not_responding(org):
    qid, (a,) = _lease(org, 1)
    org.set_presence(a)
    cid = org.create_chat(qid)["id"]
    org.advance(30)
    assert org.routing_status(a) == "NOT_RESPONDING"
    org.set_presence(a, ON_QUEUE_ID)
    assert org.alerting_user(cid) == a  # IDLE again, and the waiting chat was offered at once
