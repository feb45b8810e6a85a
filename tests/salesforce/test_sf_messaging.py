"""Enhanced Chat in the org: an end user writes in a queue (MessagingEndUser, MessagingSession, routing request),
the Omni-Channel external-routing machinery carries the session as it carries a chat (push, accept, end, close,
transfer, capacity, time-outs), the end user leaves or comes back; CRUD rules, SOQL and change events of the
messaging objects."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cometd_client import Bayeux

from omni_harness import contracts

V = "/services/data/v67.0"
MS = f"{V}/sobjects/MessagingSession"
MEU = f"{V}/sobjects/MessagingEndUser"


def _kinds(changes: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str]]:
    return [(entity, change) for entity, change, _ in changes]


def _tabs(org, mark: int) -> list[tuple[str, str, str]]:
    return [(e.data["userId"], e.data["workItemId"], e.data["action"]) for e in org.events(mark, "console.tab")]


@pytest.fixture
def agent(org) -> str:
    user = org.agent_ids()[0]
    org.online(user)
    return user


# -- the end user writes ---------------------------------------------------------------------------------------

def test_opening_creates_end_user_waiting_session_and_external_routing_request(org):
    mark = org.mark()
    r = org.client.post("/_fake/customers/messaging",
                        json={"queue": "Messaging_Queue_2", "customerName": "Ann", "text": "Hi"})
    assert r.status_code == 201
    item, psr_id, end_user_id = r.json["workItemId"], r.json["pendingServiceRoutingId"], r.json["messagingEndUserId"]
    assert item.startswith("0Mw") and len(item) == 18 and psr_id.startswith("0JR")
    channel = org.fake.store.find_one("MessagingChannel", DeveloperName="Enhanced_Chat")
    assert channel["PlatformType"] == "Enhanced" and channel["RoutingType"] == "OmniQueue" and channel["IsActive"]
    end_user = org.record(end_user_id)
    assert end_user["Name"] == "Ann" and end_user["MessagingChannelId"] == channel["Id"]
    assert end_user["MessageType"] == "EmbeddedMessaging" and len(end_user["MessagingPlatformKey"]) == 36
    session = org.record(item)
    queue = org.queue_id("Messaging_Queue_2")
    assert {k: session[k] for k in ("Status", "Origin", "ChannelType", "AgentType", "MessagingEndUserId",
                                    "MessagingChannelId", "OwnerId")} == {
        "Status": "Waiting", "Origin": "InboundInitiated", "ChannelType": "EmbeddedMessaging", "AgentType": "Agent",
        "MessagingEndUserId": end_user_id, "MessagingChannelId": channel["Id"], "OwnerId": queue}
    assert session["ConversationId"] and session["StartTime"] and session["AcceptTime"] is None
    psr = org.record(psr_id)
    assert {k: psr[k] for k in ("RoutingModel", "WorkItemId", "ServiceChannelId", "QueueId", "GroupId", "IsTransfer",
                                "PreferredUserId", "IsPushed")} == {
        "RoutingModel": "ExternalRouting", "WorkItemId": item, "ServiceChannelId": org.channel_id("sfdc_livemessage"),
        "QueueId": queue, "GroupId": queue, "IsTransfer": False, "PreferredUserId": None, "IsPushed": False}
    # New, then Waiting once the flow routes it, then the request; all one transaction of the platform.
    changes = org.changes(mark)
    assert _kinds(changes) == [("MessagingEndUser", "CREATE"), ("MessagingSession", "CREATE"),
                               ("MessagingSession", "UPDATE"), ("PendingServiceRouting", "CREATE")]
    assert changes[1][2]["record"]["Status"] == "New" and "Status" in changes[2][2]["changedFields"]
    assert len({data["transactionKey"] for _, _, data in changes}) == 1
    assert [e.data for e in org.events(mark, "chat.message")] == [{"workItemId": item, "from": "customer", "text": "Hi"}]
    view = org.client.get(f"/_fake/customers/messaging/{item[:15]}").json
    assert view["workItemId"] == item and view["status"] == "Waiting" and view["customerName"] == "Ann"
    assert view["messagingEndUserId"] == end_user_id and [m["text"] for m in view["messages"]] == ["Hi"]


def test_messages_from_the_end_user_and_the_agent(org, agent):
    session, _ = org.accepted_messaging(agent)
    item = session["workItemId"]
    r = org.client.post(f"/_fake/customers/messaging/{item}/messages", json={"text": "still there?"})
    assert r.status_code == 201 and r.json == {"workItemId": item, "messages": 2}
    assert org.ok(agent, "sendMessage", {"workItemId": item, "text": "Yes"}) is True
    view = org.client.get(f"/_fake/customers/messaging/{item}").json
    assert [(m["from"], m["text"], m["userId"]) for m in view["messages"]] == [
        ("customer", "Hello", None), ("customer", "still there?", None), ("agent", "Yes", agent)]
    org.ok(agent, "endChat", {"workItemId": item})
    ended = org.record(item)
    assert ended["EndUserMessageCount"] == 2 and ended["AgentMessageCount"] == 1
    r = org.client.post(f"/_fake/customers/messaging/{item}/messages", json={"text": "late"})
    assert r.status_code == 409 and r.json["error"] == "conflict"


# -- routing, accept, end, close -------------------------------------------------------------------------------

def test_whole_session_accept_end_in_console_then_close_tab(org, agent):
    session = org.customer_messaging()
    item = session["workItemId"]
    mark = org.mark()
    work_id = org.messaging_work(agent, session)
    work = org.record(work_id)
    assert work["Status"] == "Assigned" and work["WorkItemId"] == item
    assert work["ServiceChannelId"] == org.channel_id("sfdc_livemessage")
    assert work["OriginalGroupId"] == org.queue_id("Messaging_Queue_1")
    assert org.record(session["pendingServiceRoutingId"])["IsPushed"] is True
    assert _kinds(org.changes(mark)) == [("PendingServiceRouting", "UPDATE"), ("AgentWork", "CREATE")]

    mark = org.mark()
    org.world.clock.advance(4)
    assert org.ok(agent, "acceptAgentWork", {"workId": work_id}) is True
    accepted = org.record(item)
    assert accepted["Status"] == "Active" and accepted["OwnerId"] == agent and accepted["AcceptTime"] is not None
    assert org.record(work_id)["Status"] == "Opened" and org.record(work_id)["SpeedToAnswer"] == 4
    assert org.record(session["pendingServiceRoutingId"]) is None
    assert _kinds(org.changes(mark)) == [("AgentWork", "UPDATE"), ("PendingServiceRouting", "DELETE"),
                                          ("MessagingSession", "UPDATE")]
    assert _tabs(org, mark) == [(agent, item, "opened")]
    assert org.ok(agent, "getAgentWorkload")["currentWorkload"] > 0

    # END-3: ending in the console ends the session, the work and the tab stay until the tab is closed.
    mark = org.mark()
    assert org.ok(agent, "endChat", {"workItemId": item}) is True
    ended = org.record(item)
    assert ended["Status"] == "Ended" and ended["EndedByType"] == "Agent" and ended["EndTime"] is not None
    assert org.record(work_id)["Status"] == "Opened" and work_id in org.fake.omni.agent(agent).tabs
    assert _kinds(org.changes(mark)) == [("MessagingSession", "UPDATE")]
    assert _tabs(org, mark) == []
    assert org.bridge(agent, "endChat", {"workItemId": item}).status_code == 400  # already ended

    mark = org.mark()
    assert org.ok(agent, "closeTab", {"workId": work_id}) is True
    assert org.record(work_id)["Status"] == "Closed" and org.record(work_id)["CloseDateTime"] is not None
    assert org.record(item)["Status"] == "Ended"
    assert _kinds(org.changes(mark)) == [("AgentWork", "UPDATE")]
    assert _tabs(org, mark) == [(agent, item, "closed")]
    assert org.ok(agent, "getAgentWorkload")["currentWorkload"] == 0


def test_closing_an_active_session_ends_it_by_the_agent(org, agent):
    session, work_id = org.accepted_messaging(agent)
    org.ok(agent, "closeAgentWork", {"workId": work_id})
    ended = org.record(session["workItemId"])
    assert ended["Status"] == "Ended" and ended["EndedByType"] == "Agent"
    assert org.record(work_id)["Status"] == "Closed"


def test_decline_and_push_timeout_hand_the_request_back(org, agent):
    session = org.customer_messaging()
    first = org.messaging_work(agent, session)
    org.ok(agent, "declineAgentWork", {"workId": first, "declineReason": "busy"})
    assert org.record(first)["Status"] == "Declined"
    psr = org.record(session["pendingServiceRoutingId"])
    assert psr["IsPushed"] is False and psr["LastDeclinedAgentSession"]
    assert org.record(session["workItemId"])["Status"] == "Waiting"
    second = org.messaging_work(agent, session)
    org.world.clock.advance(120)
    assert org.record(second)["Status"] == "DeclinedOnPushTimeout"
    assert org.record(session["pendingServiceRoutingId"])["IsPushed"] is False


def test_insert_refused_for_the_chat_channel_and_a_chat_refused_for_the_messaging_channel(org, agent):
    session = org.customer_messaging()
    r = org.insert_work(agent, session)  # sfdc_livechat for a MessagingSession
    assert r.status_code == 400 and r.json[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    chat = org.customer_chat()
    r = org.insert_work(agent, chat, ServiceChannelId=org.channel_id("sfdc_livemessage"))
    assert r.status_code == 400 and r.json[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    r = org.post(f"{V}/sobjects/PendingServiceRouting/", {
        "WorkItemId": chat["workItemId"], "ServiceChannelId": org.channel_id("sfdc_livemessage"),
        "RoutingModel": "ExternalRouting", "RoutingType": "QueueBased"})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_insert_refused_for_an_ended_session(org, agent):
    session = org.customer_messaging()
    org.client.post(f"/_fake/customers/messaging/{session['workItemId']}/leave")
    r = org.insert_work(agent, session, ServiceChannelId=org.channel_id("sfdc_livemessage"))
    assert r.status_code == 400


def test_capacity_counts_chats_and_sessions_alike(org, agent):
    capacity = org.ok(agent, "getAgentWorkload")["configuredCapacity"]
    taken = 0
    while org.ok(agent, "getAgentWorkload")["currentWorkload"] + 1 <= capacity:
        if taken % 2:
            org.accepted(agent)
        else:
            org.accepted_messaging(agent)
        taken += 1
    r = org.insert_work(agent, org.customer_messaging(), ServiceChannelId=org.channel_id("sfdc_livemessage"))
    assert r.status_code == 400 and r.json[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert taken >= 1


# -- the end user leaves and comes back ------------------------------------------------------------------------

def test_leaving_while_waiting_deletes_the_request_and_ends_the_session(org):
    session = org.customer_messaging()
    mark = org.mark()
    r = org.client.post(f"/_fake/customers/messaging/{session['workItemId']}/leave")
    assert r.status_code == 200 and r.json == {"workItemId": session["workItemId"], "status": "Ended"}
    ended = org.record(session["workItemId"])
    assert ended["EndedByType"] == "EndUser" and ended["EndTime"] is not None
    assert ended["OwnerId"] == org.queue_id("Messaging_Queue_1")
    assert org.record(session["pendingServiceRoutingId"]) is None
    assert _kinds(org.changes(mark)) == [("PendingServiceRouting", "DELETE"), ("MessagingSession", "UPDATE")]
    assert org.client.post(f"/_fake/customers/messaging/{session['workItemId']}/leave").status_code == 409


def test_leaving_while_pushed_cancels_the_work(org, agent):
    session = org.customer_messaging()
    work_id = org.messaging_work(agent, session)
    org.client.post(f"/_fake/customers/messaging/{session['workItemId']}/leave")
    assert org.record(work_id)["Status"] == "Canceled" and org.record(work_id)["CancelDateTime"] is not None
    assert org.record(session["pendingServiceRoutingId"]) is None
    assert org.bridge(agent, "acceptAgentWork", {"workId": work_id}).status_code == 400
    org.world.clock.advance(120)  # the push time-out of a canceled work does nothing
    assert org.record(work_id)["Status"] == "Canceled"


def test_leaving_an_active_session_keeps_the_work_and_tab_until_the_agent_closes_it(org, agent):
    session, work_id = org.accepted_messaging(agent)
    item = session["workItemId"]
    mark = org.mark()
    r = org.client.post(f"/_fake/customers/messaging/{item}/leave")
    assert r.status_code == 200 and r.json["status"] == "Ended"
    ended = org.record(item)
    assert ended["EndedByType"] == "EndUser" and ended["OwnerId"] == agent
    assert org.record(work_id)["Status"] == "Opened" and work_id in org.fake.omni.agent(agent).tabs
    assert _kinds(org.changes(mark)) == [("MessagingSession", "UPDATE")]
    org.ok(agent, "closeTab", {"workId": work_id})
    assert org.record(work_id)["Status"] == "Closed" and org.record(item)["EndedByType"] == "EndUser"


def test_return_opens_a_new_session_for_the_same_end_user_in_the_same_queue(org, agent):
    first = org.customer_messaging(queue="Messaging_Queue_2")
    item = first["workItemId"]
    r = org.client.post(f"/_fake/customers/messaging/{item}/return", json={"text": "back"})
    assert r.status_code == 409 and r.json["error"] == "conflict"  # not ended yet
    org.client.post(f"/_fake/customers/messaging/{item}/leave")
    mark = org.mark()
    r = org.client.post(f"/_fake/customers/messaging/{item[:15]}/return", json={"text": "back"})
    assert r.status_code == 201
    again = r.json
    assert again["previousWorkItemId"] == item and again["messagingEndUserId"] == first["messagingEndUserId"]
    assert again["workItemId"] != item and again["workItemId"].startswith("0Mw")
    new, old = org.record(again["workItemId"]), org.record(item)
    assert new["Status"] == "Waiting" and new["ConversationId"] == old["ConversationId"]
    assert new["MessagingEndUserId"] == old["MessagingEndUserId"] and new["OwnerId"] == org.queue_id("Messaging_Queue_2")
    psr = org.record(again["pendingServiceRoutingId"])
    assert psr["WorkItemId"] == again["workItemId"] and psr["IsTransfer"] is False
    assert psr["GroupId"] == org.queue_id("Messaging_Queue_2")
    assert _kinds(org.changes(mark)) == [("MessagingSession", "CREATE"), ("MessagingSession", "UPDATE"),
                                          ("PendingServiceRouting", "CREATE")]
    view = org.client.get(f"/_fake/customers/messaging/{again['workItemId']}").json
    assert view["customerName"] == "Pat Customer" and [m["text"] for m in view["messages"]] == ["back"]
    # the old session can't come back twice while the new one is open; the new one routes like any other
    assert org.client.post(f"/_fake/customers/messaging/{item}/return", json={}).status_code == 409
    work_id = org.messaging_work(agent, again)
    org.ok(agent, "acceptAgentWork", {"workId": work_id})
    assert org.record(again["workItemId"])["Status"] == "Active"


def test_return_after_the_agent_ended_the_session(org, agent):
    session, work_id = org.accepted_messaging(agent)
    org.ok(agent, "endChat", {"workItemId": session["workItemId"]})
    r = org.client.post(f"/_fake/customers/messaging/{session['workItemId']}/return")
    assert r.status_code == 201 and org.record(r.json["workItemId"])["Status"] == "Waiting"
    assert org.record(work_id)["Status"] == "Opened"  # the old tab is the agent's to close


# -- transfers -------------------------------------------------------------------------------------------------

@pytest.fixture
def handover(org):
    a, b = org.agent_ids()[:2]
    org.online(a)
    org.online(b)
    session, work_id = org.accepted_messaging(a)
    return a, b, session, work_id


def test_transfer_to_a_queue_raises_a_transfer_request(org, handover):
    a, b, session, first = handover
    item = session["workItemId"]
    mark = org.mark()
    answer = org.ok(a, "transferChat", {"workItemId": item, "toQueue": "Messaging_Queue_2"})
    psr = org.record(answer["pendingServiceRoutingId"])
    assert psr["IsTransfer"] is True and psr["TransferRequesterId"] == a
    assert psr["ServiceChannelId"] == org.channel_id("sfdc_livemessage")
    assert psr["GroupId"] == org.queue_id("Messaging_Queue_2")
    assert org.record(first)["Status"] == "Transferred"
    waiting = org.record(item)
    assert waiting["Status"] == "Waiting" and waiting["OwnerId"] == org.queue_id("Messaging_Queue_2")
    assert _kinds(org.changes(mark)) == [("PendingServiceRouting", "CREATE"), ("AgentWork", "UPDATE"),
                                          ("MessagingSession", "UPDATE")]
    assert _tabs(org, mark) == [(a, item, "closed")]
    rerouted = {"workItemId": item, "pendingServiceRoutingId": psr["Id"]}
    work_id = org.messaging_work(b, rerouted)
    org.ok(b, "acceptAgentWork", {"workId": work_id})
    accepted = org.record(item)
    assert accepted["Status"] == "Active" and accepted["OwnerId"] == b


def test_transfer_to_an_agent_and_accept(org, handover):
    a, b, session, first = handover
    item = session["workItemId"]
    second = org.ok(a, "transferChat", {"workItemId": item, "toUserId": b})["workId"]
    assert org.record(second)["ServiceChannelId"] == org.channel_id("sfdc_livemessage")
    accepted_before = org.record(item)["AcceptTime"]
    org.world.clock.advance(3)
    mark = org.mark()
    org.ok(b, "acceptAgentWork", {"workId": second})
    assert org.record(first)["Status"] == "Transferred"
    moved = org.record(item)
    assert moved["Status"] == "Active" and moved["OwnerId"] == b and moved["AcceptTime"] != accepted_before
    assert _tabs(org, mark) == [(a, item, "closed"), (b, item, "opened")]


# -- CRUD rules of the messaging objects -----------------------------------------------------------------------

def _documented() -> dict[str, dict[str, dict[str, Any]]]:
    data = json.loads((contracts.ROOT / "salesforce" / "objects" / "messaging.json").read_text())
    return {o["name"]: {f["name"]: f for f in o["fields"]} for o in data["objects"]}


@pytest.mark.parametrize("sobject", ["MessagingSession", "MessagingEndUser", "MessagingChannel"])
def test_describe_follows_the_documented_field_data(org, sobject):
    r = org.get(f"{V}/sobjects/{sobject}/describe")
    assert r.status_code == 200
    described = {f["name"]: f for f in r.json["fields"]}
    documented = _documented()[sobject]
    assert list(described) == list(documented)
    for name, doc in documented.items():
        for prop in ("type", "nillable", "createable", "updateable", "referenceTo", "relationshipName"):
            if prop in doc:
                assert described[name][prop] == doc[prop], (name, prop)
        if "picklistValues" in doc:
            assert [p["value"] for p in described[name]["picklistValues"]] == doc["picklistValues"], name
    if sobject == "MessagingSession":
        assert r.json["keyPrefix"] == "0Mw"
    names = {o["name"] for o in org.get(f"{V}/sobjects").json["sobjects"]}
    assert sobject in names


@pytest.mark.parametrize("path, body, code, fields", [
    (MS, {"ChannelType": "EmbeddedMessaging"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["ChannelType"]),
    (MS, {"AgentMessageCount": 3, "ChannelName": "x"}, "INVALID_FIELD_FOR_INSERT_UPDATE",
     ["AgentMessageCount", "ChannelName"]),
    (MS, {"Status": "Chatting"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Status"]),
    (MS, {"Status": "Waiting"}, "REQUIRED_FIELD_MISSING", ["MessagingChannelId", "MessagingEndUserId"]),
    (MEU, {"IsFullyOptedIn": True}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["IsFullyOptedIn"]),
    (MEU, {"Name": "x"}, "REQUIRED_FIELD_MISSING", ["MessagingChannelId", "MessageType", "MessagingPlatformKey"]),
])
def test_create_refusals(org, path, body, code, fields):
    r = org.post(f"{path}/", body)
    assert r.status_code == 400
    assert r.json[0]["errorCode"] == code and r.json[0]["fields"] == fields


def test_update_refusals_and_what_may_change(org):
    session = org.customer_messaging()
    item, end_user = session["workItemId"], session["messagingEndUserId"]
    for body, field in [({"AgentType": "Bot"}, "AgentType"), ({"ChannelKey": "k"}, "ChannelKey"),
                        ({"MessagingEndUserId": end_user}, "MessagingEndUserId")]:
        r = org.patch(f"{MS}/{item}", body)
        assert r.status_code == 400, body
        assert r.json[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE" and r.json[0]["fields"] == [field]
    r = org.patch(f"{MEU}/{end_user}", {"MessagingPlatformKey": "other"})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    r = org.patch(f"{MS}/{item}", {"Status": None})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert org.patch(f"{MS}/{item}", {"ChannelIntent": "billing"}).status_code == 204
    assert org.patch(f"{MEU}/{end_user}", {"Name": "Ann B."}).status_code == 204
    assert org.record(end_user)["Name"] == "Ann B."


def test_rest_create_takes_the_documented_defaults(org):
    existing = org.customer_messaging()
    end_user = org.record(existing["messagingEndUserId"])
    r = org.post(f"{MS}/", {"MessagingChannelId": end_user["MessagingChannelId"],
                            "MessagingEndUserId": end_user["Id"], "Status": "New"})
    assert r.status_code == 201 and r.json["id"].startswith("0Mw")
    created = org.get(f"{MS}/{r.json['id']}").json
    assert created["Origin"] == "InboundInitiated" and created["AgentType"] == "Agent"
    assert created["Name"].startswith("MS-")


# -- SOQL ------------------------------------------------------------------------------------------------------

def test_soql_on_sessions_end_users_channels_and_their_routing(org, agent):
    waiting = org.customer_messaging(name="Ann")
    active, work_id = org.accepted_messaging(agent)
    rows = org.query("SELECT Id, Status, MessagingEndUser.Name, Owner.Name FROM MessagingSession "
                     "WHERE Status = 'Waiting' ORDER BY CreatedDate")
    assert [(r["Id"], r["Status"], r["MessagingEndUser"]["Name"], r["Owner"]["Name"]) for r in rows] == [
        (waiting["workItemId"], "Waiting", "Ann", "Messaging Queue 1")]
    rows = org.query(f"SELECT Id, OwnerId, AcceptTime FROM MessagingSession WHERE OwnerId = '{agent}'")
    assert [r["Id"] for r in rows] == [active["workItemId"]] and rows[0]["AcceptTime"]
    rows = org.query("SELECT Id, MessageType, MessagingChannel.DeveloperName FROM MessagingEndUser "
                     f"WHERE Id = '{waiting['messagingEndUserId']}'")
    assert rows[0]["MessageType"] == "EmbeddedMessaging" and rows[0]["MessagingChannel"]["DeveloperName"] == "Enhanced_Chat"
    rows = org.query("SELECT Id, ServiceChannel.DeveloperName, IsTransfer FROM PendingServiceRouting "
                     f"WHERE WorkItemId = '{waiting['workItemId']}'")
    assert [(r["Id"], r["ServiceChannel"]["DeveloperName"], r["IsTransfer"]) for r in rows] == [
        (waiting["pendingServiceRoutingId"], "sfdc_livemessage", False)]
    rows = org.query(f"SELECT Id, Status, UserId FROM AgentWork WHERE WorkItemId = '{active['workItemId']}'")
    assert [(r["Id"], r["Status"], r["UserId"]) for r in rows] == [(work_id, "Opened", agent)]
    r = org.get(f"{V}/query", query_string={"q": "SELECT COUNT() FROM MessagingChannel WHERE PlatformType = 'Enhanced'"})
    assert r.json["totalSize"] == 1


# -- change events on the Streaming API ------------------------------------------------------------------------

@pytest.fixture
def bayeux(org):
    config = org.fake.streaming.config
    hold, config.hold_seconds = config.hold_seconds, 0.05
    client = Bayeux(org.client, org.token)
    client.open()
    yield client
    config.hold_seconds = hold


@pytest.mark.parametrize("channel, entities", [
    ("/data/MessagingSessionChangeEvent", {"MessagingSession"}),
    ("/data/MessagingEndUserChangeEvent", {"MessagingEndUser"}),
    ("/data/ChangeEvents", {"MessagingSession", "MessagingEndUser", "PendingServiceRouting", "AgentWork"}),
])
def test_change_events_of_a_session(org, agent, bayeux, channel, entities):
    assert bayeux.subscribe(channel)["successful"] is True
    session, work_id = org.accepted_messaging(agent)
    org.ok(agent, "endChat", {"workItemId": session["workItemId"]})
    events = bayeux.drain()
    headers = [e["data"]["payload"]["ChangeEventHeader"] for e in events]
    assert {h["entityName"] for h in headers} == entities
    for event in events:
        contracts.validate("salesforce", "cdc-event", event["data"])
    ids = [e["data"]["event"]["replayId"] for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    session_changes = [(h["changeType"], e["data"]["payload"].get("Status")) for h, e in zip(headers, events, strict=True)
                       if h["entityName"] == "MessagingSession"]
    if "MessagingSession" in entities:
        assert session_changes == [("CREATE", "New"), ("UPDATE", "Waiting"), ("UPDATE", "Active"),
                                   ("UPDATE", "Ended")]
    if "MessagingEndUser" in entities:
        end_user = [h for h in headers if h["entityName"] == "MessagingEndUser"]
        assert [(h["changeType"], h["recordIds"]) for h in end_user] == [("CREATE", [session["messagingEndUserId"]])]
