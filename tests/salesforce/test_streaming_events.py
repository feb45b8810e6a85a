"""Streaming events over CometD: Change Data Capture payloads of a whole external-routing chat, PushTopics,
replay, retention, client expiry and event faults, all on the virtual clock and the org's journal."""

from __future__ import annotations

import time
from typing import Any

import pytest
from cometd_client import Bayeux, streaming_org

from omni_harness import contracts
from omni_harness.fakes.core import World

API = "/services/data/v67.0"
CDC_ENTITIES = {"PendingServiceRouting", "AgentWork", "UserServicePresence", "LiveChatTranscript"}


class Org:
    """The org behind the fake, driven as the customer, the agent's console and the integration's REST calls."""

    def __init__(self, world: World, fake: Any, http: Any, token: str) -> None:
        self.world, self.fake, self.http, self.token = world, fake, http, token
        self.headers = {"Authorization": f"Bearer {token}"}
        self.agent = fake.user_id_for(world.plan.people[0].email)

    def rest(self, method: str, path: str, **kw: Any) -> Any:
        response = self.http.open(API + path, method=method, headers=self.headers, **kw)
        assert response.status_code < 300, response.get_data(as_text=True)
        return response.get_json()

    def console(self, method: str, **body: Any) -> Any:
        response = self.http.post(f"/omni-toolkit/v1/users/{self.agent}/{method}", json=body, headers=self.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def online(self) -> None:
        query = "SELECT Id FROM ServicePresenceStatus WHERE DeveloperName = 'Online'"
        status_id = self.rest("GET", "/query", query_string={"q": query})["records"][0]["Id"]
        self.console("setServicePresenceStatus", statusId=status_id)

    def chat(self) -> dict[str, str]:
        response = self.http.post("/_fake/customers/chats", json={
            "queue": self.world.plan.queue_pairs[0].salesforce_developer_name, "customerName": "Ann", "text": "Hi"})
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    def insert_work(self, chat: dict[str, str]) -> str:
        psr = self.rest("GET", f"/sobjects/PendingServiceRouting/{chat['pendingServiceRoutingId']}")
        return self.rest("POST", "/sobjects/AgentWork", json={
            "ServiceChannelId": psr["ServiceChannelId"], "WorkItemId": chat["workItemId"], "UserId": self.agent,
            "PendingServiceRoutingId": psr["Id"]})["id"]

    def subscriber(self) -> Bayeux:
        """A streaming client of the current session, started (handshake and first connect)."""
        bayeux = Bayeux(self.http, self.token, check_requests=True)
        bayeux.open()
        return bayeux

    def accepted_chat(self) -> tuple[dict[str, str], str]:
        """The agent Online, a customer chat, its AgentWork inserted and accepted in the console: (chat, work id)."""
        self.online()
        chat = self.chat()
        work_id = self.insert_work(chat)
        self.console("acceptAgentWork", workId=work_id)
        return chat, work_id

    def renew(self) -> str:
        """A fresh session (sessions expire on the virtual clock too)."""
        self.token = self.fake.sessions.issue(self.fake.integration_user_id, "oauth").token
        self.headers = {"Authorization": f"Bearer {self.token}"}
        return self.token

    def changes(self, after: int = 0) -> list[dict[str, Any]]:
        """The journal's `sobject.change` events of the CDC-selected objects."""
        return [e.data for e in self.world.journal.since(after) if e.type == "sobject.change"
                and e.data["entity"] in CDC_ENTITIES]


@pytest.fixture(scope="module")
def org_app():
    with streaming_org(seed=7) as served:
        yield served


@pytest.fixture
def org(org_app):
    world, fake, http = org_app
    world.reset()
    fake.streaming.config.hold_seconds = 0.1
    token = fake.sessions.issue(fake.integration_user_id, "oauth").token
    yield Org(world, fake, http, token)
    # Every streaming.client event of the test fits its contract.
    for entry in world.journal.since(0):
        if entry.type == "streaming.client":
            contracts.validate("salesforce", "cometd-client-event", entry.data)


def header(message: dict[str, Any]) -> dict[str, Any]:
    return message["data"]["payload"]["ChangeEventHeader"]


def summary(messages: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(header(m)["entityName"], header(m)["changeType"], header(m)["recordIds"][0]) for m in messages]


# -- payloads --------------------------------------------------------------------------------------------

def test_a_whole_chat_arrives_in_order_with_full_change_event_headers(org):
    bayeux = org.subscriber()
    bayeux.subscribe("/data/ChangeEvents")
    since = org.world.journal.last_seq
    chat, work_id = org.accepted_chat()
    org.console("closeAgentWork", workId=work_id)
    org.console("logout")
    events = bayeux.drain()
    journal = org.changes(since)
    assert summary(events) == [(c["entity"], c["changeType"], c["recordId"]) for c in journal]
    flow = summary(events)
    psr, item = chat["pendingServiceRoutingId"], chat["workItemId"]
    for step in [("UserServicePresence", "CREATE"), ("PendingServiceRouting", "CREATE", psr),
                 ("PendingServiceRouting", "UPDATE", psr), ("AgentWork", "CREATE", work_id),
                 ("AgentWork", "UPDATE", work_id), ("PendingServiceRouting", "DELETE", psr),
                 ("LiveChatTranscript", "UPDATE", item), ("UserServicePresence", "UPDATE")]:
        assert any(f[:len(step)] == step for f in flow), f"{step} missing from {flow}"
    replay_ids = [m["data"]["event"]["replayId"] for m in events]
    assert replay_ids == sorted(set(replay_ids))
    assert all(b - a > 1 for a, b in zip(replay_ids, replay_ids[1:], strict=False)), "replay ids must not be contiguous"
    by_txn: dict[str, list[dict[str, Any]]] = {}
    for message, change in zip(events, journal, strict=True):
        h = header(message)
        assert h["transactionKey"] == change["transactionKey"]
        assert h["commitUser"] == change["commitUser"] and h["changeOrigin"] == change["changeOrigin"]
        by_txn.setdefault(h["transactionKey"], []).append(h)
    for headers in by_txn.values():
        assert [h["sequenceNumber"] for h in headers] == list(range(1, len(headers) + 1))
        assert [h["isTransactionEnd"] for h in headers] == [False] * (len(headers) - 1) + [True]
        assert len({(h["commitNumber"], h["commitTimestamp"]) for h in headers}) == 1
    commit_numbers = [hs[0]["commitNumber"] for hs in by_txn.values()]
    assert commit_numbers == sorted(set(commit_numbers))
    opened = next(m for m in events if header(m)["entityName"] == "AgentWork"
                  and m["data"]["payload"].get("Status") == "Opened")
    assert "Status" in header(opened)["changedFields"] and "LastModifiedDate" in header(opened)["changedFields"]


def test_create_carries_every_non_empty_field_update_the_changed_ones_delete_none(org):
    bayeux = org.subscriber()
    bayeux.subscribe("/data/PendingServiceRoutingChangeEvent")
    chat, _ = org.accepted_chat()
    created, pushed, deleted = bayeux.drain()
    record = org.fake.get_record(None, chat["pendingServiceRoutingId"]) or {}
    payload = created["data"]["payload"]
    assert header(created)["changeType"] == "CREATE" and header(created)["changedFields"] == []
    assert "Id" not in payload and "IsDeleted" not in payload and "SystemModstamp" not in payload
    assert payload["RoutingModel"] == "ExternalRouting" and payload["IsPushed"] is False
    assert all(value is not None for value in payload.values())
    assert payload["CreatedDate"].endswith("Z")
    assert header(created)["commitTimestamp"] > 1_000_000_000_000  # epoch milliseconds
    h = header(pushed)
    assert h["changeType"] == "UPDATE" and "IsPushed" in h["changedFields"]
    assert set(pushed["data"]["payload"]) == {"ChangeEventHeader", *h["changedFields"]}
    assert pushed["data"]["payload"]["IsPushed"] is True
    assert header(deleted)["changeType"] == "DELETE"
    assert deleted["data"]["payload"] == {"ChangeEventHeader": header(deleted)}
    assert record == {} or record.get("IsDeleted") is True


def test_each_entity_channel_carries_only_its_entity_and_ids_are_shared_with_change_events(org):
    all_events, works = org.subscriber(), org.subscriber()
    all_events.subscribe("/data/ChangeEvents")
    works.subscribe("/data/AgentWorkChangeEvent")
    org.accepted_chat()
    everything, only_work = all_events.drain(), works.drain()
    assert {header(m)["entityName"] for m in only_work} == {"AgentWork"}
    assert all(m["channel"] == "/data/AgentWorkChangeEvent" for m in only_work)
    shared = [m["data"] for m in everything if header(m)["entityName"] == "AgentWork"]
    assert [m["data"] for m in only_work] == shared


def test_the_external_routing_channel_applies_the_guide_member_filters(org):
    bayeux = org.subscriber()
    assert bayeux.subscribe("/data/ExternalRoutingChannel__chn")["successful"] is True
    org.accepted_chat()
    got = [(h["entityName"], h["changeType"]) for h in map(header, bayeux.drain())]
    assert ("UserServicePresence", "CREATE") in got
    assert ("AgentWork", "CREATE") not in got and ("AgentWork", "UPDATE") in got
    assert [g for g in got if g[0] == "PendingServiceRouting"] == [
        ("PendingServiceRouting", "CREATE"), ("PendingServiceRouting", "UPDATE"), ("PendingServiceRouting", "DELETE")]
    assert not any(g[0] == "LiveChatTranscript" for g in got)


# -- replay ----------------------------------------------------------------------------------------------

def test_replay_all_and_replay_after_a_stored_id(org):
    org.chat()
    org.chat()
    first = org.subscriber()
    assert first.subscribe("/data/ChangeEvents", -2)["successful"] is True
    retained = first.drain()
    assert len(retained) == 4
    later = org.subscriber()
    later.subscribe("/data/ChangeEvents", retained[1]["data"]["event"]["replayId"])
    assert [m["data"] for m in later.drain()] == [m["data"] for m in retained[2:]]
    newest = org.subscriber()
    newest.subscribe("/data/ChangeEvents", -1)
    assert newest.drain() == []
    journal = [e.data for e in org.world.journal.since(0) if e.type == "streaming.client"
               and e.data["action"] == "subscribe"]
    assert [e["replayId"] for e in journal] == [-2, retained[1]["data"]["event"]["replayId"], -1]


def test_retention_runs_on_the_virtual_clock(org):
    org.chat()
    keep = org.subscriber()
    keep.subscribe("/data/ChangeEvents", -2)
    [_, psr] = keep.drain()
    stored = psr["data"]["event"]["replayId"]
    org.world.clock.advance(71 * 3600)
    org.renew()
    again = org.subscriber()
    again.subscribe("/data/ChangeEvents", -2)
    assert len(again.drain()) == 2
    org.world.clock.advance(2 * 3600)
    org.chat()  # retention is applied as the bus moves on
    org.renew()
    late = org.subscriber()
    late.subscribe("/data/ChangeEvents", -2)
    assert [header(m)["changeType"] for m in late.drain()] == ["CREATE", "CREATE"]
    refused = late.subscribe("/data/PendingServiceRoutingChangeEvent", stored)
    assert refused["successful"] is False and refused["error"].startswith(f"400::The replayId {{{stored}}}")


def test_replay_ids_from_before_a_reset_are_refused(org):
    org.chat()
    bayeux = org.subscriber()
    bayeux.subscribe("/data/ChangeEvents", -2)
    stored = bayeux.drain()[-1]["data"]["event"]["replayId"]
    org.world.reset()
    org.renew()
    after = org.subscriber()
    reply = after.subscribe("/data/ChangeEvents", stored)
    assert reply["successful"] is False and reply["error"].startswith(f"400::The replayId {{{stored}}}")
    assert org.fake.streaming.clients()[0]["clientId"] == after.client_id


# -- client expiry ---------------------------------------------------------------------------------------

def test_a_client_that_stops_polling_expires_on_the_virtual_clock(org):
    bayeux = org.subscriber()
    bayeux.subscribe("/data/ChangeEvents")
    bayeux.connect()
    org.world.clock.advance(39)
    assert bayeux.connect()[0]["successful"] is True
    org.world.clock.advance(41)
    reply, _ = bayeux.connect()
    assert reply["error"] == "403::Unknown client" and reply["advice"]["reconnect"] == "handshake"
    expired = [e.data for e in org.world.journal.since(0) if e.type == "streaming.client"
               and e.data["action"] == "expired"]
    assert expired == [{"clientId": bayeux.client_id, "userId": org.fake.integration_user_id, "action": "expired",
                        "reason": "timeout"}]


# -- event faults ----------------------------------------------------------------------------------------

def add_fault(org: Org, **rule: Any) -> None:
    response = org.http.post("/_fake/faults", json=rule)
    assert response.status_code == 201, response.get_data(as_text=True)


def test_drop_event_loses_the_delivery_but_not_the_retained_event(org):
    bayeux = org.subscriber()
    bayeux.subscribe("/data/ChangeEvents")
    add_fault(org, action="drop_event", path="/data/ChangeEvents", count=1)
    chat = org.chat()
    delivered = bayeux.drain()
    assert summary(delivered) == [("PendingServiceRouting", "CREATE", chat["pendingServiceRoutingId"])]
    again = org.subscriber()
    again.subscribe("/data/ChangeEvents", -2)
    assert [header(m)["entityName"] for m in again.drain()] == ["LiveChatTranscript", "PendingServiceRouting"]


def test_duplicate_event_delivers_the_same_event_twice(org):
    bayeux = org.subscriber()
    bayeux.subscribe("/data/PendingServiceRoutingChangeEvent")
    add_fault(org, action="duplicate_event", path="/data/PendingServiceRouting*", count=1)
    org.chat()
    first, second = bayeux.drain()
    assert first == second


def test_delay_event_holds_one_delivery_back(org):
    org.fake.streaming.config.hold_seconds = 5.0
    bayeux = org.subscriber()
    bayeux.subscribe("/data/ChangeEvents")
    add_fault(org, action="delay_event", path="/data/ChangeEvents", count=1, latencySeconds=0.3)
    chat = org.chat()
    _, now = bayeux.connect()
    assert summary(now) == [("PendingServiceRouting", "CREATE", chat["pendingServiceRoutingId"])]
    started = time.monotonic()
    _, later = bayeux.connect()
    assert summary(later) == [("LiveChatTranscript", "CREATE", chat["workItemId"])]
    assert 0.1 < time.monotonic() - started < 4.0


def test_close_socket_drops_the_client_at_delivery_and_replay_recovers_exactly_the_missed_events(org):
    bayeux = org.subscriber()
    bayeux.subscribe("/data/ChangeEvents")
    first = org.chat()
    seen = bayeux.drain()
    assert len(seen) == 2
    add_fault(org, action="close_socket", path="/data/ChangeEvents", count=1)
    second = org.chat()
    reply, events = bayeux.connect()
    assert reply["error"] == "403::Unknown client" and events == []
    old_client = bayeux.client_id
    bayeux.open()
    bayeux.subscribe("/data/ChangeEvents", seen[-1]["data"]["event"]["replayId"])
    recovered = bayeux.drain()
    assert [h[2] for h in summary(seen)] == [first["workItemId"], first["pendingServiceRoutingId"]]
    assert [h[2] for h in summary(recovered)] == [second["workItemId"], second["pendingServiceRoutingId"]]
    actions = [(e.data["action"], e.data["clientId"], e.data.get("reason")) for e in org.world.journal.since(0)
               if e.type == "streaming.client"]
    assert ("expired", old_client, "close_socket") in actions


def test_close_socket_when_now_drops_the_subscribers_as_the_rule_is_added(org):
    watcher, other = org.subscriber(), org.subscriber()
    watcher.subscribe("/data/ChangeEvents")
    other.subscribe("/data/AgentWorkChangeEvent")
    add_fault(org, action="close_socket", path="/data/ChangeEvents", body={"when": "now"})
    assert watcher.connect()[0]["error"] == "403::Unknown client"
    assert other.connect()[0]["successful"] is True
    expired = [e.data["clientId"] for e in org.world.journal.since(0) if e.type == "streaming.client"
               and e.data["action"] == "expired"]
    assert expired == [watcher.client_id]


# -- PushTopics ------------------------------------------------------------------------------------------

PSR_TOPIC_QUERY = ("Select Id, Serial, QueueId, WorkItemId, IsPushed, ServiceChannelId, LastDeclinedAgentSession, "
                   "CreatedDate from PendingServiceRouting where RoutingModel = 'ExternalRouting'")


def push_topic(org: Org, name: str, query: str = PSR_TOPIC_QUERY, **flags: Any) -> str:
    """A PushTopic created through REST, as the older external-routing guide sets it up."""
    body = {"Name": name, "Query": query, "ApiVersion": 41.0, "NotifyForOperationCreate": True,
            "NotifyForOperationUpdate": True, "NotifyForOperationDelete": True, "NotifyForFields": "Referenced"}
    body.update(flags)
    return org.rest("POST", "/sobjects/PushTopic", json=body)["id"]


def test_a_push_topic_notifies_created_updated_deleted_with_only_the_selected_fields(org):
    push_topic(org, "PSR")
    bayeux = org.subscriber()
    assert bayeux.subscribe("/topic/PSR")["successful"] is True
    chat, _ = org.accepted_chat()
    events = bayeux.drain()
    assert [(m["channel"], m["data"]["event"]["type"]) for m in events] == [
        ("/topic/PSR", "created"), ("/topic/PSR", "updated"), ("/topic/PSR", "deleted")]
    for message in events:
        sobject = message["data"]["sobject"]
        assert list(sobject) == ["Id", "Serial", "QueueId", "WorkItemId", "IsPushed", "ServiceChannelId",
                                 "LastDeclinedAgentSession", "CreatedDate"]
        assert sobject["Id"] == chat["pendingServiceRoutingId"]
        assert message["data"]["event"]["createdDate"].endswith("Z")
    assert [m["data"]["sobject"]["IsPushed"] for m in events] == [False, True, True]
    ids = [m["data"]["event"]["replayId"] for m in events]
    assert ids == sorted(set(ids))


def test_push_topic_operations_where_clause_and_notify_for_fields_filter_notifications(org):
    push_topic(org, "Creates", NotifyForOperationUpdate=False, NotifyForOperationDelete=False)
    push_topic(org, "Elsewhere", query="SELECT Id FROM PendingServiceRouting WHERE RoutingModel = 'LeastActive'")
    push_topic(org, "SerialOnly", query="SELECT Id, Serial FROM PendingServiceRouting", NotifyForFields="Select")
    push_topic(org, "Off", IsActive=False)
    bayeux = org.subscriber()
    for name in ("Creates", "Elsewhere", "SerialOnly", "Off"):
        assert bayeux.subscribe(f"/topic/{name}")["successful"] is True
    org.online()
    chat = org.chat()
    org.insert_work(chat)
    got = [(m["channel"], m["data"]["event"]["type"]) for m in bayeux.drain()]
    assert got == [("/topic/Creates", "created"), ("/topic/SerialOnly", "created"), ("/topic/SerialOnly", "updated")]


def test_push_topic_events_replay_and_a_deleted_topic_is_gone(org):
    topic_id = push_topic(org, "PSR")
    org.chat()
    bayeux = org.subscriber()
    bayeux.subscribe("/topic/PSR", -2)
    [created] = bayeux.drain()
    assert created["data"]["event"]["type"] == "created"
    org.rest("DELETE", f"/sobjects/PushTopic/{topic_id}")
    refused = bayeux.subscribe("/topic/PSR", -1)
    assert refused["error"] == "400::The channel you requested to subscribe to does not exist {/topic/PSR}"


def test_push_topic_events_are_kept_24_hours(org):
    push_topic(org, "PSR")
    org.chat()
    org.world.clock.advance(25 * 3600)
    org.renew()
    org.chat()
    bayeux = org.subscriber()
    bayeux.subscribe("/topic/PSR", -2)
    assert len(bayeux.drain()) == 1
    cdc = org.subscriber()
    cdc.subscribe("/data/PendingServiceRoutingChangeEvent", -2)
    assert len(cdc.drain()) == 2  # change events are kept 72 hours
