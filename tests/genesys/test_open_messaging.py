"""Open Messaging in the Genesys fake: integrations, inbound messages raising an interaction in the integration's
queue, the agent's messages to the signed outbound webhook (retried on the virtual clock), the 72-hour window,
idempotent message ids, the customer leg disconnected by the integration, and the chat switch."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from genesys_org import Org, client_token

from omni_harness import contracts
from omni_harness.fakes.genesys.config import GenesysConfig, parse_media

INTEGRATIONS = "/api/v2/conversations/messaging/integrations/open"
SECRET = "a-secret-of-more-than-15-chars"
WORK_ITEM = "0Mw5i000000AbCdCAK"
HOUR = 3600.0


# -- a middleware's webhook receiver ----------------------------------------------------------------
HOLD = 0  # a status that makes the receiver hold the request instead of answering (the sender's timeout)


class Receiver:
    """A local HTTP endpoint that records every POST (headers and exact body bytes) and answers the statuses it
    is given, in order (200 once they run out); HOLD keeps the request unanswered until the receiver closes."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == HOLD:
                    receiver.released.wait(30)  # a deliberate hold: the middleware never answers in time
                    return
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


# -- helpers ----------------------------------------------------------------------------------------
def integration(org: Org, name: str = "Salesforce Messaging 1") -> dict[str, Any]:
    r = org.get(INTEGRATIONS)
    assert r.status_code == 200, r.json
    return next(i for i in r.json["entities"] if i["name"] == name)


def inbound(org: Org, integration_id: str, from_id: str = "meu-1", text: str | None = "Hello",
            message_id: str | None = None, work_item: str | None = WORK_ITEM, prefetch: bool = True,
            extra: dict[str, Any] | None = None):
    channel: dict[str, Any] = {"from": {"id": from_id, "idType": "Opaque", "nickname": "Pat Customer"},
                               "time": org.world.clock.iso()}
    if message_id:
        channel["messageId"] = message_id
    if work_item:
        channel["metadata"] = {"customAttributes": {"workItemId": work_item}}
    body: dict[str, Any] = {"channel": channel}
    if text is not None:
        body["text"] = text
    body |= extra or {}
    query = "?prefetchConversationId=true" if prefetch else ""
    return org.post(f"/api/v2/conversations/messages/{integration_id}/inbound/open/message{query}", body)


def message_conversation(org: Org, cid: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = org.get(f"/api/v2/conversations/messages/{cid}", headers)
    assert r.status_code == 200, r.json
    return r.json


def legs(org: Org, cid: str, purpose: str, state: str | None = None) -> list[dict[str, Any]]:
    return [p for p in message_conversation(org, cid)["participants"]
            if p["purpose"] == purpose and (state is None or p["state"] == state)]


def communication_id(org: Org, cid: str, pid: str) -> str:
    conv = org.get(f"/api/v2/conversations/{cid}").json
    return next(p for p in conv["participants"] if p["id"] == pid)["messages"][0]["id"]


def lease(org: Org, n: int = 1, queue: str = "Messaging Queue 1") -> tuple[str, list[str]]:
    users = org.user_ids[:n]
    qid = org.only_in_queue(queue, users)
    for u in users:
        org.set_presence(u)
    return qid, users


def pick_up(org: Org, cid: str, user_id: str) -> tuple[str, str, dict[str, str]]:
    """The user answers the alerting leg with their own token: (participant id, communication id, headers)."""
    headers = org.user_headers(user_id)
    leg = next(p for p in legs(org, cid, "agent", "alerting") if p["user"]["id"] == user_id)
    r = org.patch(f"/api/v2/conversations/messages/{cid}/participants/{leg['id']}", {"state": "connected"}, headers)
    assert r.status_code == 202, r.json
    return leg["id"], communication_id(org, cid, leg["id"]), headers


def set_webhook(org: Org, integration_id: str, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Salesforce Messaging 1", "outboundNotificationWebhookUrl": url,
                            "outboundNotificationWebhookSignatureSecretToken": SECRET}
    if headers:
        body["webhookHeaders"] = headers
    r = org.patch(f"{INTEGRATIONS}/{integration_id}", body)
    assert r.status_code == 200, r.json
    return r.json


def wait_delivery(org: Org, after: int, attempt: int = 1, timeout: float = 15.0) -> dict[str, Any]:
    """The `webhook.delivery` event of that attempt, waited for on the journal (the sender is a thread)."""
    deadline = time.monotonic() + timeout
    seq = after
    while (remaining := deadline - time.monotonic()) > 0:
        for entry in org.world.journal.wait(seq, remaining, kinds=("event",), source="genesys"):
            seq = entry.seq
            if entry.type == "webhook.delivery" and entry.data["attempt"] == attempt:
                return entry.data
    raise AssertionError(f"no webhook.delivery attempt {attempt} after #{after}")


def expected_signature(body: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


# -- integrations ------------------------------------------------------------------------------------
def test_seeded_integrations_route_to_their_pairs_queues(org):
    r = org.get(INTEGRATIONS)
    assert r.status_code == 200
    plan = org.world.plan
    by_name = {i["name"]: i for i in r.json["entities"]}
    assert r.json["total"] == len(plan.messaging_queue_pairs) >= 1
    for pair in plan.messaging_queue_pairs:
        seeded = by_name[pair.open_messaging_integration]
        assert seeded["createStatus"] == "Completed"
        assert seeded["recipient"]["id"] == org.queue_id(pair.genesys_name)
        assert seeded["outboundNotificationWebhookUrl"] == ""  # no webhook until one is set
    one = org.get(f"{INTEGRATIONS}?pageSize=1&pageNumber=2").json
    assert one["pageSize"] == 1 and one["pageNumber"] == 2 and len(one["entities"]) == 1
    assert one["entities"][0]["name"] == sorted(by_name)[1]


def test_create_is_asynchronous_then_patch_and_delete(org, receiver):
    org.fake.config = GenesysConfig(integration_create_seconds=2.0)
    body = {"name": "Middleware", "outboundNotificationWebhookUrl": receiver.url,
            "outboundNotificationWebhookSignatureSecretToken": SECRET, "webhookHeaders": {"X-Team": "omni"}}
    r = org.post(INTEGRATIONS, body)
    assert r.status_code == 200 and r.json["createStatus"] == "Initiated"
    iid = r.json["id"]
    assert org.get(f"{INTEGRATIONS}/{iid}").json["createStatus"] == "Initiated"
    # not ready yet: inbound messages are refused
    assert inbound(org, iid).status_code == 400
    before = org.last_seq
    org.advance(2)
    assert [e.data["change"] for e in org.events(before, "integration.changed")] == ["completed"]
    got = org.get(f"{INTEGRATIONS}/{iid}").json
    assert got["createStatus"] == "Completed" and got["webhookHeaders"] == {"X-Team": "omni"}
    assert "recipient" not in got  # created with the API: no flow
    patched = org.patch(f"{INTEGRATIONS}/{iid}", {"name": "Middleware 2"}).json
    assert patched["name"] == "Middleware 2" and patched["outboundNotificationWebhookUrl"] == receiver.url
    assert org.client.delete(f"{INTEGRATIONS}/{iid}", headers=org.headers).status_code == 204
    gone = org.get(f"{INTEGRATIONS}/{iid}")
    assert gone.status_code == 404 and gone.json["code"] == "not.found"


def test_create_needs_name_url_and_a_long_enough_secret(org):
    full = {"name": "M", "outboundNotificationWebhookUrl": "https://example.com/hook",
            "outboundNotificationWebhookSignatureSecretToken": SECRET}
    for missing in full:
        r = org.post(INTEGRATIONS, {k: v for k, v in full.items() if k != missing})
        assert r.status_code == 400 and r.json["code"] == "bad.request"
        assert r.json["details"][0]["fieldName"] == missing
    short = org.post(INTEGRATIONS, full | {"outboundNotificationWebhookSignatureSecretToken": "x" * 15})
    assert short.status_code == 400 and short.json["code"] == "invalid.value"
    assert "x" * 15 not in short.json["message"]  # a secret is not echoed
    assert org.post(INTEGRATIONS, full | {"outboundNotificationWebhookSignatureSecretToken": "x" * 16}).status_code == 200


def test_an_integration_gets_its_flow_from_the_control_api(org):
    qid, (a,) = lease(org, 1, "Messaging Queue 2")
    created = org.post(INTEGRATIONS, {"name": "Own", "outboundNotificationWebhookUrl": "https://example.com/h",
                                      "outboundNotificationWebhookSignatureSecretToken": SECRET}).json
    no_flow = inbound(org, created["id"])
    assert no_flow.status_code == 400 and "flow" in no_flow.json["message"]
    r = org.client.post(f"/_fake/genesys/integrations/open/{created['id']}/flow", json={"queueId": qid})
    assert r.status_code == 200 and r.json["recipient"]["id"] == qid
    cid = inbound(org, created["id"]).json["conversationId"]
    assert [p["user"]["id"] for p in legs(org, cid, "agent", "alerting")] == [a]
    assert org.client.post("/_fake/genesys/integrations/open/nope/flow", json={"queueId": qid}).status_code == 404
    assert org.client.post(f"/_fake/genesys/integrations/open/{created['id']}/flow",
                           json={"queueId": "nope"}).status_code == 404


# -- inbound -----------------------------------------------------------------------------------------
def test_inbound_message_alerts_an_on_queue_agent_with_the_work_item(org):
    qid, (a,) = lease(org)
    assert org.put(f"/api/v2/routing/queues/{qid}", {
        "name": "Messaging Queue 1", "mediaSettings": {"message": {"alertingTimeoutSeconds": 45}}}).status_code == 200
    iid = integration(org)["id"]
    r = inbound(org, iid, message_id="psr-1", extra={"metadata": {"origin": "web"}})
    assert r.status_code == 200
    answer = r.json
    assert answer["type"] == "Text" and answer["text"] == "Hello" and answer["channel"]["id"] == iid
    assert answer["channel"]["messageId"] == "psr-1"
    cid = answer["conversationId"]
    conv = message_conversation(org, cid)
    customer = next(p for p in conv["participants"] if p["purpose"] == "customer")
    assert customer["type"] == "open" and customer["state"] == "connected"
    # custom attributes from channel.metadata.customAttributes and from the top-level metadata map
    assert customer["attributes"] == {"workItemId": WORK_ITEM, "origin": "web"}
    assert customer["fromAddress"]["addressNormalized"] == "meu-1"
    assert [m["messageId"] for m in customer["messages"]] == [answer["id"]]
    acd = next(p for p in conv["participants"] if p["purpose"] == "acd")
    assert acd["queue"]["id"] == qid and acd["state"] == "connected"  # until the agent answers
    agent = legs(org, cid, "agent", "alerting")
    assert [p["user"]["id"] for p in agent] == [a] and agent[0]["alertingTimeoutMs"] == 45000
    assert org.routing_status(a) == "INTERACTING"
    # the generic conversation carries the same work item
    generic = org.get(f"/api/v2/conversations/{cid}").json
    assert next(p for p in generic["participants"] if p["purpose"] == "customer")["attributes"]["workItemId"] == WORK_ITEM
    # the queue's message alerting timeout, not the chat one
    org.advance(44)
    assert legs(org, cid, "agent", "alerting")
    org.advance(1)
    assert not legs(org, cid, "agent", "alerting") and org.routing_status(a) == "NOT_RESPONDING"
    # without prefetch the answer has no conversation id
    assert "conversationId" not in inbound(org, iid, from_id="meu-2", prefetch=False).json


def test_alert_notifications_carry_the_customer_message(org):
    _, (a,) = lease(org)
    before = org.last_seq
    answer = inbound(org, integration(org)["id"]).json
    alerting = [e for e in org.events(before, "conversation.changed") if e.data["change"] == "participant.alerting"]
    assert len(alerting) == 1
    topics = {t["topicName"]: t["eventBody"] for t in alerting[0].data["topics"]}
    body = topics[f"v2.users.{a}.conversations.messages"]
    customer = next(p for p in body["participants"] if p["purpose"] == "customer")
    assert [m["message"]["id"] for m in customer["messages"]] == [answer["id"]]
    assert f"v2.routing.queues.{org.queue_id('Messaging Queue 1')}.conversations.messages" in topics


def test_inbound_bad_input(org):
    iid = integration(org)["id"]
    unknown = inbound(org, "00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 404 and unknown.json["code"] == "not.found"
    neither = inbound(org, iid, text=None)
    assert neither.status_code == 400 and neither.json["code"] == "bad.request"
    assert "should have required property 'content'" in neither.json["message"]
    path = f"/api/v2/conversations/messages/{iid}/inbound/open/message"
    bad_type = org.post(path, {"channel": {"from": {"id": "x", "idType": "Twitter"}, "time": org.world.clock.iso()},
                               "text": "hi"})
    assert bad_type.status_code == 400 and bad_type.json["code"] == "invalid.value"
    assert "Twitter" in bad_type.json["message"]
    no_time = org.post(path, {"channel": {"from": {"id": "x", "idType": "Opaque"}}, "text": "hi"})
    assert no_time.status_code == 400 and no_time.json["details"][0]["fieldName"] == "channel.time"
    # custom attributes in the top-level metadata must be strings (the 269 model's string map)
    nested = org.post(path, {"channel": {"from": {"id": "x", "idType": "Opaque"}, "time": org.world.clock.iso()},
                             "text": "hi", "metadata": {"customAttributes": {"workItemId": WORK_ITEM}}})
    assert nested.status_code == 400 and nested.json["code"] == "bad.request"
    assert org.fake.conversations.by_id == {}


def test_inbound_event_and_receipt(org):
    iid = integration(org)["id"]
    now = org.world.clock.iso()
    event = org.post(f"/api/v2/conversations/messages/{iid}/inbound/open/event",
                     {"channel": {"from": {"id": "meu-1", "idType": "Opaque"}, "time": now},
                      "events": [{"eventType": "Typing"}]})
    assert event.status_code == 200 and event.json["type"] == "Event"
    assert event.json["events"][0]["typing"]["type"] == "On"
    receipt = org.post(f"/api/v2/conversations/messages/{iid}/inbound/open/receipt",
                       {"id": "m-1", "channel": {"to": {"id": "meu-1"}, "time": now}, "status": "Delivered",
                        "direction": "Outbound"})
    assert receipt.status_code == 200 and receipt.json["status"] == "Delivered"
    assert receipt.json["direction"] == "Outbound"
    bad = org.post(f"/api/v2/conversations/messages/{iid}/inbound/open/receipt",
                   {"id": "m-1", "channel": {"to": {"id": "meu-1"}, "time": now}, "status": "Read"})
    assert bad.status_code == 400 and bad.json["code"] == "invalid.value"


def test_a_repeated_message_id_raises_one_interaction(org):
    lease(org, 2)
    iid = integration(org)["id"]
    before = org.last_seq
    first = inbound(org, iid, message_id="psr-1")
    again = inbound(org, iid, message_id="psr-1")
    assert again.status_code == 200 and again.json == first.json
    cid = first.json["conversationId"]
    assert len(org.fake.conversations.by_id) == 1
    assert len(org.fake.conversations.by_id[cid].messages) == 1
    created = [e for e in org.events(before, "conversation.changed") if e.data["change"] == "created"]
    alerts = [e for e in org.events(before, "conversation.changed") if e.data["change"] == "participant.alerting"]
    assert len(created) == 1 and len(alerts) == 1
    # another message id from the same customer joins the active conversation: no second interaction either
    joined = inbound(org, iid, message_id="psr-2", text="Still there?")
    assert joined.json["conversationId"] == cid and len(org.fake.conversations.by_id[cid].messages) == 2
    assert len(legs(org, cid, "agent")) == 1


# -- agent side and the webhook ----------------------------------------------------------------------
def test_agent_message_reaches_the_webhook_signed(org, receiver):
    _, (a,) = lease(org)
    iid = integration(org)["id"]
    set_webhook(org, iid, receiver.url, {"X-Middleware-Key": "k-1"})
    cid = inbound(org, iid).json["conversationId"]
    pid, comm, headers = pick_up(org, cid, a)
    before = org.last_seq
    sent = org.post(f"/api/v2/conversations/messages/{cid}/communications/{comm}/messages",
                    {"textBody": "Hi, how can I help?"}, headers)
    assert sent.status_code == 200
    data = sent.json
    assert "textBody" not in data and data["normalizedMessage"]["text"] == "Hi, how can I help?"
    assert data["direction"] == "outbound" and data["messengerType"] == "open" and data["conversationId"] == cid
    got = org.get(f"/api/v2/conversations/messages/{cid}/messages/{data['id']}")
    assert got.status_code == 200 and got.json["normalizedMessage"]["text"] == "Hi, how can I help?"
    delivery = wait_delivery(org, before)
    assert delivery["status"] == "delivered" and delivery["httpStatus"] == 200 and delivery["messageId"] == data["id"]
    (hook_headers, raw), = receiver.received
    assert hook_headers["x-hub-signature-256"] == expected_signature(raw)
    assert hook_headers["x-middleware-key"] == "k-1" and hook_headers["content-type"] == "application/json"
    body = json.loads(raw)
    contracts.validate("genesys", "open-outbound-webhook-message", body)
    assert body["type"] == "Text" and body["text"] == "Hi, how can I help?" and body["direction"] == "Outbound"
    assert body["channel"]["to"]["id"] == "meu-1" and body["channel"]["from"]["id"] == iid
    assert body["id"] == data["id"]
    agent = next(p for p in legs(org, cid, "agent") if p["id"] == pid)
    assert [m["messageId"] for m in agent["messages"]] == [data["id"]]
    # typing: 202, an Event body on the webhook, nothing kept
    before = org.last_seq
    typing = org.post(f"/api/v2/conversations/messages/{cid}/communications/{comm}/typing",
                      {"typing": {"type": "On"}}, headers)
    assert typing.status_code == 202
    assert wait_delivery(org, before)["type"] == "Event"
    event_body = json.loads(receiver.received[1][1])
    contracts.validate("genesys", "open-outbound-webhook-message", event_body)
    assert event_body["events"][0]["eventType"] == "Typing"
    assert len(org.fake.conversations.by_id[cid].messages) == 2
    # the middleware's receipt marks the message delivered
    receipt = org.post(f"/api/v2/conversations/messages/{iid}/inbound/open/receipt",
                       {"id": data["id"], "channel": {"to": {"id": "meu-1"}, "time": org.world.clock.iso()},
                        "status": "Delivered", "isFinalReceipt": True})
    assert receipt.status_code == 200
    assert org.get(f"/api/v2/conversations/messages/{cid}/messages/{data['id']}").json["status"] == "delivery-success"
    # the agent disconnecting sends nothing to the webhook (there is no such event)
    org.patch(f"/api/v2/conversations/messages/{cid}/participants/{pid}", {"state": "disconnected"}, headers)
    assert len(receiver.received) == 2


def test_only_a_connected_agent_leg_may_send(org):
    _, (a,) = lease(org)
    iid = integration(org)["id"]
    cid = inbound(org, iid).json["conversationId"]
    alerting = legs(org, cid, "agent", "alerting")[0]
    comm = communication_id(org, cid, alerting["id"])
    path = f"/api/v2/conversations/messages/{cid}/communications/{comm}/messages"
    refused = org.post(path, {"textBody": "too early"}, org.user_headers(a))
    assert refused.status_code == 400 and refused.json["code"] == "conversation.error.participant.no.active.conversations"
    customer_comm = communication_id(org, cid, legs(org, cid, "customer")[0]["id"])
    customer = org.post(f"/api/v2/conversations/messages/{cid}/communications/{customer_comm}/messages",
                        {"textBody": "as the customer"})
    assert customer.status_code == 400
    _, comm, headers = pick_up(org, cid, a)
    long = org.post(f"/api/v2/conversations/messages/{cid}/communications/{comm}/messages", {"textBody": "x" * 2001},
                    headers)
    assert long.status_code == 400 and long.json["code"] == "invalid.value"
    other = org.user_headers(org.user_ids[1])
    assert org.post(f"/api/v2/conversations/messages/{cid}/communications/{comm}/messages", {"textBody": "hi"},
                    other).status_code == 403
    # no webhook URL on the seeded integration: the message is only kept
    before = org.last_seq
    assert org.post(f"/api/v2/conversations/messages/{cid}/communications/{comm}/messages", {"textBody": "hi"},
                    headers).status_code == 200
    assert org.events(before, "webhook.delivery") == []


def test_webhook_retries_on_503_on_the_clock_then_gives_up_on_4xx(org, receiver):
    _, (a,) = lease(org)
    iid = integration(org)["id"]
    set_webhook(org, iid, receiver.url)
    cid = inbound(org, iid).json["conversationId"]
    _, comm, headers = pick_up(org, cid, a)
    receiver.statuses = [503, 503]
    before = org.last_seq
    sent = org.post(f"/api/v2/conversations/messages/{cid}/communications/{comm}/messages", {"textBody": "one"},
                    headers).json
    first = wait_delivery(org, before, 1)
    assert first["status"] == "retrying" and first["httpStatus"] == 503
    assert len(receiver.received) == 1
    org.advance(4.9)  # the retry is 5 s later on the clock
    assert len(receiver.received) == 1 and org.events(before, "webhook.delivery")[-1].data["attempt"] == 1
    org.advance(0.1)
    assert wait_delivery(org, before, 2)["status"] == "retrying"
    org.advance(5)
    third = wait_delivery(org, before, 3)
    assert third["status"] == "delivered" and len(receiver.received) == 3
    assert len({raw for _, raw in receiver.received}) == 1  # the same body (and signature) each time
    assert all(h["x-hub-signature-256"] == expected_signature(raw) for h, raw in receiver.received)
    assert org.get(f"/api/v2/conversations/messages/{cid}/messages/{sent['id']}").json["status"] == "sent"
    # always 500: the first try and 5 retries, then the message is failed
    receiver.statuses = [500] * 6
    before = org.last_seq
    failed = org.post(f"/api/v2/conversations/messages/{cid}/communications/{comm}/messages", {"textBody": "two"},
                      headers).json
    for attempt in range(1, 6):
        assert wait_delivery(org, before, attempt)["status"] == "retrying"
        org.advance(5)
    assert wait_delivery(org, before, 6)["status"] == "failed"
    org.advance(60)
    assert len(org.events(before, "webhook.delivery")) == 6
    assert org.get(f"/api/v2/conversations/messages/{cid}/messages/{failed['id']}").json["status"] == "failed"
    # a 4xx other than 429 is not retried
    receiver.statuses = [400]
    before = org.last_seq
    org.post(f"/api/v2/conversations/messages/{cid}/communications/{comm}/messages", {"textBody": "three"}, headers)
    assert wait_delivery(org, before, 1)["status"] == "failed"
    org.advance(60)
    assert len(org.events(before, "webhook.delivery")) == 1


def test_webhook_retries_a_timeout(org, receiver):
    org.fake.config = GenesysConfig(webhook_timeout_seconds=0.3)
    _, (a,) = lease(org)
    iid = integration(org)["id"]
    set_webhook(org, iid, receiver.url)
    cid = inbound(org, iid).json["conversationId"]
    _, comm, headers = pick_up(org, cid, a)
    receiver.statuses = [HOLD]
    before = org.last_seq
    org.post(f"/api/v2/conversations/messages/{cid}/communications/{comm}/messages", {"textBody": "one"}, headers)
    first = wait_delivery(org, before, 1)
    assert first["status"] == "retrying" and first["httpStatus"] is None and first["error"] == "timeout"
    org.advance(5)
    assert wait_delivery(org, before, 2)["status"] == "delivered"


def test_agent_token_may_not_transfer_an_externally_routed_message(org):
    qid, (a, b) = lease(org, 2)
    cid = inbound(org, integration(org)["id"]).json["conversationId"]
    alerted = legs(org, cid, "agent", "alerting")[0]["user"]["id"]
    pid, _, headers = pick_up(org, cid, alerted)
    other = b if alerted == a else a
    refused = org.post(f"/api/v2/conversations/messages/{cid}/participants/{pid}/replace", {"userId": other}, headers)
    assert refused.status_code == 403 and refused.json["code"] == "conversation.error.transfer.not.allowed"
    # the integration's own token may
    assert org.post(f"/api/v2/conversations/messages/{cid}/participants/{pid}/replace",
                    {"userId": other}).status_code == 202
    assert [p["user"]["id"] for p in legs(org, cid, "agent", "alerting")] == [other]


def test_a_deleted_integration_leaves_its_conversations_working(org, receiver):
    _, (a,) = lease(org)
    iid = integration(org)["id"]
    set_webhook(org, iid, receiver.url)
    cid = inbound(org, iid).json["conversationId"]
    _, comm, headers = pick_up(org, cid, a)
    assert org.client.delete(f"{INTEGRATIONS}/{iid}", headers=org.headers).status_code == 204
    sent = org.post(f"/api/v2/conversations/messages/{cid}/communications/{comm}/messages", {"textBody": "hi"},
                    headers)
    assert sent.status_code == 200 and receiver.received == []
    assert inbound(org, iid).status_code == 404


# -- the customer leaving, coming back, and the 72-hour window ---------------------------------------
def _finish(org: Org, cid: str, user_id: str, pid: str, headers: dict[str, str]) -> None:
    """The integration disconnects the customer leg, the agent disconnects and wraps up."""
    customer = legs(org, cid, "customer")[0]
    r = org.patch(f"/api/v2/conversations/messages/{cid}/participants/{customer['id']}", {"state": "disconnected"})
    assert r.status_code == 202, r.json
    org.patch(f"/api/v2/conversations/messages/{cid}/participants/{pid}", {"state": "disconnected"}, headers)
    codes = org.get(f"/api/v2/conversations/messages/{cid}/participants/{pid}/wrapupcodes", headers).json
    r = org.patch(f"/api/v2/conversations/messages/{cid}/participants/{pid}", {"wrapup": {"code": codes[0]["id"]}},
                  headers)
    assert r.status_code == 202 and org.routing_status(user_id) == "IDLE"


def test_customer_leg_disconnected_by_the_integration_leaves_the_agent_connected(org):
    _, (a,) = lease(org)
    cid = inbound(org, integration(org)["id"]).json["conversationId"]
    pid, _, headers = pick_up(org, cid, a)
    customer = legs(org, cid, "customer")[0]
    path = f"/api/v2/conversations/messages/{cid}/participants/{customer['id']}"
    assert org.patch(path, {"state": "disconnected"}, headers).status_code == 403  # not the agent's own leg
    assert org.patch(path, {"state": "disconnected"}).status_code == 202
    assert legs(org, cid, "customer")[0]["state"] == "disconnected"
    assert legs(org, cid, "agent", "connected")[0]["id"] == pid
    assert org.get(f"/api/v2/conversations/{cid}").json["state"] == "connected"
    org.patch(f"/api/v2/conversations/messages/{cid}/participants/{pid}", {"state": "disconnected"}, headers)
    assert org.get(f"/api/v2/conversations/{cid}").json["state"] == "disconnected"


def test_a_returning_customer_within_72_hours_is_routed_to_the_same_conversation(org):
    qid, (a,) = lease(org)
    iid = integration(org)["id"]
    cid = inbound(org, iid, message_id="psr-1").json["conversationId"]
    pid, _, headers = pick_up(org, cid, a)
    _finish(org, cid, a, pid, headers)
    assert org.fake.conversations.by_id[cid].ended
    org.advance(71 * HOUR)
    org.token = client_token(org.fake, org.client)  # the day-old tokens have expired
    org.set_presence(a)
    before = org.last_seq
    again = inbound(org, iid, message_id="psr-2", work_item="0Mw5i000000XyZaCAK")
    assert again.status_code == 200 and again.json["conversationId"] == cid
    assert [e.data["change"] for e in org.events(before, "conversation.changed")][:2] == ["rerouted",
                                                                                          "participant.alerting"]
    customer = legs(org, cid, "customer")[0]
    assert customer["state"] == "connected" and customer["attributes"]["workItemId"] == "0Mw5i000000XyZaCAK"
    assert [p["queue"]["id"] for p in legs(org, cid, "acd")] == [qid, qid]
    alerting = legs(org, cid, "agent", "alerting")
    assert [p["user"]["id"] for p in alerting] == [a] and alerting[0]["id"] != pid
    pid2, _, headers = pick_up(org, cid, a)
    _finish(org, cid, a, pid2, headers)
    # more than 72 hours later: a new conversation
    org.advance(72 * HOUR + 1)
    org.token = client_token(org.fake, org.client)
    org.set_presence(a)
    later = inbound(org, iid, message_id="psr-3").json["conversationId"]
    assert later != cid and legs(org, later, "agent", "alerting")


# -- the media switch --------------------------------------------------------------------------------
def test_with_chat_off_the_chat_routes_answer_as_an_unknown_path(org):
    qid = org.queue_id("Chat Queue 1")
    assert org.post("/api/v2/conversations/chats", {"queueId": qid, "provider": "p"}).status_code == 200
    org.fake.config = GenesysConfig(media=parse_media("messaging"))
    unknown = org.get("/api/v2/no/such/path")
    for r in (org.post("/api/v2/conversations/chats", {"queueId": qid, "provider": "p"}),
              org.get("/api/v2/conversations/chats"),
              org.get(f"/api/v2/conversations/chats/{org.user_ids[0]}/participants")):
        assert r.status_code == 404
        assert {k: v for k, v in r.json.items() if k != "contextId"} == \
            {k: v for k, v in unknown.json.items() if k != "contextId"}
    assert org.get(INTEGRATIONS).status_code == 200
    served = org.get("/api/v2/conversations/messages")  # served: a client token is refused as for any user listing
    assert served.status_code == 400 and served.json["code"] == "not.a.user"
    assert parse_media("both") == ("chat", "messaging") and parse_media("chat") == ("chat",)
    with pytest.raises(ValueError):
        parse_media("voice")
