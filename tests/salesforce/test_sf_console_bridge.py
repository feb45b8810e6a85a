"""Console bridge (DESIGN §4.2): the Omni-Channel toolkit over HTTP, answering what the toolkit resolves to (§6.1)."""

from __future__ import annotations

import json

import pytest

from omni_harness.fakes.salesforce.routes.console import toolkit_methods
from omni_harness.fakes.salesforce.views.console import TOOLKIT_METHODS


def test_every_toolkit_method_is_served(org):
    assert set(toolkit_methods(org.fake)) == set(TOOLKIT_METHODS)


def test_set_presence_status_logs_in_and_answers_the_status_with_channels_json(org):
    agent = org.agent_ids()[0]
    online = org.status_id()
    mark = org.mark()
    answer = org.ok(agent[:15], "setServicePresenceStatus", {"statusId": online[:15]})
    assert answer["statusId"] == online and answer["statusName"] == "Online" and answer["statusApiName"] == "Online"
    assert json.loads(answer["channels"]) == [
        {"channelId": org.channel_id(), "developerName": "sfdc_livechat"},
        {"channelId": org.channel_id("sfdc_livemessage"), "developerName": "sfdc_livemessage"}]
    assert [e.data for e in org.events(mark, "console.presence")] == [
        {"userId": agent, "statusId": online, "statusDeveloperName": "Online"}]
    assert org.ok(agent, "getServicePresenceStatusId") == {"statusId": online, "statusName": "Online",
                                                           "statusApiName": "Online"}
    assert json.loads(org.ok(agent, "getServicePresenceStatusChannels")["channels"])[0]["developerName"] == \
        "sfdc_livechat"
    away = org.ok(agent, "setServicePresenceStatus", {"statusId": org.status_id("Away")})
    assert json.loads(away["channels"]) == []


def test_login_and_logout_answer_true(org):
    agent = org.agent_ids()[0]
    assert org.ok(agent, "login", {"statusId": org.status_id("Busy")}) is True
    assert org.ok(agent, "getServicePresenceStatusId")["statusApiName"] == "Busy"
    assert org.ok(agent, "logout") is True
    assert org.ok(agent, "logout") is True  # already offline: nothing to do
    r = org.bridge(agent, "getServicePresenceStatusId")
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_OPERATION"
    assert org.bridge(agent, "getAgentWorkload").status_code == 400


def test_get_agent_works_is_a_json_string(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    assert org.ok(agent, "getAgentWorks") == {"works": "[]"}
    chat = org.customer_chat()
    work_id = org.work(agent, chat)
    works = json.loads(org.ok(agent, "getAgentWorks")["works"])
    assert works == [{"workId": work_id, "workItemId": chat["workItemId"], "isEngaged": False}]
    org.ok(agent, "acceptAgentWork", {"workId": work_id[:15]})
    assert json.loads(org.ok(agent, "getAgentWorks")["works"])[0]["isEngaged"] is True


def test_integration_session_acts_for_any_agent_and_the_call_is_journaled_with_who_made_it(org):
    agent = org.agent_ids()[1]
    mark = org.mark()
    org.online(agent)
    (request,) = [e for e in org.world.journal.since(mark, kinds=["request"])
                  if e.data["path"].startswith("/omni-toolkit")]
    assert request.data["actor"] == {"kind": "oauth", "userId": org.fake.integration_user_id, "actingFor": agent}


def test_agent_session_from_fake_tokens_acts_only_for_that_agent(org):
    a, b = org.agent_ids()[:2]
    own = org.agent_headers(a)
    assert org.bridge(a, "setServicePresenceStatus", {"statusId": org.status_id()}, headers=own).status_code == 200
    r = org.bridge(b, "setServicePresenceStatus", {"statusId": org.status_id()}, headers=own)
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INSUFFICIENT_ACCESS"
    assert org.bridge(b, "getAgentWorks", headers=own).status_code == 400
    events = [e.data for e in org.events(0, "auth.session") if e.data["kind"] == "console"]
    assert {"userId": a, "kind": "console", "action": "issued"} in events


def test_tokens_accept_username_or_email(org):
    agent = org.agent_ids()[0]
    username = org.record(agent)["Username"]
    email = org.record(agent)["Email"]
    for key in (username, email, agent[:15]):
        r = org.client.post("/_fake/tokens", json={"userId": key})
        assert r.status_code == 200, key
        assert r.json["id"].endswith(agent)
    assert org.client.post("/_fake/tokens", json={"userId": "nobody@example.com"}).status_code == 404
    assert org.client.post("/_fake/tokens", json={}).status_code == 400


def test_no_session_or_a_bad_session_is_401(org):
    agent = org.agent_ids()[0]
    r = org.bridge(agent, "getAgentWorks", headers={})
    assert r.status_code == 401 and r.json[0]["errorCode"] == "INVALID_SESSION_ID"
    r = org.bridge(agent, "getAgentWorks", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_expired_console_sessions_are_refused(org):
    agent = org.agent_ids()[0]
    own = org.agent_headers(agent)
    org.world.clock.advance(2 * 3600 + 1)
    assert org.bridge(agent, "getAgentWorks", headers=own).status_code == 401


@pytest.mark.parametrize("method, body, code", [
    ("acceptAgentWork", {}, "REQUIRED_FIELD_MISSING"),
    ("acceptAgentWork", {"workId": "bad"}, "MALFORMED_ID"),
    ("acceptAgentWork", {"workId": "0Bz5i00000009ZZ"}, "INVALID_ID_FIELD"),
    ("declineAgentWork", {"workId": "0Bz5i00000009ZZ"}, "INVALID_ID_FIELD"),
    ("closeAgentWork", {"workId": "0Bz5i00000009ZZ"}, "INVALID_ID_FIELD"),
    ("closeTab", {}, "REQUIRED_FIELD_MISSING"),
    ("endChat", {"workItemId": "5705i00000009ZZ"}, "INVALID_ID_FIELD"),
    ("transferChat", {"workItemId": "5705i00000009ZZ", "toQueue": "Chat_Queue_1"}, "INVALID_ID_FIELD"),
    ("setServicePresenceStatus", {"statusId": "0N55i00000009ZZ"}, "INVALID_ID_FIELD"),
    ("setServicePresenceStatus", {"statusId": 5}, "MALFORMED_ID"),
    ("login", {}, "REQUIRED_FIELD_MISSING"),
])
def test_refusals_are_400_error_arrays(org, method, body, code):
    agent = org.agent_ids()[0]
    r = org.bridge(agent, method, body)
    assert r.status_code == 400
    assert r.json[0]["errorCode"] == code


def test_a_work_of_another_agent_cannot_be_accepted(org):
    a, b = org.agent_ids()[:2]
    org.online(a)
    org.online(b)
    work_id = org.work(a, org.customer_chat())
    r = org.bridge(b, "acceptAgentWork", {"workId": work_id})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_ID_FIELD"
    org.ok(a, "acceptAgentWork", {"workId": work_id})
    r = org.bridge(a, "acceptAgentWork", {"workId": work_id})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_OPERATION"
    assert org.bridge(a, "declineAgentWork", {"workId": work_id}).status_code == 400


def test_unknown_method_or_user(org):
    r = org.bridge(org.agent_ids()[0], "raiseAgentWorkFlagz", {})
    assert r.status_code == 404 and r.json[0]["errorCode"] == "NOT_FOUND"
    r = org.bridge("0055i00000009ZZ", "getAgentWorks")
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_ID_FIELD"
    r = org.bridge("nope", "getAgentWorks")
    assert r.status_code == 400 and r.json[0]["errorCode"] == "MALFORMED_ID"
    r = org.bridge(org.fake.automated_process_user_id, "getAgentWorks")
    assert r.status_code == 400


def test_body_must_be_a_json_object(org):
    agent = org.agent_ids()[0]
    r = org.client.post(f"/omni-toolkit/v1/users/{agent}/login", data="{nope", headers=org.headers,
                        content_type="application/json")
    assert r.status_code == 400 and r.json[0]["errorCode"] == "JSON_PARSER_ERROR"
    r = org.bridge(agent, "login", ["x"])
    assert r.status_code == 400 and r.json[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_agent_messages_are_journaled(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat, _ = org.accepted(agent)
    mark = org.mark()
    assert org.ok(agent, "sendMessage", {"workItemId": chat["workItemId"], "text": "Hi, how can I help?"}) is True
    assert [e.data for e in org.events(mark, "chat.message")] == [
        {"workItemId": chat["workItemId"], "from": "agent", "text": "Hi, how can I help?", "userId": agent}]
