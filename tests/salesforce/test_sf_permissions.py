"""An agent's own session is held to an agent profile: it may not update or delete another agent's routing request,
work, presence or conversation (INSUFFICIENT_ACCESS_OR_READONLY); the integration user keeps its access."""

from __future__ import annotations

from typing import Any

import pytest

V = "/services/data/v67.0"
REFUSED = [{"message": "insufficient access rights on object id", "errorCode": "INSUFFICIENT_ACCESS_OR_READONLY",
            "fields": []}]


def url(sobject: str, record_id: str) -> str:
    return f"{V}/sobjects/{sobject}/{record_id}"


def usp_of(org, user_id: str) -> str:
    return next(r["Id"] for r in org.fake.records("UserServicePresence") if r["UserId"] == user_id
                and r["IsCurrentState"])


@pytest.fixture
def scene(org) -> dict[str, Any]:
    """Agent A holds an accepted chat, an accepted messaging session and a chat pushed to it (not yet accepted);
    agent B is online with nothing."""
    a, b = org.agent_ids()[:2]
    org.online(a)
    org.online(b)
    chat, chat_work = org.accepted(a)
    session, messaging_work = org.accepted_messaging(a)
    pushed = org.customer_chat()
    pushed_work = org.work(a, pushed)
    return {"a": a, "b": b, "chat": chat["workItemId"], "chat_work": chat_work, "session": session["workItemId"],
            "pushed_psr": pushed["pendingServiceRoutingId"], "pushed_work": pushed_work,
            "b_headers": org.agent_headers(b), "a_headers": org.agent_headers(a)}


# (what, method, sobject, the scene's record key, body)
FOREIGN = [
    ("delete the routing request of work pushed to another agent", "DELETE", "PendingServiceRouting", "pushed_psr",
     None),
    ("update the routing request of work pushed to another agent", "PATCH", "PendingServiceRouting", "pushed_psr",
     {"IsReadyForRouting": False}),
    ("delete another agent's pushed work", "DELETE", "AgentWork", "pushed_work", None),
    ("update another agent's work", "PATCH", "AgentWork", "chat_work", {}),
    ("delete another agent's presence", "DELETE", "UserServicePresence", "usp", None),
    ("end another agent's chat", "PATCH", "LiveChatTranscript", "chat", {"Status": "Completed", "EndedBy": "Agent"}),
    ("delete another agent's chat", "DELETE", "LiveChatTranscript", "chat", None),
    ("end another agent's messaging session", "PATCH", "MessagingSession", "session", {"Status": "Ended"}),
    ("delete another agent's messaging session", "DELETE", "MessagingSession", "session", None),
]


@pytest.mark.parametrize("what, method, sobject, key, body", FOREIGN, ids=[f[0] for f in FOREIGN])
def test_an_agent_session_may_not_change_another_agents_record(org, scene, what, method, sobject, key, body):
    scene["usp"] = usp_of(org, scene["a"])
    record_id = scene[key]
    before = org.record(record_id)
    mark = org.mark()
    r = org.client.open(url(sobject, record_id), method=method, json=body, headers=scene["b_headers"])
    assert r.status_code == 400, r.json
    assert r.json == REFUSED
    assert org.record(record_id) == before
    assert org.changes(mark) == []


def test_an_agent_session_may_not_delete_a_routing_request_nobody_was_given(org, scene):
    waiting = org.customer_chat()
    r = org.delete(url("PendingServiceRouting", waiting["pendingServiceRoutingId"]), headers=scene["b_headers"])
    assert r.status_code == 400 and r.json == REFUSED
    assert org.record(waiting["pendingServiceRoutingId"]) is not None


def test_an_agent_session_keeps_its_own_records(org, scene):
    own = scene["a_headers"]
    assert org.patch(url("LiveChatTranscript", scene["chat"]), {"WaitTime": 12}, headers=own).status_code == 204
    assert org.patch(url("MessagingSession", scene["session"]), {"ChannelLocale": "en_US"},
                     headers=own).status_code == 204
    assert org.patch(url("PendingServiceRouting", scene["pushed_psr"]), {"IsReadyForRouting": True},
                     headers=own).status_code == 204
    # a waiting chat is still its queue's, which its members share
    waiting = org.customer_chat()
    assert org.patch(url("LiveChatTranscript", waiting["workItemId"]), {"WaitTime": 3},
                     headers=scene["b_headers"]).status_code == 204
    # its own presence row
    usp = usp_of(org, scene["a"])
    assert org.delete(url("UserServicePresence", usp), headers=own).status_code == 204
    assert org.record(usp) is None


def test_the_integration_user_keeps_its_access(org, scene):
    assert org.patch(url("LiveChatTranscript", scene["chat"]), {"WaitTime": 5}).status_code == 204
    assert org.patch(url("MessagingSession", scene["session"]), {"ChannelLocale": "en_US"}).status_code == 204
    assert org.delete(url("PendingServiceRouting", scene["pushed_psr"])).status_code == 204
    waiting = org.customer_chat()
    assert org.delete(url("PendingServiceRouting", waiting["pendingServiceRoutingId"])).status_code == 204


def test_the_agents_console_still_acts_for_itself_only(org, scene):
    # the console bridge's own rule: an agent's session acts for its own console
    r = org.bridge(scene["a"], "closeTab", {"workId": scene["chat_work"]}, headers=scene["b_headers"])
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INSUFFICIENT_ACCESS"
    assert org.ok(scene["a"], "acceptAgentWork", {"workId": scene["pushed_work"]}, headers=scene["a_headers"]) is True


def test_the_rule_has_a_switch_and_a_status(org, scene, monkeypatch):
    monkeypatch.setattr(org.fake.config, "record_access_status", 403)
    r = org.patch(url("LiveChatTranscript", scene["chat"]), {"WaitTime": 1}, headers=scene["b_headers"])
    assert r.status_code == 403 and r.json == REFUSED
    monkeypatch.setattr(org.fake.config, "agent_record_access", False)
    r = org.patch(url("LiveChatTranscript", scene["chat"]), {"WaitTime": 1}, headers=scene["b_headers"])
    assert r.status_code == 204
