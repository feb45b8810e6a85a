"""Every route of the org with bad input: the platform's error array and status, never a 500 (issue acceptance 4)."""

from __future__ import annotations

import json

import pytest

V = "/services/data/v67.0"
AW = f"{V}/sobjects/AgentWork"
GOOD_ID = "0Bz5i0000000001CAA"

# Every Salesforce route of the org, as (method, path); all of them need a session except the versions list.
ROUTES = [
    ("GET", f"{V}/"), ("GET", f"{V}/limits"), ("GET", f"{V}/sobjects"), ("GET", AW), ("POST", f"{AW}/"),
    ("GET", f"{AW}/describe"), ("GET", f"{AW}/{GOOD_ID}"), ("PATCH", f"{AW}/{GOOD_ID}"), ("DELETE", f"{AW}/{GOOD_ID}"),
    ("GET", f"{AW}/Id/{GOOD_ID}"), ("GET", f"{V}/query?q=SELECT+Id+FROM+AgentWork"),
    ("GET", f"{V}/queryAll?q=SELECT+Id+FROM+AgentWork"), ("GET", f"{V}/query/01g5i0000000001AAA-200"),
    ("POST", "/omni-toolkit/v1/users/0055i0000000001AAA/getAgentWorks"),
]


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("auth", [None, "Bearer", "OAuth"])
def test_no_or_bad_session_is_401_invalid_session_id(org, method, path, auth):
    headers = {} if auth is None else {"Authorization": f"{auth} 00D5i0000000001!AQnotatoken"}
    r = org.client.open(path, method=method, headers=headers, json={} if method in ("POST", "PATCH") else None)
    assert r.status_code == 401
    assert r.json == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def _chat_body(org):
    chat = org.customer_chat()
    return {"ServiceChannelId": org.channel_id(), "WorkItemId": chat["workItemId"], "UserId": org.agent_ids()[0],
            "PendingServiceRoutingId": chat["pendingServiceRoutingId"]}


CASES = [
    # (name, method, path, body (dict/list -> JSON, str -> raw), status, errorCode)
    ("malformed JSON create", "POST", f"{AW}/", "{not json", 400, "JSON_PARSER_ERROR"),
    ("empty create", "POST", f"{AW}/", "", 400, "JSON_PARSER_ERROR"),
    ("array create", "POST", f"{AW}/", [1, 2], 400, "JSON_PARSER_ERROR"),
    ("malformed JSON update", "PATCH", f"{V}/sobjects/PushTopic/{{topic}}", "{", 400, "JSON_PARSER_ERROR"),
    ("unknown object create", "POST", f"{V}/sobjects/Nope/", {"Name": "x"}, 404, "NOT_FOUND"),
    ("unknown object describe", "GET", f"{V}/sobjects/Nope/describe", None, 404, "NOT_FOUND"),
    ("unknown object retrieve", "GET", f"{V}/sobjects/Nope/{GOOD_ID}", None, 404, "NOT_FOUND"),
    ("unknown field create", "POST", f"{V}/sobjects/PushTopic/", {"Nope__c": 1}, 400, "INVALID_FIELD"),
    ("unknown field update", "PATCH", f"{V}/sobjects/PushTopic/{{topic}}", {"Nope": 1}, 400, "INVALID_FIELD"),
    ("unknown field retrieve", "GET", f"{V}/sobjects/PushTopic/{{topic}}?fields=Nope", None, 400, "INVALID_FIELD"),
    ("wrong picklist create", "POST", f"{V}/sobjects/PushTopic/",
     {"Name": "t", "Query": "SELECT Id FROM User", "ApiVersion": 41, "NotifyForFields": "Some"}, 400,
     "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ("wrong picklist update", "PATCH", f"{V}/sobjects/PushTopic/{{topic}}", {"NotifyForFields": "x"}, 400,
     "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ("null required update", "PATCH", f"{V}/sobjects/PushTopic/{{topic}}", {"Query": None}, 400,
     "REQUIRED_FIELD_MISSING"),
    ("bad id retrieve", "GET", f"{AW}/not-an-id", None, 404, "NOT_FOUND"),
    ("bad checksum retrieve", "GET", f"{AW}/0Bz5i0000000001ZZZ", None, 404, "NOT_FOUND"),
    ("unknown id retrieve", "GET", f"{AW}/0Bz5i00000009ZZ", None, 404, "NOT_FOUND"),
    ("bad id update", "PATCH", f"{AW}/xyz", {}, 404, "NOT_FOUND"),
    ("bad id delete", "DELETE", f"{AW}/xyz", None, 404, "NOT_FOUND"),
    ("bad reference id", "POST", f"{AW}/", {"ServiceChannelId": "x", "WorkItemId": "y", "UserId": "z"}, 400,
     "MALFORMED_ID"),
    ("bad SOQL", "GET", f"{V}/query?q=SELEC+Id+FROM+User", None, 400, "MALFORMED_QUERY"),
    ("empty SOQL", "GET", f"{V}/query?q=", None, 400, "MALFORMED_QUERY"),
    ("missing q", "GET", f"{V}/query", None, 400, "MALFORMED_QUERY"),
    ("unknown object SOQL", "GET", f"{V}/query?q=SELECT+Id+FROM+Nope", None, 400, "INVALID_TYPE"),
    ("unknown field SOQL", "GET", f"{V}/queryAll/?q=SELECT+Nope+FROM+User", None, 400, "INVALID_FIELD"),
    ("bad locator", "GET", f"{V}/query/garbage", None, 400, "INVALID_QUERY_LOCATOR"),
    ("method not allowed", "PUT", f"{AW}/{GOOD_ID}", {}, 405, "METHOD_NOT_ALLOWED"),
    ("unknown resource", "GET", f"{V}/nope", None, 404, "NOT_FOUND"),
    ("unknown version", "GET", "/services/data/v12.0/sobjects", None, 404, "NOT_FOUND"),
    ("create USP", "POST", f"{V}/sobjects/UserServicePresence/", {}, 400, "INVALID_TYPE_FOR_OPERATION"),
    ("create with Id", "POST", f"{AW}/", {"Id": GOOD_ID}, 400, "INVALID_FIELD"),
    ("read-only field", "POST", f"{AW}/", {"Status": "Opened"}, 400, "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ("bad number", "POST", f"{AW}/", {"CapacityWeight": "heavy"}, 400, "JSON_PARSER_ERROR"),
    ("bad boolean", "POST", f"{AW}/", {"ShouldSkipCapacityCheck": 3}, 400, "JSON_PARSER_ERROR"),
    ("nested object value", "POST", f"{V}/sobjects/PushTopic/", {"Name": {"a": 1}}, 400, "JSON_PARSER_ERROR"),
    ("bridge malformed JSON", "POST", "/omni-toolkit/v1/users/{agent}/acceptAgentWork", "{", 400, "JSON_PARSER_ERROR"),
    ("bridge array body", "POST", "/omni-toolkit/v1/users/{agent}/acceptAgentWork", [], 400, "JSON_PARSER_ERROR"),
    ("bridge missing arg", "POST", "/omni-toolkit/v1/users/{agent}/acceptAgentWork", {}, 400,
     "REQUIRED_FIELD_MISSING"),
    ("bridge bad id", "POST", "/omni-toolkit/v1/users/{agent}/closeTab", {"workId": "x"}, 400, "MALFORMED_ID"),
    ("bridge unknown work", "POST", "/omni-toolkit/v1/users/{agent}/closeTab", {"workId": "0Bz5i00000009ZZ"}, 400,
     "INVALID_ID_FIELD"),
    ("bridge bad user", "POST", "/omni-toolkit/v1/users/bad/getAgentWorks", {}, 400, "MALFORMED_ID"),
    ("bridge unknown method", "POST", "/omni-toolkit/v1/users/{agent}/nope", {}, 404, "NOT_FOUND"),
    ("bridge GET", "GET", "/omni-toolkit/v1/users/{agent}/getAgentWorks", None, 405, "METHOD_NOT_ALLOWED"),
    ("bridge wrong picklist-like status", "POST", "/omni-toolkit/v1/users/{agent}/login", {"statusId": GOOD_ID},
     400, "INVALID_ID_FIELD"),
    ("bridge decline reason type", "POST", "/omni-toolkit/v1/users/{agent}/declineAgentWork",
     {"workId": "{work}", "declineReason": 5}, 400, "INVALID_TYPE"),
]


@pytest.mark.parametrize("name, method, path, body, status, code", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_the_platforms_error(org, name, method, path, body, status, code):
    topic = org.post(f"{V}/sobjects/PushTopic/", {"Name": "walk", "Query": "SELECT Id FROM User", "ApiVersion": 41})
    agent = org.agent_ids()[0]
    org.online(agent)
    work = org.work(agent, org.customer_chat())
    fill = {"topic": topic.json["id"], "agent": agent, "work": work}
    path = path.format(**fill)
    kwargs: dict = {"headers": org.headers}
    if isinstance(body, str):
        kwargs.update(data=body.format(**fill) if body.startswith("{") and "}" in body else body,
                      content_type="application/json")
    elif isinstance(body, dict):
        kwargs["json"] = {k: (v.format(**fill) if isinstance(v, str) else v) for k, v in body.items()}
    elif body is not None:
        kwargs["json"] = body
    r = org.client.open(path, method=method, **kwargs)
    assert r.status_code == status, r.json
    assert isinstance(r.json, list) and r.json[0]["errorCode"] == code, r.json


def test_the_walk_covered_every_route_of_the_org(org):
    ours = {rule.rule for rule in org.client.application.url_map.iter_rules()
            if rule.rule.startswith(("/services/data", "/omni-toolkit"))}
    walked = {"/services/data", "/services/data/", "/services/data/<version_text>",
              "/services/data/<version_text>/limits", "/services/data/<version_text>/sobjects",
              "/services/data/<version_text>/sobjects/<sobject>",
              "/services/data/<version_text>/sobjects/<sobject>/describe",
              "/services/data/<version_text>/sobjects/<sobject>/<record_id>",
              "/services/data/<version_text>/sobjects/<sobject>/<field_name>/<path:value>",
              "/services/data/<version_text>/query", "/services/data/<version_text>/queryAll",
              "/services/data/<version_text>/query/<locator>", "/services/data/<version_text>/queryAll/<locator>",
              "/omni-toolkit/v1/users/<user_id>/<method>"}
    assert ours == walked


def test_bad_query_all_locator_and_versions_list_bad_method(org):
    r = org.get(f"{V}/queryAll/01g5i0000000001AAA-x")
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
    r = org.client.post("/services/data/")
    assert r.status_code == 405 and r.json[0]["errorCode"] == "METHOD_NOT_ALLOWED"


# -- the customers' control routes (Enhanced Chat): `{"error", "message"}`, never a 500 ------------------------

MSG = "/_fake/customers/messaging"
UNKNOWN_SESSION = "0Mw5i00000009ZZ"
CONTROL_CASES = [
    # (name, method, path, body (dict/list -> JSON, str -> raw), status)
    ("open malformed JSON", "POST", MSG, "{x", 400),
    ("open array body", "POST", MSG, ["Messaging_Queue_1"], 400),
    ("open no queue", "POST", MSG, {}, 400),
    ("open empty queue", "POST", MSG, {"queue": ""}, 400),
    ("open queue not a string", "POST", MSG, {"queue": 5}, 400),
    ("open unknown queue", "POST", MSG, {"queue": "No_Such_Queue"}, 404),
    ("open empty text", "POST", MSG, {"queue": "Messaging_Queue_1", "text": ""}, 400),
    ("open name not a string", "POST", MSG, {"queue": "Messaging_Queue_1", "customerName": 3}, 400),
    ("get malformed id", "GET", f"{MSG}/nope", None, 404),
    ("get unknown session", "GET", f"{MSG}/{UNKNOWN_SESSION}", None, 404),
    ("get a chat as a session", "GET", f"{MSG}/{{chat}}", None, 404),
    ("message malformed JSON", "POST", f"{MSG}/{{session}}/messages", "{", 400),
    ("message no text", "POST", f"{MSG}/{{session}}/messages", {}, 400),
    ("message text not a string", "POST", f"{MSG}/{{session}}/messages", {"text": ["hi"]}, 400),
    ("message unknown session", "POST", f"{MSG}/{UNKNOWN_SESSION}/messages", {"text": "x"}, 404),
    ("message to an ended session", "POST", f"{MSG}/{{ended}}/messages", {"text": "x"}, 409),
    ("leave malformed JSON", "POST", f"{MSG}/{{session}}/leave", "[", 400),
    ("leave unknown session", "POST", f"{MSG}/0055i0000000001AAA/leave", None, 404),
    ("leave an ended session", "POST", f"{MSG}/{{ended}}/leave", None, 409),
    ("return malformed JSON", "POST", f"{MSG}/{{ended}}/return", "{", 400),
    ("return text not a string", "POST", f"{MSG}/{{ended}}/return", {"text": 1}, 400),
    ("return unknown session", "POST", f"{MSG}/{UNKNOWN_SESSION}/return", {}, 404),
    ("return while the session is open", "POST", f"{MSG}/{{session}}/return", {}, 409),
    ("return a chat", "POST", f"{MSG}/{{chat}}/return", {}, 404),
    ("method not allowed", "DELETE", f"{MSG}/{{session}}", None, 405),
]


@pytest.mark.parametrize("name, method, path, body, status", CONTROL_CASES, ids=[c[0] for c in CONTROL_CASES])
def test_bad_customer_messaging_input_gets_the_control_error(org, name, method, path, body, status):
    ended = org.customer_messaging(queue="Messaging_Queue_2")
    assert org.client.post(f"{MSG}/{ended['workItemId']}/leave").status_code == 200
    fill = {"session": org.customer_messaging()["workItemId"], "ended": ended["workItemId"],
            "chat": org.customer_chat()["workItemId"]}
    path = path.format(**fill)
    kwargs: dict = {}
    if isinstance(body, str):
        kwargs.update(data=body, content_type="application/json")
    elif body is not None:
        kwargs["json"] = body
    r = org.client.open(path, method=method, **kwargs)
    assert r.status_code == status, r.json
    if status != 405:
        assert set(r.json) == {"error", "message"} and r.json["message"], r.json


def test_the_control_walk_covered_every_messaging_route(org):
    ours = {(rule.rule, method) for rule in org.client.application.url_map.iter_rules()
            if rule.rule.startswith(MSG) for method in rule.methods - {"HEAD", "OPTIONS"}}
    walked = set()
    for _, method, path, _, status in CONTROL_CASES:
        if status == 405:
            continue
        rule = path.replace("{session}", "<work_item_id>").replace("{ended}", "<work_item_id>").replace(
            "{chat}", "<work_item_id>").replace(UNKNOWN_SESSION, "<work_item_id>").replace(
            "0055i0000000001AAA", "<work_item_id>").replace("/nope", "/<work_item_id>")
        walked.add((rule, method))
    assert ours == walked


# -- every field of every Salesforce control route: wrong JSON types and non-JSON numbers ----------------------

CHATS = "/_fake/customers/chats"
# (path, the body's other fields, the fields to walk); `{chat}` / `{session}` / `{ended}` are filled per test.
CONTROL_FIELDS = [
    (CHATS, {"queue": "Chat_Queue_1"}, ["queue", "customerName", "text"]),
    (f"{CHATS}/{{chat}}/messages", {}, ["text"]),
    (MSG, {"queue": "Messaging_Queue_1"}, ["queue", "customerName", "text"]),
    (f"{MSG}/{{session}}/messages", {}, ["text"]),
    (f"{MSG}/{{ended}}/return", {}, ["text"]),
    ("/_fake/streaming/drop", {}, ["clientId", "userId", "channel"]),
]
WRONG_VALUES = ["NaN", "Infinity", "-Infinity", "5", "1e309", "true", "[]", '{"a": 1}', '["Chat_Queue_1"]']


@pytest.mark.parametrize("path, others, fields", CONTROL_FIELDS, ids=[c[0] for c in CONTROL_FIELDS])
def test_every_control_field_refuses_wrong_types_with_the_control_error(org, path, others, fields):
    ended = org.customer_messaging(queue="Messaging_Queue_2")
    assert org.client.post(f"{MSG}/{ended['workItemId']}/leave").status_code == 200
    path = path.format(chat=org.customer_chat()["workItemId"], session=org.customer_messaging()["workItemId"],
                       ended=ended["workItemId"])
    before = {name: len(org.fake.records(name)) for name in ("LiveChatTranscript", "MessagingSession")}
    for field in fields:
        for raw in WRONG_VALUES:
            parts = [f'"{k}": {json.dumps(v)}' for k, v in others.items() if k != field] + [f'"{field}": {raw}']
            r = org.client.post(path, data="{" + ", ".join(parts) + "}", content_type="application/json")
            assert r.status_code == 400, (path, field, raw, r.json)
            assert set(r.json) == {"error", "message"} and r.json["error"] == "bad_request", r.json
    assert before == {name: len(org.fake.records(name)) for name in before}


def test_every_salesforce_control_route_with_a_body_is_walked(org):
    ours = {rule.rule for rule in org.client.application.url_map.iter_rules()
            if rule.rule.startswith(("/_fake/customers", "/_fake/streaming")) and "POST" in rule.methods
            and not rule.rule.endswith("/leave")}  # leave takes no fields
    walked = {path.replace("{chat}", "<work_item_id>").replace("{session}", "<work_item_id>").replace(
        "{ended}", "<work_item_id>") for path, _, _ in CONTROL_FIELDS}
    assert ours == walked


@pytest.mark.parametrize("path", [f"{CHATS}/{{chat}}/leave", f"{MSG}/{{session}}/leave"])
@pytest.mark.parametrize("raw", ["NaN", "[]", "5", '"x"'])
def test_a_leave_body_must_be_a_json_object(org, path, raw):
    path = path.format(chat=org.customer_chat()["workItemId"], session=org.customer_messaging()["workItemId"])
    r = org.client.post(path, data=raw, content_type="application/json")
    assert r.status_code == 400 and set(r.json) == {"error", "message"}, r.json


@pytest.mark.parametrize("path, body", [
    (CHATS, '{"queue": "Chat_Queue_1", "customerName": "Pat", "priority": NaN}'),
    (MSG, '{"queue": "Messaging_Queue_1", "extra": [Infinity]}'),
    ("/_fake/streaming/drop", '{"clientId": null, "limit": -Infinity}'),
])
def test_a_non_json_number_anywhere_in_a_control_body_is_refused(org, path, body):
    r = org.client.post(path, data=body, content_type="application/json")
    assert r.status_code == 400, r.json
    assert r.json["error"] == "bad_request" and "not valid JSON" in r.json["message"]
