"""Omni-Channel external routing (reference §5 "Scenarios the fake must emit", §4 object rules, §7 transfers).

Each test names the table row or rule it checks and asserts both the records and the change events, in order.
"""

from __future__ import annotations

import pytest

V = "/services/data/v67.0"


def _kinds(changes):
    return [(entity, change) for entity, change, _ in changes]


@pytest.fixture
def handover(org) -> tuple[str, str, dict[str, str], str]:
    """Agents a and b Online, a with a chat accepted: (a, b, the chat, a's AgentWork id)."""
    a, b = org.agent_ids()[:2]
    org.online(a)
    org.online(b)
    chat, work_id = org.accepted(a)
    return a, b, chat, work_id


# -- accept ------------------------------------------------------------------------------------------------------

def test_accept_row_events_in_order_and_records(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    mark = org.mark()
    chat = org.customer_chat()
    psr = org.record(chat["pendingServiceRoutingId"])
    assert psr["RoutingModel"] == "ExternalRouting" and psr["RoutingType"] == "QueueBased"
    assert psr["IsPushed"] is False and psr["IsTransfer"] is False and psr["IsReadyForRouting"] is True
    assert psr["GroupId"] == psr["QueueId"] == org.queue_id() and psr["Serial"] == 1
    assert psr["ServiceChannelId"] == org.channel_id() and psr["WorkItemId"] == chat["workItemId"]
    transcript = org.record(chat["workItemId"])
    assert transcript["Status"] == "Waiting" and transcript["OwnerId"] == org.queue_id()
    assert transcript["RequestTime"] is not None and transcript["StartTime"] is None

    work_id = org.work(agent, chat)
    work = org.record(work_id)
    assert work["Status"] == "Assigned" and work["AssignedDateTime"] is not None
    assert work["RequestDateTime"] == psr["CreatedDate"]
    assert work["RoutingModel"] == "ExternalRouting" and work["OriginalGroupId"] == org.queue_id()
    assert work["CapacityWeight"] == 1.0 and work["OwnerId"] == agent
    psr = org.record(chat["pendingServiceRoutingId"])
    assert psr["IsPushed"] is True and psr["IsPushAttempted"] is True and psr["Serial"] == 2

    org.world.clock.advance(3)
    assert org.ok(agent, "acceptAgentWork", {"workId": work_id}) is True
    work = org.record(work_id)
    assert work["Status"] == "Opened" and work["AcceptDateTime"] is not None and work["SpeedToAnswer"] == 3
    assert org.record(chat["pendingServiceRoutingId"]) is None  # deleted on accept
    transcript = org.record(chat["workItemId"])
    assert transcript["Status"] == "InProgress" and transcript["OwnerId"] == agent
    assert transcript["StartTime"] is not None and transcript["WaitTime"] == 3

    assert _kinds(org.changes(mark)) == [
        ("LiveChatVisitor", "CREATE"), ("LiveChatTranscript", "CREATE"), ("PendingServiceRouting", "CREATE"),
        ("PendingServiceRouting", "UPDATE"), ("AgentWork", "CREATE"),
        ("AgentWork", "UPDATE"), ("PendingServiceRouting", "DELETE"), ("LiveChatTranscript", "UPDATE")]
    tabs = [e.data for e in org.events(mark, "console.tab")]
    assert tabs == [{"userId": agent, "workId": work_id, "workItemId": chat["workItemId"], "action": "opened"}]


def test_changes_of_one_operation_share_a_transaction_key(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat = org.customer_chat()
    mark = org.mark()
    work_id = org.work(agent, chat)
    keys = {data["transactionKey"] for _, _, data in org.changes(mark)}
    assert len(keys) == 1
    mark = org.mark()
    org.ok(agent, "acceptAgentWork", {"workId": work_id})
    accept_keys = {data["transactionKey"] for _, _, data in org.changes(mark)}
    assert len(accept_keys) == 1 and accept_keys != keys
    (_, _, update), = org.changes(mark, "AgentWork")
    assert update["commitUser"] == agent and "Status" in update["changedFields"]
    assert update["record"]["Status"] == "Opened"


def test_serial_counts_every_modification_of_the_request(org):
    a, b = org.agent_ids()[:2]
    org.online(a)
    org.online(b)
    chat = org.customer_chat()
    psr_id = chat["pendingServiceRoutingId"]
    serials = [org.record(psr_id)["Serial"]]
    work_id = org.work(a, chat)
    serials.append(org.record(psr_id)["Serial"])
    org.ok(a, "declineAgentWork", {"workId": work_id})
    serials.append(org.record(psr_id)["Serial"])
    org.work(b, chat)
    serials.append(org.record(psr_id)["Serial"])
    assert serials == [1, 2, 3, 4]


# -- decline -----------------------------------------------------------------------------------------------------

def test_decline_row(org):
    a, b = org.agent_ids()[:2]
    org.online(a)
    org.online(b)
    chat = org.customer_chat()
    work_id = org.work(a, chat)
    session = org.query(f"SELECT Id FROM UserServicePresence WHERE UserId = '{a}'")[0]["Id"]
    mark = org.mark()
    assert org.ok(a, "declineAgentWork", {"workId": work_id, "declineReason": "busy"}) is True
    work = org.record(work_id)
    assert work["Status"] == "Declined" and work["DeclineDateTime"] is not None and work["DeclineReason"] == "busy"
    assert work["AgentCapacityWhenDeclined"] == 1.0
    psr = org.record(chat["pendingServiceRoutingId"])
    assert psr["IsPushed"] is False and psr["LastDeclinedAgentSession"] == session
    assert _kinds(org.changes(mark)) == [("AgentWork", "UPDATE"), ("PendingServiceRouting", "UPDATE")]
    # the partner creates a new AgentWork
    other = org.work(b, chat)
    assert org.record(other)["Status"] == "Assigned"
    assert org.events(mark, "console.tab") == []


def test_declined_work_does_not_count_against_capacity(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat = org.customer_chat()
    work_id = org.work(agent, chat)
    assert org.ok(agent, "getAgentWorkload")["currentWorkload"] == 1
    org.ok(agent, "declineAgentWork", {"workId": work_id})
    assert org.ok(agent, "getAgentWorkload")["currentWorkload"] == 0
    # the same agent may get it again
    assert org.insert_work(agent, chat).status_code == 201


# -- push timeout ------------------------------------------------------------------------------------------------

def test_push_timeout_row_on_the_virtual_clock(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat = org.customer_chat()
    work_id = org.work(agent, chat)
    assert org.record(work_id)["PushTimeout"] == 60
    org.world.clock.advance(59)
    assert org.record(work_id)["Status"] == "Assigned"
    mark = org.mark()
    org.world.clock.advance(1)
    work = org.record(work_id)
    assert work["Status"] == "DeclinedOnPushTimeout" and work["PushTimeoutDateTime"] is not None
    psr = org.record(chat["pendingServiceRoutingId"])
    assert psr["IsPushed"] is False and psr["LastDeclinedAgentSession"] is not None
    assert _kinds(org.changes(mark)) == [("AgentWork", "UPDATE"), ("PendingServiceRouting", "UPDATE")]
    r = org.bridge(agent, "acceptAgentWork", {"workId": work_id})
    assert r.status_code == 400


def test_accepted_work_has_no_push_timeout(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat, work_id = org.accepted(agent)
    org.world.clock.advance(600)
    assert org.record(work_id)["Status"] == "Opened"


# -- agent offline -----------------------------------------------------------------------------------------------

def test_agent_offline_with_assigned_work_row(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat = org.customer_chat()
    work_id = org.work(agent, chat)
    mark = org.mark()
    assert org.ok(agent, "logout") is True
    assert org.record(work_id)["Status"] == "Unavailable"
    psr = org.record(chat["pendingServiceRoutingId"])
    assert psr["IsPushed"] is False
    assert _kinds(org.changes(mark)) == [("AgentWork", "UPDATE"), ("PendingServiceRouting", "UPDATE"),
                                          ("UserServicePresence", "UPDATE")]
    org.world.clock.advance(120)  # no push time-out for work that is no longer assigned
    assert org.record(work_id)["Status"] == "Unavailable"


def test_moving_to_a_status_without_the_channel_makes_assigned_work_unavailable(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat = org.customer_chat()
    work_id = org.work(agent, chat)
    org.online(agent, "Away")
    assert org.record(work_id)["Status"] == "Unavailable"
    assert org.record(chat["pendingServiceRoutingId"])["IsPushed"] is False


def test_opened_work_survives_a_move_to_away(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    _, work_id = org.accepted(agent)
    org.online(agent, "Away")
    assert org.record(work_id)["Status"] == "Opened"


def test_logout_closes_opened_work_and_its_tab(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat, work_id = org.accepted(agent)
    mark = org.mark()
    org.ok(agent, "logout")
    assert org.record(work_id)["Status"] == "Closed"
    assert org.record(chat["workItemId"])["Status"] == "Completed"
    assert [e.data["action"] for e in org.events(mark, "console.tab")] == ["closed"]


# -- chat ends / work closed -------------------------------------------------------------------------------------

def test_close_tab_closes_the_work_and_ends_the_chat(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat, work_id = org.accepted(agent)
    org.world.clock.advance(30)
    mark = org.mark()
    assert org.ok(agent, "closeTab", {"workId": work_id}) is True
    work = org.record(work_id)
    assert work["Status"] == "Closed" and work["CloseDateTime"] is not None and work["HandleTime"] == 30
    transcript = org.record(chat["workItemId"])
    assert transcript["Status"] == "Completed" and transcript["EndTime"] is not None
    assert transcript["EndedBy"] == "Agent" and transcript["ChatDuration"] == 30
    assert transcript["VisitorMessageCount"] == 1 and "Hello" in transcript["Body"]
    assert _kinds(org.changes(mark)) == [("LiveChatTranscript", "UPDATE"), ("AgentWork", "UPDATE")]
    assert [e.data["action"] for e in org.events(mark, "console.tab")] == ["closed"]
    assert org.ok(agent, "getAgentWorkload")["currentWorkload"] == 0
    assert org.bridge(agent, "closeTab", {"workId": work_id}).status_code == 400


def test_close_agent_work_from_the_toolkit(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat, work_id = org.accepted(agent)
    assert org.ok(agent, "closeAgentWork", {"workId": work_id}) is True
    assert org.record(work_id)["Status"] == "Closed"
    assert org.ok(agent, "getAgentWorks") == {"works": "[]"}


def test_ending_the_chat_leaves_the_work_opened_and_the_tab_open(org):
    """Seed note: close the chat window, otherwise the work item stays and no new chat is routed."""
    agent = org.agent_ids()[0]
    org.online(agent)
    chat, work_id = org.accepted(agent)
    mark = org.mark()
    assert org.ok(agent, "endChat", {"workItemId": chat["workItemId"][:15]}) is True
    transcript = org.record(chat["workItemId"])
    assert transcript["Status"] == "Completed" and transcript["EndedBy"] == "Agent"
    assert org.record(work_id)["Status"] == "Opened"
    assert _kinds(org.changes(mark)) == [("LiveChatTranscript", "UPDATE")]
    assert org.events(mark, "console.tab") == []
    assert org.ok(agent, "getAgentWorkload")["currentWorkload"] == 1
    assert org.bridge(agent, "endChat", {"workItemId": chat["workItemId"]}).status_code == 400
    # closing the window closes the work; the chat stays as it ended
    org.ok(agent, "closeTab", {"workId": work_id})
    assert org.record(work_id)["Status"] == "Closed"
    assert org.record(chat["workItemId"])["EndedBy"] == "Agent"


def test_customer_leaving_a_chat_in_progress_keeps_the_work_until_the_tab_closes(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat, work_id = org.accepted(agent)
    r = org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/leave")
    assert r.status_code == 200 and r.json["status"] == "Completed"
    transcript = org.record(chat["workItemId"])
    assert transcript["EndedBy"] == "Visitor" and transcript["EndTime"] is not None
    assert org.record(work_id)["Status"] == "Opened"
    assert org.fake.omni.agent(agent).tabs
    org.ok(agent, "closeTab", {"workId": work_id})
    assert org.record(work_id)["Status"] == "Closed"


def test_customer_leaving_before_routing_deletes_the_request_and_misses_the_chat(org):
    chat = org.customer_chat()
    mark = org.mark()
    r = org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/leave")
    assert r.json["status"] == "Missed"
    assert org.record(chat["pendingServiceRoutingId"]) is None
    transcript = org.record(chat["workItemId"])
    assert transcript["EndedBy"] == "Visitor" and transcript["OwnerId"] == org.fake.automated_process_user_id
    assert _kinds(org.changes(mark)) == [("PendingServiceRouting", "DELETE"), ("LiveChatTranscript", "UPDATE")]


def test_customer_leaving_while_pushed_cancels_the_work(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat = org.customer_chat()
    work_id = org.work(agent, chat)
    mark = org.mark()
    org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/leave")
    work = org.record(work_id)
    assert work["Status"] == "Canceled" and work["CancelDateTime"] is not None
    assert org.record(chat["workItemId"])["OwnerId"] == agent  # missed chats go to the last assigned agent
    assert _kinds(org.changes(mark)) == [("AgentWork", "UPDATE"), ("PendingServiceRouting", "DELETE"),
                                          ("LiveChatTranscript", "UPDATE")]
    org.world.clock.advance(120)
    assert org.record(work_id)["Status"] == "Canceled"


# -- transfer to an agent ----------------------------------------------------------------------------------------

def test_transfer_to_agent_row_and_accept(org, handover):
    a, b, chat, first = handover
    mark = org.mark()
    answer = org.ok(a, "transferChat", {"workItemId": chat["workItemId"], "toUserId": b[:15]})
    second = answer["workId"]
    assert answer["workItemId"] == chat["workItemId"]
    assert org.record(second)["Status"] == "Assigned" and org.record(second)["UserId"] == b
    assert org.record(second)["TransferRequesterId"] == a and org.record(second)["PendingServiceRoutingId"] is None
    assert org.record(first)["Status"] == "Opened"
    assert org.query(f"SELECT Id FROM PendingServiceRouting WHERE WorkItemId = '{chat['workItemId']}'") == []
    assert _kinds(org.changes(mark)) == [("AgentWork", "CREATE")]

    mark = org.mark()
    org.ok(b, "acceptAgentWork", {"workId": second})
    assert org.record(second)["Status"] == "Opened"
    sender = org.record(first)
    assert sender["Status"] == "Transferred" and sender["CloseDateTime"] is not None
    transcript = org.record(chat["workItemId"])
    assert transcript["Status"] == "InProgress" and transcript["OwnerId"] == b
    assert _kinds(org.changes(mark)) == [("AgentWork", "UPDATE"), ("AgentWork", "UPDATE"),
                                          ("LiveChatTranscript", "UPDATE")]
    tabs = [(e.data["userId"], e.data["action"]) for e in org.events(mark, "console.tab")]
    assert tabs == [(a, "closed"), (b, "opened")]
    assert not org.fake.omni.agent(a).tabs
    assert org.ok(a, "getAgentWorkload")["currentWorkload"] == 0


def test_transfer_to_agent_declined_keeps_the_chat_with_the_sender(org, handover):
    a, b, chat, first = handover
    second = org.ok(a, "transferChat", {"workItemId": chat["workItemId"], "toUserId": b})["workId"]
    mark = org.mark()
    org.ok(b, "declineAgentWork", {"workId": second})
    assert org.record(second)["Status"] == "Declined"
    assert org.record(first)["Status"] == "Opened"
    assert org.record(chat["workItemId"])["OwnerId"] == a
    assert _kinds(org.changes(mark)) == [("AgentWork", "UPDATE")]
    assert org.fake.omni.agent(a).tabs
    # the sender may transfer again
    assert org.bridge(a, "transferChat", {"workItemId": chat["workItemId"], "toUserId": b}).status_code == 200


def test_transfer_to_agent_times_out_on_the_clock(org, handover):
    a, b, chat, first = handover
    second = org.ok(a, "transferChat", {"workItemId": chat["workItemId"], "toUserId": b})["workId"]
    org.world.clock.advance(60)
    assert org.record(second)["Status"] == "DeclinedOnPushTimeout"
    assert org.record(first)["Status"] == "Opened"


def test_transfer_to_agent_refusals(org, handover):
    a, b, chat, _ = handover
    c = org.agent_ids()[2]
    item = chat["workItemId"]
    assert org.bridge(a, "transferChat", {"workItemId": item, "toUserId": c}).status_code == 400  # c offline
    assert org.bridge(a, "transferChat", {"workItemId": item, "toUserId": a}).status_code == 400  # to itself
    assert org.bridge(b, "transferChat", {"workItemId": item, "toUserId": a}).status_code == 400  # not b's chat
    r = org.bridge(a, "transferChat", {"workItemId": item, "toUserId": b, "toQueue": "Chat_Queue_2"})
    assert r.status_code == 400
    org.ok(a, "transferChat", {"workItemId": item, "toUserId": b})
    r = org.bridge(a, "transferChat", {"workItemId": item, "toUserId": b})  # one pending transfer at a time
    assert r.status_code == 400


def test_ending_a_chat_with_a_pending_transfer_cancels_the_receivers_work(org, handover):
    a, b, chat, first = handover
    second = org.ok(a, "transferChat", {"workItemId": chat["workItemId"], "toUserId": b})["workId"]
    org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/leave")
    assert org.record(second)["Status"] == "Canceled"
    assert org.record(first)["Status"] == "Opened"


# -- transfer to an externally routed queue ----------------------------------------------------------------------

def test_transfer_to_queue_row_and_routing_repeats(org, handover):
    a, b, chat, first = handover
    mark = org.mark()
    answer = org.ok(a, "transferChat", {"workItemId": chat["workItemId"], "toQueue": "Chat_Queue_2"})
    psr = org.record(answer["pendingServiceRoutingId"])
    assert psr["IsTransfer"] is True and psr["IsPushed"] is False and psr["Serial"] == 1
    assert psr["GroupId"] == org.queue_id("Chat_Queue_2") and psr["TransferRequesterId"] == a
    assert org.record(first)["Status"] == "Transferred"
    transcript = org.record(chat["workItemId"])
    assert transcript["Status"] == "Waiting" and transcript["OwnerId"] == org.queue_id("Chat_Queue_2")
    assert _kinds(org.changes(mark)) == [("PendingServiceRouting", "CREATE"), ("AgentWork", "UPDATE"),
                                          ("LiveChatTranscript", "UPDATE")]
    assert [(e.data["userId"], e.data["action"]) for e in org.events(mark, "console.tab")] == [(a, "closed")]
    # routing repeats with the new request
    rerouted = {"workItemId": chat["workItemId"], "pendingServiceRoutingId": psr["Id"]}
    work_id = org.work(b, rerouted)
    org.ok(b, "acceptAgentWork", {"workId": work_id})
    assert org.record(psr["Id"]) is None
    assert org.record(chat["workItemId"])["OwnerId"] == b
    assert org.record(chat["workItemId"])["Status"] == "InProgress"


def test_transfer_to_queue_accepts_id_name_and_refuses_unknown(org):
    a = org.agent_ids()[0]
    org.online(a)
    chat, _ = org.accepted(a)
    r = org.bridge(a, "transferChat", {"workItemId": chat["workItemId"], "toQueue": "No_Such_Queue"})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_ID_FIELD"
    r = org.bridge(a, "transferChat", {"workItemId": chat["workItemId"], "toQueue": org.queue_id("Chat_Queue_2")[:15]})
    assert r.status_code == 200


# -- AgentWork insert rules --------------------------------------------------------------------------------------

def _insert_error(org, agent, chat, **extra):
    r = org.insert_work(agent, chat, **extra)
    assert r.status_code == 400, r.json
    return r.json[0]


def test_insert_refused_when_the_agent_is_not_logged_in(org):
    agent = org.agent_ids()[0]
    err = _insert_error(org, agent, org.customer_chat())
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION" and err["fields"] == ["UserId"]


def test_insert_refused_when_the_agent_is_away(org):
    agent = org.agent_ids()[0]
    org.online(agent, "Away")
    assert _insert_error(org, agent, org.customer_chat())["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_insert_refused_for_the_wrong_channel(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat = org.customer_chat()
    err = _insert_error(org, agent, chat, ServiceChannelId=org.channel_id("sfdc_livemessage"))
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION" and err["fields"] == ["ServiceChannelId"]


def test_insert_refused_when_the_request_is_for_another_work_item(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    one, two = org.customer_chat(), org.customer_chat()
    err = _insert_error(org, agent, one, PendingServiceRoutingId=two["pendingServiceRoutingId"])
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION" and err["fields"] == ["PendingServiceRoutingId"]


def test_insert_refused_when_already_pushed_no_duplicate_work_item(org):
    a, b = org.agent_ids()[:2]
    org.online(a)
    org.online(b)
    chat = org.customer_chat()
    org.work(a, chat)
    assert _insert_error(org, a, chat)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert _insert_error(org, b, chat)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert len(org.query(f"SELECT Id FROM AgentWork WHERE WorkItemId = '{chat['workItemId']}'")) == 1


def test_insert_refused_after_accept_because_the_request_is_gone(org, handover):
    a, b, chat, _ = handover
    assert _insert_error(org, b, chat)["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
    r = org.post(f"{V}/sobjects/AgentWork/", {"ServiceChannelId": org.channel_id(), "WorkItemId": chat["workItemId"],
                                               "UserId": b})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_insert_without_request_id_uses_the_work_items_request(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat = org.customer_chat()
    r = org.post(f"{V}/sobjects/AgentWork", {"ServiceChannelId": org.channel_id(), "WorkItemId": chat["workItemId"],
                                              "UserId": agent})
    assert r.status_code == 201
    assert org.record(r.json["id"])["PendingServiceRoutingId"] == chat["pendingServiceRoutingId"]


def test_capacity_is_enforced_unless_skipped(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    for _ in range(4):
        org.accepted(agent)
    assert org.ok(agent, "getAgentWorkload") == {"configuredCapacity": 4, "currentWorkload": 4,
                                                  "configuredInterruptibleCapacity": 0,
                                                  "currentInterruptibleWorkload": 0}
    chat = org.customer_chat()
    err = _insert_error(org, agent, chat)
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION" and "capacity" in err["message"]
    assert org.insert_work(agent, chat, ShouldSkipCapacityCheck=True).status_code == 201


def test_capacity_weight_and_percentage_are_exclusive(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    err = _insert_error(org, agent, org.customer_chat(), CapacityWeight=1, CapacityPercentage=25)
    assert err["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    r = org.insert_work(agent, org.customer_chat(), CapacityPercentage=50)
    assert r.status_code == 201
    assert org.ok(agent, "getAgentWorkload")["currentWorkload"] == 2


def test_insert_refused_for_an_ended_chat(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat = org.customer_chat()
    org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/leave")
    r = org.insert_work(agent, chat)
    assert r.status_code == 400  # the request was deleted with the chat


# -- AgentWork delete --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("end, deletable", [("decline", True), ("accept", False), ("assigned", False),
                                            ("close", True), ("logout", True), ("timeout", False)])
def test_agent_work_delete_only_when_closed_declined_or_unavailable(org, end, deletable):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat = org.customer_chat()
    work_id = org.work(agent, chat)
    if end == "decline":
        org.ok(agent, "declineAgentWork", {"workId": work_id})
    elif end in ("accept", "close"):
        org.ok(agent, "acceptAgentWork", {"workId": work_id})
        if end == "close":
            org.ok(agent, "closeAgentWork", {"workId": work_id})
    elif end == "logout":
        org.ok(agent, "logout")
    elif end == "timeout":
        org.world.clock.advance(60)
    r = org.delete(f"{V}/sobjects/AgentWork/{work_id}")
    if deletable:
        assert r.status_code == 204
        assert org.record(work_id) is None
    else:
        assert r.status_code == 400 and r.json[0]["errorCode"] == "DELETE_FAILED"


# -- presence history --------------------------------------------------------------------------------------------

def test_user_service_presence_history(org):
    agent = org.agent_ids()[0]
    mark = org.mark()
    org.online(agent)
    (entity, change, created), = org.changes(mark)
    assert (entity, change) == ("UserServicePresence", "CREATE")
    first = created["record"]
    assert first["IsCurrentState"] is True and first["IsAway"] is False and first["UserId"] == agent
    assert first["ServicePresenceStatusId"] == org.status_id() and first["ConfiguredCapacity"] == 4
    assert first["StatusEndDate"] is None

    org.world.clock.advance(90)
    mark = org.mark()
    org.online(agent, "Away")
    changes = org.changes(mark)
    assert _kinds(changes) == [("UserServicePresence", "UPDATE"), ("UserServicePresence", "CREATE")]
    ended = changes[0][2]["record"]
    assert ended["Id"] == first["Id"] and ended["IsCurrentState"] is False and ended["StatusDuration"] == 90
    assert {"IsCurrentState", "StatusEndDate", "StatusDuration"} <= set(changes[0][2]["changedFields"])
    assert changes[1][2]["record"]["IsAway"] is True

    mark = org.mark()
    org.ok(agent, "logout")
    assert _kinds(org.changes(mark)) == [("UserServicePresence", "UPDATE")]
    presence = [e.data for e in org.events(mark, "console.presence")]
    assert presence == [{"userId": agent, "statusId": None, "statusDeveloperName": None}]
    current = org.query(f"SELECT Id FROM UserServicePresence WHERE UserId = '{agent}' AND IsCurrentState = true")
    assert current == []


def test_setting_the_same_status_changes_nothing(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    mark = org.mark()
    org.online(agent)
    assert org.changes(mark) == []


def test_every_agent_starts_logged_out(org):
    assert org.query("SELECT Id FROM UserServicePresence") == []
    for agent in org.agent_ids():
        assert org.bridge(agent, "getServicePresenceStatusId").status_code == 400


def test_seed_users_queues_channels_and_statuses(org):
    people = org.world.plan.people
    users = org.query("SELECT Username, Email, Name FROM User WHERE UserType = 'Standard'")
    emails = {u["Email"] for u in users}
    assert {p.email for p in people} <= emails
    assert {p.username for p in people} <= {u["Username"] for u in users}
    assert org.fake.user_id_for_username(org.world.plan.credentials.salesforce_username) == org.fake.integration_user_id
    queues = org.query("SELECT DeveloperName, Name, QueueRoutingConfig.RoutingModel FROM Group WHERE Type = 'Queue' "
                       "ORDER BY DeveloperName")
    assert [q["DeveloperName"] for q in queues] == sorted(
        q.salesforce_developer_name for q in org.world.plan.queue_pairs + org.world.plan.messaging_queue_pairs)
    assert all(q["QueueRoutingConfig"]["RoutingModel"] == "ExternalRouting" for q in queues)
    channels = {c["DeveloperName"]: c["RelatedEntity"] for c in
                org.query("SELECT DeveloperName, RelatedEntity FROM ServiceChannel")}
    assert channels == {"sfdc_livechat": "LiveChatTranscript", "sfdc_livemessage": "MessagingSession"}
    links = org.query("SELECT ServicePresenceStatus.DeveloperName, ServiceChannel.DeveloperName "
                      "FROM ServiceChannelStatus")
    assert [(x["ServicePresenceStatus"]["DeveloperName"], x["ServiceChannel"]["DeveloperName"]) for x in links] == [
        ("Online", "sfdc_livechat"), ("Online", "sfdc_livemessage")]
    enhanced = org.query("SELECT DeveloperName, MessageType, PlatformType, RoutingType, IsActive FROM MessagingChannel")
    assert [{k: v for k, v in c.items() if k != "attributes"} for c in enhanced] == [
        {"DeveloperName": "Enhanced_Chat", "MessageType": "EmbeddedMessaging", "PlatformType": "Enhanced",
         "RoutingType": "OmniQueue", "IsActive": True}]
    assert {s["DeveloperName"] for s in org.query("SELECT DeveloperName FROM ServicePresenceStatus")} == {
        "Online", "Busy", "Away"}


def test_same_seed_same_ids(org):
    before = org.agent_ids()
    org.world.reset()
    assert org.agent_ids() == before


# -- routing requests over REST ----------------------------------------------------------------------------------

def test_ready_routing_requests_are_read_only(org):
    chat = org.customer_chat()
    r = org.patch(f"{V}/sobjects/PendingServiceRouting/{chat['pendingServiceRoutingId']}", {"RoutingPriority": 2})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    r = org.patch(f"{V}/sobjects/PendingServiceRouting/{chat['pendingServiceRoutingId']}", {"IsPushed": True})
    assert r.json[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_routing_request_created_over_rest(org):
    chat = org.customer_chat()
    org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/leave")  # frees the work item's request slot
    body = {"WorkItemId": chat["workItemId"], "ServiceChannelId": org.channel_id(), "RoutingModel": "ExternalRouting",
            "RoutingType": "QueueBased", "GroupId": org.queue_id(), "CapacityWeight": 1, "IsReadyForRouting": False}
    r = org.post(f"{V}/sobjects/PendingServiceRouting/", body)
    assert r.status_code == 201, r.json
    psr = org.record(r.json["id"])
    assert psr["Serial"] == 1 and psr["QueueId"] == org.queue_id() and psr["OwnerId"] == org.queue_id()
    assert org.patch(f"{V}/sobjects/PendingServiceRouting/{psr['Id']}", {"RoutingPriority": 3}).status_code == 204
    assert org.record(psr["Id"])["Serial"] == 2
    again = org.post(f"{V}/sobjects/PendingServiceRouting/", body)
    assert again.status_code == 400 and again.json[0]["errorCode"] == "DUPLICATE_VALUE"
    body["ServiceChannelId"] = org.channel_id("sfdc_livemessage")
    assert org.post(f"{V}/sobjects/PendingServiceRouting/", body).json[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


# -- one event per change ----------------------------------------------------------------------------------------

def test_every_record_change_is_in_the_journal_and_the_last_event_is_the_record(org):
    """Replaying the change events rebuilds the org's changed records exactly: no change without its event."""
    a, b = org.agent_ids()[:2]
    mark = org.mark()
    org.online(a)
    org.online(b)
    chat, first = org.accepted(a)
    second = org.ok(a, "transferChat", {"workItemId": chat["workItemId"], "toUserId": b})["workId"]
    org.ok(b, "declineAgentWork", {"workId": second})
    org.ok(a, "transferChat", {"workItemId": chat["workItemId"], "toQueue": "Chat_Queue_2"})
    other = org.customer_chat()
    org.work(b, other)
    org.world.clock.advance(60)
    org.ok(a, "setServicePresenceStatus", {"statusId": org.status_id("Away")})
    chat3, work3 = org.accepted(b, "Chat_Queue_2")
    org.ok(b, "endChat", {"workItemId": chat3["workItemId"]})
    org.ok(b, "closeTab", {"workId": work3})
    org.ok(b, "logout")
    org.delete(f"{V}/sobjects/AgentWork/{work3}")

    replay: dict[str, dict | None] = {}
    for _, change, data in org.changes(mark):
        replay[data["recordId"]] = None if change == "DELETE" else data["record"]
    store = org.fake.store
    for record_id, record in replay.items():
        live = store.get(record_id)
        assert (live is None) == (record is None), record_id
        if live is not None:
            assert dict(live) == record, record_id
    # every record the flow touched is in the replay
    touched = [r for name in org.fake.schema for r in store.all(name, include_deleted=True)
               if r["LastModifiedDate"] != r["CreatedDate"] or r["CreatedById"] != org.fake.integration_user_id]
    assert {r["Id"] for r in touched} <= set(replay)
