"""Customer actions on the control API: a chat arrives in a queue, the customer writes, the customer leaves."""

from __future__ import annotations

import pytest


def test_a_chat_arrives_as_visitor_transcript_and_external_routing_request(org):
    mark = org.mark()
    r = org.client.post("/_fake/customers/chats", json={"queue": "Chat_Queue_2", "customerName": "Ann", "text": "Hi"})
    assert r.status_code == 201
    item, psr = r.json["workItemId"], r.json["pendingServiceRoutingId"]
    assert item.startswith("570") and psr.startswith("0JR") and len(item) == len(psr) == 18
    transcript = org.record(item)
    visitor = org.record(transcript["LiveChatVisitorId"])
    assert visitor is not None and visitor["Id"].startswith("571")
    assert org.record(psr)["GroupId"] == org.queue_id("Chat_Queue_2")
    changes = org.changes(mark)
    assert all(data["commitUser"] == org.fake.automated_process_user_id for _, _, data in changes)
    assert [e.data for e in org.events(mark, "chat.message")] == [
        {"workItemId": item, "from": "customer", "text": "Hi"}]
    view = org.client.get(f"/_fake/customers/chats/{item[:15]}").json
    assert view["status"] == "Waiting" and view["customerName"] == "Ann"
    assert view["messages"][0]["from"] == "customer" and view["messages"][0]["text"] == "Hi"


@pytest.mark.parametrize("queue", ["Chat_Queue_1", "Chat Queue 1", "chat_queue_1"])
def test_queue_by_developer_name_or_label(org, queue):
    r = org.client.post("/_fake/customers/chats", json={"queue": queue})
    assert r.status_code == 201
    assert org.record(r.json["pendingServiceRoutingId"])["GroupId"] == org.queue_id("Chat_Queue_1")


def test_queue_by_id(org):
    r = org.client.post("/_fake/customers/chats", json={"queue": org.queue_id()[:15]})
    assert r.status_code == 201


def test_messages_and_leave(org):
    chat = org.customer_chat(text=None)
    mark = org.mark()
    r = org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/messages", json={"text": "anyone?"})
    assert r.status_code == 201 and r.json == {"workItemId": chat["workItemId"], "messages": 1}
    assert org.changes(mark) == []  # messages live in the chat, not in record changes
    assert org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/leave").status_code == 200
    r = org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/messages", json={"text": "late"})
    assert r.status_code == 409 and r.json["error"] == "conflict"
    assert org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/leave").status_code == 409


@pytest.mark.parametrize("body, status", [
    ({}, 400), ({"queue": ""}, 400), ({"queue": 5}, 400), ({"queue": "No_Such"}, 404),
    ({"queue": "Chat_Queue_1", "text": ""}, 400), ({"queue": "Chat_Queue_1", "customerName": 3}, 400),
])
def test_bad_chat_requests(org, body, status):
    r = org.client.post("/_fake/customers/chats", json=body)
    assert r.status_code == status
    assert set(r.json) == {"error", "message"}


def test_bad_json_and_unknown_chats(org):
    r = org.client.post("/_fake/customers/chats", data="{x", content_type="application/json")
    assert r.status_code == 400
    r = org.client.post("/_fake/customers/chats", json=["Chat_Queue_1"])
    assert r.status_code == 400
    for path in ("/_fake/customers/chats/nope/messages", "/_fake/customers/chats/5705i00000009ZZ/leave"):
        assert org.client.post(path, json={"text": "x"}).status_code == 404
    assert org.client.get("/_fake/customers/chats/0055i0000000001AAA").status_code == 404
    chat = org.customer_chat()
    assert org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/messages", json={}).status_code == 400


def test_chats_only_in_externally_routed_queues(org):
    queue = org.queue_id()
    config = org.record(queue)["QueueRoutingConfigId"]
    with org.fake.transaction() as tx:
        tx.update(org.fake.store.get(config), {"RoutingModel": "MostAvailable"})
    r = org.client.post("/_fake/customers/chats", json={"queue": "Chat_Queue_1"})
    assert r.status_code == 400
