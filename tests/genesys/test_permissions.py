"""What an agent's own user token may do in the Genesys fake: act on its own user (presence, routing status, the
joined flag of its own queues) and read the conversations it takes part in. Other users, queue settings and
members, integrations and the middleware's inbound calls need the integration's client-credentials token or an
admin user; the refusal is the platform's 403 body and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from genesys_org import AVAILABLE_ID, ON_QUEUE_ID

from omni_harness.fakes.genesys.config import GenesysConfig

INTEGRATIONS = "/api/v2/conversations/messaging/integrations/open"
MISSING_PERMISSIONS = "Unable to perform the requested action. You are missing the following permission(s): "
MISSING_ANY = "Unable to perform the requested action. You must have at least one of the following permissions assigned: "


def _forbidden(r, permissions: list[str], any_of: bool = False) -> dict[str, Any]:
    """The platform's 403 ErrorBody (the client has already checked it against error.json)."""
    assert r.status_code == 403, (r.status_code, r.get_data(as_text=True))
    body = r.json
    listed = f"[{', '.join(permissions)}]"
    text = MISSING_ANY if any_of else MISSING_PERMISSIONS
    assert body["code"] == ("missing.any.permissions" if any_of else "missing.permissions")
    assert body["status"] == 403 and body["message"] == text + listed
    assert body["messageWithParams"] == text + "{permissions}" and body["messageParams"] == {"permissions": listed}
    assert body["contextId"] == r.headers["inin-correlation-id"] and body["details"] == [] and body["errors"] == []
    return body


def _state(org) -> dict[str, Any]:
    """Presence, routing status and queue membership of every user, and every queue's settings."""
    users = {u: (org.get(f"/api/v2/users/{u}/presences/purecloud").json["presenceDefinition"]["id"],
                 org.routing_status(u),
                 {q["id"]: q["joined"] for q in org.get(f"/api/v2/users/{u}/queues?pageSize=500").json["entities"]})
             for u in org.user_ids}
    queues = org.get("/api/v2/routing/queues?pageSize=500").json["entities"]
    return {"users": users, "queues": queues}


@pytest.fixture
def agents(org) -> tuple[str, str, str]:
    """Two agents on queue in one queue, and that queue's id."""
    a, b = org.user_ids[:2]
    qid = org.only_in_queue("Chat Queue 1", [a, b])
    org.set_presence(a)
    org.set_presence(b)
    return a, b, qid


def test_an_agent_acts_on_its_own_user(org, agents):
    a, _, qid = agents
    mine = org.user_headers(a)
    r = org.patch(f"/api/v2/users/{a}/presences/purecloud", {"presenceDefinition": {"id": AVAILABLE_ID}}, mine)
    assert r.status_code == 200 and org.routing_status(a) == "OFF_QUEUE"
    r = org.patch(f"/api/v2/users/{a}/presences/purecloud", {"presenceDefinition": {"id": ON_QUEUE_ID}}, mine)
    assert r.status_code == 200 and org.routing_status(a) == "IDLE"
    r = org.put(f"/api/v2/users/{a}/routingstatus", {"status": "OFF_QUEUE"}, mine)
    assert r.status_code == 200 and org.routing_status(a) == "OFF_QUEUE"
    r = org.patch(f"/api/v2/users/{a}/queues", [{"id": qid, "joined": False}], mine)
    assert r.status_code == 200 and [q["joined"] for q in r.json["entities"] if q["id"] == qid] == [False]


@pytest.mark.parametrize(("method", "path", "body", "permission"), [
    ("PATCH", "/api/v2/users/{b}/presences/purecloud", {"presenceDefinition": {"id": AVAILABLE_ID}},
     "presence:userPresence:edit"),
    ("PUT", "/api/v2/users/{b}/routingstatus", {"status": "OFF_QUEUE"}, "routing:agentStatus:edit"),
    ("PATCH", "/api/v2/users/{b}/queues", [{"id": "{q}", "joined": False}], "routing:queueMember:manage"),
])
def test_an_agent_token_cannot_change_another_user(org, agents, method, path, body, permission):
    a, b, qid = agents
    before, seq = _state(org), org.last_seq
    body = [{"id": qid, "joined": False}] if isinstance(body, list) else body
    r = org.client.open(path.format(b=b), method=method, json=body, headers=org.user_headers(a))
    _forbidden(r, [permission])
    assert _state(org) == before and org.events(seq) == []


def test_queue_settings_and_members_are_admin_calls(org, agents):
    a, b, qid = agents
    mine = org.user_headers(a)
    before, seq = _state(org), org.last_seq
    _forbidden(org.put(f"/api/v2/routing/queues/{qid}", {"name": "Renamed"}, mine), ["routing:queue:edit"])
    any_of = ["routing:queue:edit", "routing:queueMember:manage"]
    _forbidden(org.post(f"/api/v2/routing/queues/{qid}/members?delete=true", [{"id": b}], mine), any_of, True)
    _forbidden(org.post(f"/api/v2/routing/queues/{qid}/members", [{"id": org.user_ids[2]}], mine), any_of, True)
    # its own membership too: the queue's members call is the admin's, the user's own queues call is the agent's
    _forbidden(org.patch(f"/api/v2/routing/queues/{qid}/members", [{"id": a, "joined": False}], mine), any_of, True)
    assert _state(org) == before and org.events(seq) == []


def test_integrations_and_inbound_calls_need_the_integration(org, agents):
    a, _, _ = agents
    mine = org.user_headers(a)
    iid = org.get(INTEGRATIONS).json["entities"][0]["id"]
    seq = org.last_seq
    _forbidden(org.get(INTEGRATIONS, mine), ["messaging:integration:view"])
    _forbidden(org.get(f"{INTEGRATIONS}/{iid}", mine), ["messaging:integration:view"])
    created = {"name": "n", "outboundNotificationWebhookUrl": "http://127.0.0.1:9/hook",
               "outboundNotificationWebhookSignatureSecretToken": "0123456789abcdef"}
    _forbidden(org.post(INTEGRATIONS, created, mine), ["messaging:integration:add"])
    _forbidden(org.patch(f"{INTEGRATIONS}/{iid}", {"name": "n"}, mine), ["messaging:integration:edit"])
    _forbidden(org.client.delete(f"{INTEGRATIONS}/{iid}", headers=mine), ["messaging:integration:delete"])
    channel = {"from": {"id": "c", "idType": "Opaque"}, "time": "2026-01-01T00:00:00.000Z"}
    inbound = f"/api/v2/conversations/messages/{iid}/inbound/open"
    _forbidden(org.post(f"{inbound}/message", {"channel": channel, "text": "hi"}, mine),
               ["conversation:message:receive"])
    _forbidden(org.post(f"{inbound}/event", {"channel": channel, "events": [{"eventType": "Typing"}]}, mine),
               ["conversation:message:receive"])
    _forbidden(org.post(f"{inbound}/receipt", {"id": "m", "channel": {"to": {"id": "c"}, "time": channel["time"]},
                                               "status": "Delivered"}, mine), ["conversation:message:receive"])
    assert org.events(seq) == []
    assert org.get(f"{INTEGRATIONS}/{iid}").json["name"] != "n"


def test_an_agent_reads_only_its_own_conversations(org, agents):
    a, b, qid = agents
    conv = org.create_chat(qid)
    cid = conv["id"]
    holder = org.alerting_user(cid)
    other = b if holder == a else a
    pid = org.participant_of(cid, holder, "alerting")["id"]
    org.answer(cid, pid, org.user_headers(holder))
    view = ["conversation:communication:view"]
    for path in (f"/api/v2/conversations/chats/{cid}", f"/api/v2/conversations/{cid}",
                 f"/api/v2/conversations/chats/{cid}/participants/{pid}/wrapupcodes",
                 f"/api/v2/conversations/chats/{cid}/participants/{pid}/wrapup"):
        assert org.get(path, org.user_headers(holder)).status_code == 200, path
        _forbidden(org.get(path, org.user_headers(other)), view)
        assert org.get(path).status_code == 200  # the integration reads any


def test_an_admin_user_and_the_switch_let_the_call_through(org, agents):
    a, b, qid = agents
    org.fake.org.users[a].admin = True
    r = org.patch(f"/api/v2/users/{b}/presences/purecloud", {"presenceDefinition": {"id": AVAILABLE_ID}},
                  org.user_headers(a))
    assert r.status_code == 200 and org.routing_status(b) == "OFF_QUEUE"
    org.fake.org.users[a].admin = False
    _forbidden(org.put(f"/api/v2/routing/queues/{qid}", {"name": "Renamed"}, org.user_headers(a)),
               ["routing:queue:edit"])
    org.fake.config = GenesysConfig(agent_token_permissions=False)
    r = org.put(f"/api/v2/routing/queues/{qid}", {"name": "Renamed"}, org.user_headers(a))
    assert r.status_code == 200 and r.json["name"] == "Renamed"
