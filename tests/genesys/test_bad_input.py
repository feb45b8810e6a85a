"""Every route of the Genesys model with bad input: no token, expired token, malformed JSON, wrong types, unknown enum
values, missing fields, unknown ids. Each gets the platform's error body and status (checked against error.json by the
client), never a 500."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from genesys_org import Org, client_token

from omni_harness import contracts
from omni_harness.fakes.genesys.model.tokens import Principal
from omni_harness.fakes.genesys.routes import RouteSpec, all_specs
from omni_harness.fakes.genesys.routes.conformance import check_event

MISSING = "00000000-0000-4000-8000-000000000000"
NOT_FOUND_CODES = {
    "user_id": {"not.found"}, "queue_id": {"resource.not.found"}, "code_id": {"resource.not.found"},
    "definition_id": {"not.found"}, "cid": {"conversation.error.conversation.not.found"},
    "pid": {"conversation.error.participant.not.found"}, "comm_id": {"conversation.error.communication.not.found"},
    "integration_id": {"not.found"}, "message_id": {"not.found"},
}
# A body each request schema accepts, so an unknown id is the only thing wrong.
VALID_BODIES: dict[str, Any] = {
    "user-presence-request": {"message": "hi"},
    "routing-status-request": {"status": "IDLE"},
    "user-queue-patch-request": [],
    "queue-request": {"name": "Chat Queue 1"},
    "queue-member-ids": [],
    "queue-member-joins": [],
    "create-web-chat-request": {"queueId": MISSING, "provider": "p"},
    "conversation-patch-request": {"state": "disconnected"},
    "media-participant-request": {"state": "disconnected"},
    "participant-attributes": {"attributes": {"k": "v"}},
    "wrapup-input": {"code": MISSING},
    "transfer-request": {"queueId": MISSING},
    "transfer-to-agent-request": {"userId": MISSING},
    "transfer-to-queue-request": {"queueId": MISSING},
    "transfer-to-address-request": {"address": MISSING},
    "open-integration-request": {"name": "n", "outboundNotificationWebhookUrl": "http://127.0.0.1:9/hook",
                                 "outboundNotificationWebhookSignatureSecretToken": "0123456789abcdef"},
    "open-integration-update-request": {"name": "n"},
    "open-inbound-message-request": {"channel": {"from": {"id": "c", "idType": "Opaque"},
                                                 "time": "2026-01-01T00:00:00.000Z"}, "text": "hi"},
    "open-inbound-event-request": {"channel": {"from": {"id": "c", "idType": "Opaque"},
                                               "time": "2026-01-01T00:00:00.000Z"}, "events": [{"eventType": "Typing"}]},
    "open-inbound-receipt-request": {"id": "m", "channel": {"to": {"id": "c"}, "time": "2026-01-01T00:00:00.000Z"},
                                     "status": "Delivered"},
    "additional-message": {"textBody": "hello"},
    "message-typing-event-request": {"typing": {"type": "On"}},
}
# The notification routes have ids of their own (channels) and their bad input is walked in test_notifications_rest.
SPECS = sorted((s for s in all_specs() if s.rule != "/oauth/token" and not s.rule.startswith("/api/v2/notifications")),
               key=lambda s: (s.rule, s.method))


def _ids(spec: RouteSpec) -> str:
    return f"{spec.method} {spec.rule}"


@pytest.fixture(scope="module")
def walk(module_fake) -> Iterator[tuple[Org, dict[str, str]]]:
    """One org for the whole walk (no bad request changes anything): an agent holding a connected chat and a
    connected message conversation with a message sent, and a seeded Open Messaging integration, so every path
    parameter has a real id."""
    module_fake.world.reset()
    client = module_fake.app.test_client()
    client.checked = []
    org = Org(module_fake, client, client_token(module_fake, client))
    a = org.user_ids[0]
    qid = org.only_in_queue("Chat Queue 1", [a])
    org.set_presence(a)
    cid = org.create_chat(qid)["id"]
    pid = org.participant_of(cid, a, "alerting")["id"]
    org.answer(cid, pid)
    code = org.wrapup_codes(cid, pid)[0]["id"]
    ids = {"user_id": a, "queue_id": qid, "cid": cid, "pid": pid, "comm_id": org.communication_id(cid, pid),
           "code_id": code, "definition_id": "e08eaf1b-ee47-4fa9-a231-1200e284798f"}
    org.set_presence(org.user_ids[1])
    qid2 = org.only_in_queue("Chat Queue 2", [org.user_ids[1]])
    r = client.post("/_fake/genesys/conversations", json={"mediaType": "message", "queueId": qid2})
    mid = r.json["id"]
    mpid = next(p["id"] for p in r.json["participants"] if p["purpose"] == "agent")
    org.patch(f"/api/v2/conversations/messages/{mid}/participants/{mpid}", {"state": "connected"})
    generic = org.get(f"/api/v2/conversations/{mid}").json
    mcomm = next(p for p in generic["participants"] if p["id"] == mpid)["messages"][0]["id"]
    sent = org.post(f"/api/v2/conversations/messages/{mid}/communications/{mcomm}/messages", {"textBody": "hi"})
    assert sent.status_code == 200, sent.json
    integration = org.get("/api/v2/conversations/messaging/integrations/open").json["entities"][0]["id"]
    ids |= {"m:cid": mid, "m:pid": mpid, "m:comm_id": mcomm, "message_id": sent.json["id"],
            "integration_id": integration}
    yield org, ids
    for entry in module_fake.journal.since(0, kinds=["event"], source="genesys"):
        check_event(entry.type, entry.data)


@pytest.fixture
def org(walk) -> Org:
    return walk[0]


@pytest.fixture
def ids(walk) -> dict[str, str]:
    return walk[1]


def _path(spec: RouteSpec, ids: dict[str, str], unknown: str | None = None) -> str:
    messages = "/conversations/messages/" in spec.rule

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == unknown:
            return MISSING
        return ids.get(f"m:{name}", ids[name]) if messages else ids[name]

    return re.sub(r"<(?:\w+:)?(\w+)>", sub, spec.rule)


def _call(org, spec: RouteSpec, path: str, headers: dict[str, str], data: Any = None, raw: bytes | None = None):
    kwargs: dict[str, Any] = {"headers": headers, "method": spec.method}
    if raw is not None:
        kwargs.update(data=raw, content_type="application/json")
    elif data is not None or spec.request:
        kwargs["json"] = data
    return org.client.open(path, **kwargs)


def _error(r, status: int, codes: set[str] | str) -> dict[str, Any]:
    codes = {codes} if isinstance(codes, str) else codes
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    assert r.json["code"] in codes, r.json
    assert r.json["status"] == status
    return r.json


@pytest.mark.parametrize("spec", SPECS, ids=_ids)
def test_no_token_and_expired_token(org, ids, spec):
    path = _path(spec, ids)
    _error(_call(org, spec, path, {}), 401, "authentication.required")
    _error(_call(org, spec, path, {"Authorization": "Basic abc"}), 401, "authentication.required")
    now = org.world.clock.time()
    stale = org.fake.tokens.add(Principal("expired-token-000000000000", "client", None, now - 1))
    _error(_call(org, spec, path, {"Authorization": f"Bearer {stale.token}"}), 401, "bad.credentials")


@pytest.mark.parametrize("spec", [s for s in SPECS if s.request], ids=_ids)
def test_malformed_json_and_wrong_top_level_type(org, ids, spec):
    path = _path(spec, ids)
    _error(_call(org, spec, path, org.headers, raw=b'{"state": '), 400, "bad.request")
    _error(_call(org, spec, path, org.headers, raw=b"\xff\xfe"), 400, "bad.request")
    schema = contracts.load("genesys", spec.request)
    wrong = {} if schema.get("type") == "array" else ["not", "an", "object"]
    _error(_call(org, spec, path, org.headers, data=wrong), 400, "bad.request")


def _properties(name: str) -> dict[str, Any]:
    schema = contracts.load("genesys", name)
    if schema.get("type") == "array":
        schema = schema["items"]
    return schema.get("properties", {})


def _wrap(name: str, value: dict[str, Any]) -> Any:
    return [value] if contracts.load("genesys", name).get("type") == "array" else value


def _resolve(prop: dict[str, Any]) -> dict[str, Any]:
    """Follow a `$ref` to another file (`wrapup-input.json`) or into one (`common.json#/$defs/attributes`)."""
    if "$ref" not in prop:
        return prop
    file, _, pointer = prop["$ref"].partition("#")
    target: Any = contracts.load("genesys", file[:-5])
    for part in [p for p in pointer.split("/") if p]:
        target = target[part]
    return target


@pytest.mark.parametrize("spec", [s for s in SPECS if s.request], ids=_ids)
def test_wrong_property_types(org, ids, spec):
    path = _path(spec, ids)
    props = {k: _resolve(v) for k, v in _properties(spec.request).items()}
    props = {k: v for k, v in props.items() if v.get("type") in ("string", "boolean", "integer", "object") or "enum" in v}
    assert props, f"{spec.request} has no property to test"
    for prop, schema in props.items():
        kind = schema.get("type", "string")
        bad = 12345 if kind in ("string", "object") else "not-a-" + kind
        valid = VALID_BODIES.get(spec.request)
        body = dict(valid) if isinstance(valid, dict) else {"id": MISSING}
        body[prop] = bad
        r = _call(org, spec, path, org.headers, data=_wrap(spec.request, body))
        # a value outside an enum (whatever its JSON type) is invalid.value, any other mistyped value bad.request
        _error(r, 400, "invalid.value" if "enum" in schema else "bad.request")
        assert prop in r.json["message"] or prop in str(r.json["details"]), r.json


def _enum_props(name: str) -> dict[str, str]:
    """Property path -> the nested property holding an enum."""
    out = {}
    for key, prop in _properties(name).items():
        prop = _resolve(prop)
        if "enum" in prop:
            out[key] = key
        for sub, subprop in (prop.get("properties") or {}).items():
            if "enum" in subprop:
                out[f"{key}.{sub}"] = sub
    return out


ENUM_SPECS = [s for s in SPECS if s.request and _enum_props(s.request)]


@pytest.mark.parametrize("spec", ENUM_SPECS, ids=_ids)
def test_unknown_enum_values_are_invalid_value(org, ids, spec):
    path = _path(spec, ids)
    for dotted in _enum_props(spec.request):
        body: dict[str, Any] = dict(VALID_BODIES[spec.request]) if isinstance(VALID_BODIES[spec.request], dict) else {}
        if "." in dotted:
            outer, inner = dotted.split(".")
            body[outer] = {inner: "NOT_A_VALUE"}
        else:
            body[dotted] = "NOT_A_VALUE"
        r = _call(org, spec, path, org.headers, data=_wrap(spec.request, body))
        err = _error(r, 400, "invalid.value")
        assert "NOT_A_VALUE" in err["message"] and "Allowable values are" in err["message"]


REQUIRED_SPECS = [s for s in SPECS if s.request and (
    contracts.load("genesys", s.request).get("required")
    or contracts.load("genesys", s.request).get("items", {}).get("required"))]


@pytest.mark.parametrize("spec", REQUIRED_SPECS, ids=_ids)
def test_missing_fields(org, ids, spec):
    path = _path(spec, ids)
    schema = contracts.load("genesys", spec.request)
    codes = {"bad.request"} | {v["code"] for v in (schema.get("x-missing") or {}).values()}
    err = _error(_call(org, spec, path, org.headers, data=_wrap(spec.request, {})), 400, codes)
    assert err["message"]


PARAM_SPECS = [(s, p) for s in SPECS for p in re.findall(r"<(?:\w+:)?(\w+)>", s.rule)]


@pytest.mark.parametrize(("spec", "param"), PARAM_SPECS, ids=[f"{_ids(s)} {p}" for s, p in PARAM_SPECS])
def test_unknown_ids_are_not_found(org, ids, spec, param):
    path = _path(spec, ids, unknown=param)
    before = org.last_seq
    r = _call(org, spec, path, org.headers, data=VALID_BODIES.get(spec.request or ""))
    if spec.method == "GET" and spec.rule.endswith("/routingstatus"):
        assert r.status_code == 200 and r.json["status"] == "OFF_QUEUE"  # documented behaviour
        return
    _error(r, 404, NOT_FOUND_CODES[param])
    assert org.events(before) == []


def test_every_route_was_walked():
    """Guards the walker itself: a route added without a schema name would escape the checks above."""
    assert len(SPECS) >= 45
    for spec in SPECS:
        if spec.request:
            assert contracts.load("genesys", spec.request)
        if spec.response:
            assert contracts.load("genesys", spec.response)


def test_oauth_route_with_bad_input(org):
    r = org.client.get("/oauth/token")
    _error(r, 405, "method.not.allowed")
    r = org.client.post("/oauth/token", data=b"{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "invalid_request"


# -- the fake's own control routes: every field with every wrong JSON type ------------------------------------
WRONG_TYPES: list[Any] = [12345, 1.5, True, ["x"], {"id": "x"}]
# field -> whether null is a legal value of it
CONTROL_FIELDS: dict[str, dict[str, bool]] = {
    "/_fake/genesys/conversations": {"mediaType": False, "queueId": False, "provider": True, "attributes": True,
                                     "customerName": True},
    "/_fake/genesys/integrations/open/{integration_id}/flow": {"queueId": True},
    "/_fake/tokens": {"userId": True, "email": True},
}


def _control_valid(org, ids: dict[str, str], path: str) -> dict[str, Any]:
    if path == "/_fake/tokens":
        return {"userId": ids["user_id"]}
    if path.endswith("/flow"):
        return {"queueId": ids["queue_id"]}
    return {"mediaType": "message", "queueId": ids["queue_id"], "provider": "p", "attributes": {"k": "v"},
            "customerName": "Pat"}


CONTROL_CASES = [(path, name, {"k": 1} if name == "attributes" and isinstance(bad, dict) else bad)
                 for path, fields in CONTROL_FIELDS.items() for name, nullable in fields.items()
                 for bad in WRONG_TYPES + ([] if nullable else [None])]


@pytest.mark.parametrize(("path", "name", "bad"), CONTROL_CASES,
                         ids=[f"{p} {n}={b!r}" for p, n, b in CONTROL_CASES])
def test_control_routes_refuse_wrong_types_with_the_control_400(org, ids, path, name, bad):
    url = path.format(integration_id=ids["integration_id"])
    body = _control_valid(org, ids, path) | {name: bad}
    before = org.last_seq
    r = org.client.post(url, json=body)
    assert r.status_code == 400, (r.status_code, r.get_data(as_text=True))
    assert r.json["error"] == "bad_request" and name in r.json["message"], r.json
    assert org.events(before) == []


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_control_conversation_refuses_non_finite_numbers(org, ids, value):
    """Python's JSON reader takes NaN and Infinity; the control API must not store them and echo invalid JSON."""
    before = org.last_seq
    for field in ("customerName", "queueId", "provider"):
        raw = f'{{"mediaType": "chat", "queueId": "{ids["queue_id"]}", "{field}": {value}}}'.encode()
        r = org.client.post("/_fake/genesys/conversations", data=raw, content_type="application/json")
        assert r.status_code == 400 and r.json["error"] == "bad_request", r.get_data(as_text=True)
    raw = f'{{"mediaType": "chat", "queueId": "{ids["queue_id"]}", "attributes": {{"k": {value}}}}}'.encode()
    r = org.client.post("/_fake/genesys/conversations", data=raw, content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "bad_request"
    assert org.events(before) == []


# -- an agent's own token on what is not its own ----------------------------------------------------------------
FORBIDDEN_CODES = {"missing.permissions", "missing.any.permissions", "conversation.error.forbidden.not.active.participant"}
# The one change an agent's token may make here on what is not its own: a web chat raised in a queue is nobody's yet.
AGENT_MAY_CHANGE = {("POST", "/api/v2/conversations/chats")}


def _agent_refused(spec: RouteSpec) -> bool:
    """Every change to another user, a queue, an integration or a conversation the agent is not in is refused; of
    the reads, only the integrations and those conversations."""
    if spec.method != "GET":
        return (spec.method, spec.rule) not in AGENT_MAY_CHANGE
    return "<cid>" in spec.rule or spec.rule.startswith("/api/v2/conversations/messaging/integrations")


@pytest.mark.parametrize("spec", [s for s in SPECS if (s.method, s.rule) not in AGENT_MAY_CHANGE], ids=_ids)
def test_an_agent_token_on_what_is_not_its_own(org, ids, spec):
    """An agent who is in none of the walk's conversations, acting on another agent's user and conversations."""
    stranger = org.user_ids[2]
    assert stranger not in (ids["user_id"], org.user_ids[1])
    headers = {"Authorization": f"Bearer {org.user_token(stranger)}"}
    before = org.last_seq
    r = _call(org, spec, _path(spec, ids), headers, data=VALID_BODIES.get(spec.request or ""))
    if _agent_refused(spec):
        _error(r, 403, FORBIDDEN_CODES)
    else:
        assert r.status_code == 200, (r.status_code, r.get_data(as_text=True))
    assert org.events(before) == []


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e309"])
@pytest.mark.parametrize("spec", [s for s in SPECS if s.request], ids=_ids)
def test_non_finite_numbers_are_malformed_json(org, ids, spec, value):
    """The platform's JSON parser refuses NaN and Infinity; the fake must not store them and send invalid JSON."""
    body = VALID_BODIES.get(spec.request)
    valid = json.dumps(body if isinstance(body, dict) else {"id": MISSING})
    raw = valid[:-1] + (", " if valid != "{}" else "") + f'"extra": {value}}}'
    if not isinstance(body, dict):
        raw = f"[{raw}]"
    before = org.last_seq
    _error(_call(org, spec, _path(spec, ids), org.headers, raw=raw.encode()), 400, "bad.request")
    assert org.events(before) == []
