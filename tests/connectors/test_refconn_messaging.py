"""Reference connector: Salesforce messaging sessions routed through Genesys Cloud Open Messaging, on in-memory
platforms (the same bridge as chat, on message media, plus the customer leaving and coming back)."""

from __future__ import annotations

from datetime import UTC, datetime

import PureCloudPlatformClientV2 as gc
from connector_doubles import (
    ALICE,
    ALICE_SF,
    BOB,
    BOB_SF,
    INTEGRATION1,
    INTEGRATION2,
    MESSAGE_CHANNEL,
    MQUEUE1,
    MQUEUE1_SF,
    MQUEUE2,
    MQUEUE2_SF,
)

from omni_harness.connectors.reference.events import ChangeEvent, ChangeType, conversation_view, is_conversation_topic
from omni_harness.connectors.reference.open_messaging import media_of_work_item, open_message_body


def psr_created(psr: dict) -> ChangeEvent:
    return ChangeEvent("PendingServiceRouting", ChangeType.CREATE, psr["Id"],
                       {k: v for k, v in psr.items() if k != "type"})


def work_update(work_id: str, status: str) -> ChangeEvent:
    return ChangeEvent("AgentWork", ChangeType.UPDATE, work_id, {"Id": work_id, "Status": status},
                       changed_fields=("Status", "LastModifiedDate"))


def session_ended(session_id: str, ended_by: str | None) -> ChangeEvent:
    fields = {"Id": session_id, "Status": "Ended", "EndTime": "2026-12-03T12:00:00.000Z"}
    changed = ["Status", "EndTime"]
    if ended_by is not None:
        fields["EndedByType"] = ended_by
        changed.append("EndedByType")
    return ChangeEvent("MessagingSession", ChangeType.UPDATE, session_id, fields, changed_fields=tuple(changed))


def routed_session(h, queue_sf: str = MQUEUE1_SF, end_user: str | None = None) -> tuple[str, str, dict]:
    """A customer's messaging session in a messaging queue: the PSR event sends the inbound open message.
    Returns (session id, conversation id, PSR)."""
    session, _ = h.salesforce.add_messaging_session("Ann", end_user)
    psr = h.salesforce.add_message_psr(session, queue_sf)
    h.engine.on_change(psr_created(psr))
    return session, h.books.get(session).conversation_id, psr


def picked_up(h, user: str = ALICE, end_user: str | None = None) -> tuple[str, str, str, str]:
    """Routed, alerted to `user`, picked up, work Opened; returns (session, conversation, participant, work)."""
    session, cid, _ = routed_session(h, end_user=end_user)
    pid = h.genesys.add_agent(cid, user)
    h.snapshot(cid)
    h.genesys.set_state(cid, pid, "connected")
    h.snapshot(cid)
    work_id = h.books.get(session).legs[pid].agent_work_id
    h.engine.on_change(work_update(work_id, "Opened"))
    return session, cid, pid, work_id


def customer_of(h, cid: str) -> dict:
    return [p for p in h.genesys.conversations[cid]["participants"] if p["purpose"] == "customer"][-1]


# -- the inbound open message ----------------------------------------------------------------------------------
def test_inbound_body_carries_the_customer_the_request_and_the_work_item():
    body = open_message_body("0PA000000000001AAA", "Ann", "0JR000000000001AAA", "0Mw000000000001AAA", "hi",
                             now=datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    assert body == {
        "channel": {"from": {"id": "0PA000000000001AAA", "idType": "Opaque", "nickname": "Ann"},
                    "time": "2026-12-03T12:00:00.000Z", "messageId": "0JR000000000001AAA",
                    "metadata": {"customAttributes": {"workItemId": "0Mw000000000001AAA"}}},
        "text": "hi", "metadata": {"workItemId": "0Mw000000000001AAA"}}
    assert "nickname" not in open_message_body("eu", None, "m", "w", "t")["channel"]["from"]


def test_sdk_keeps_the_custom_attributes_of_a_plain_body_and_drops_them_from_its_model():
    client = gc.ApiClient()
    body = open_message_body("eu", "Ann", "m", "0Mw000000000001AAA", "t")
    sent = client.sanitize_for_serialization(body)
    assert sent["channel"]["metadata"]["customAttributes"] == {"workItemId": "0Mw000000000001AAA"}
    # Why the connector sends a dict: the SDK 263 model of the same message loses them.
    model = gc.OpenInboundNormalizedMessage()
    model.channel = gc.OpenInboundMessageMessagingChannel()
    model.channel.message_id = "m"
    model.channel.metadata = gc.ConversationChannelMetadata()
    assert "customAttributes" not in str(client.sanitize_for_serialization(model))


def test_media_of_a_work_item_follows_its_key_prefix():
    assert media_of_work_item("0Mw000000000001AAA") == "messaging"
    assert media_of_work_item("570000000000001AAA") == "chat"


def test_message_topics_are_conversation_topics():
    assert is_conversation_topic("v2.users.u1.conversations.messages")
    assert is_conversation_topic("v2.routing.queues.q1.conversations.messages")
    assert not is_conversation_topic("v2.users.u1.presence")


def test_work_item_of_a_returning_customer_is_the_live_customer_legs():
    view = conversation_view({"id": "c", "participants": [
        {"id": "p0", "purpose": "customer", "state": "disconnected", "attributes": {"workItemId": "0Mw000000000001"}},
        {"id": "p1", "purpose": "customer", "state": "connected", "attributes": {"workItemId": "0Mw000000000002"}}]})
    assert view.work_item_id.startswith("0Mw000000000002")


# -- routing (ROUTE-1, ROUTE-2, RES-6) ---------------------------------------------------------------------------
def test_messaging_request_sends_one_inbound_message_on_the_pairs_integration(h):
    session, cid, psr = routed_session(h)
    ((_, integration, body),) = h.genesys.named("send_open_message")
    end_user = h.salesforce.records[session]["MessagingEndUserId"]
    assert integration == INTEGRATION1
    assert body["channel"]["from"] == {"id": end_user, "idType": "Opaque", "nickname": "Ann"}
    assert body["channel"]["messageId"] == psr["Id"]
    assert body["channel"]["metadata"]["customAttributes"] == {"workItemId": session}
    assert h.genesys.named("create_chat") == []
    rec = h.books.get(session)
    assert (rec.media, rec.conversation_id, rec.messaging_end_user_id) == ("messaging", cid, end_user)
    assert h.books.work_item_for_conversation(cid) == session
    assert h.genesys.view(cid).work_item_id == session


def test_duplicate_messaging_request_event_sends_one_message(h):
    session, _ = h.salesforce.add_messaging_session()
    psr = h.salesforce.add_message_psr(session, MQUEUE1_SF)
    h.engine.on_change(psr_created(psr))
    h.engine.on_change(psr_created(psr))
    h.restart()
    h.engine.on_change(psr_created(psr))  # replayed after a restart
    assert len(h.genesys.named("send_open_message")) == 1


def test_restart_between_intent_and_answer_resends_the_same_message(h):
    session, _ = h.salesforce.add_messaging_session()
    psr = h.salesforce.add_message_psr(session, MQUEUE1_SF)
    h.engine.on_change(psr_created(psr))
    (first,) = h.genesys.named("send_open_message")
    rec = h.books.get(session)
    with h.books.edit(rec):  # as if the connector stopped before the answer was written down
        rec.conversation_id, rec.creating = None, True
    h.restart()
    h.engine.reconcile(session)
    second = h.genesys.named("send_open_message")[-1]
    assert second[2]["channel"]["messageId"] == first[2]["channel"]["messageId"] == psr["Id"]
    assert len(h.genesys.conversations) == 1  # Genesys took the same message id for the same message
    assert h.books.get(session).conversation_id == next(iter(h.genesys.conversations))


def test_integration_named_after_start_up_is_looked_up_once(h):
    routed_session(h, MQUEUE2_SF)
    routed_session(h, MQUEUE2_SF)
    assert [c[1] for c in h.genesys.named("send_open_message")] == [INTEGRATION2, INTEGRATION2]
    assert len(h.genesys.named("open_messaging_integrations")) == 1


def test_unknown_integration_or_refused_message_leaves_the_request_for_a_retry(h):
    del h.genesys.integrations["Salesforce Messaging 2"]
    session, _ = h.salesforce.add_messaging_session()
    psr = h.salesforce.add_message_psr(session, MQUEUE2_SF)
    h.engine.on_change(psr_created(psr))
    assert h.genesys.named("send_open_message") == [] and psr["Id"] not in h.books.get(session).routed_psrs
    h.genesys.refuse["send_open_message"] = 503
    session1, _ = h.salesforce.add_messaging_session()
    psr1 = h.salesforce.add_message_psr(session1, MQUEUE1_SF)
    h.engine.on_change(psr_created(psr1))
    assert psr1["Id"] not in h.books.get(session1).routed_psrs
    del h.genesys.refuse["send_open_message"]
    h.engine.on_change(psr_created(psr1))
    assert h.books.get(session1).conversation_id


# -- pick up, disconnect, close (PICK, END) ----------------------------------------------------------------------
def test_pick_up_inserts_the_messaging_work_and_accepts_it(h):
    session, cid, psr = routed_session(h)
    pid = h.genesys.add_agent(cid, ALICE)
    h.snapshot(cid)
    assert h.salesforce.inserts() == []  # an alert creates nothing
    h.genesys.set_state(cid, pid, "connected")
    h.snapshot(cid)
    assert h.salesforce.inserts() == [{"ServiceChannelId": MESSAGE_CHANNEL, "WorkItemId": session, "UserId": ALICE_SF,
                                       "PendingServiceRoutingId": psr["Id"]}]
    work_id = h.books.get(session).legs[pid].agent_work_id
    assert h.salesforce.toolkit_calls("acceptAgentWork") == [("toolkit", ALICE_SF, "acceptAgentWork",
                                                              {"workId": work_id})]


def test_disconnect_in_the_client_closes_the_messaging_work(h):
    session, cid, pid, work_id = picked_up(h)
    h.genesys.set_state(cid, pid, "disconnected", "client")
    h.snapshot(cid)
    assert h.salesforce.toolkit_calls("closeAgentWork") == [("toolkit", ALICE_SF, "closeAgentWork",
                                                             {"workId": work_id})]


def test_closing_the_tab_disconnects_the_agent_leg_on_the_message_endpoints(h):
    session, cid, pid, work_id = picked_up(h)
    h.engine.on_change(work_update(work_id, "Closed"))
    assert h.genesys.named("disconnect_participant") == [("disconnect_participant", cid, pid)]
    assert ("disconnect_participant", pid, "messaging") in h.genesys.media_used
    assert all(m == "messaging" for op, _, m in h.genesys.media_used)


def test_session_ended_by_the_agent_keeps_the_interaction(h):
    session, cid, pid, work_id = picked_up(h)
    h.engine.on_change(session_ended(session, "Agent"))  # endChat in the console, tab still open (END-3)
    assert h.genesys.named("disconnect_participant") == []
    assert h.salesforce.toolkit_calls("closeAgentWork") == []


def test_customer_leaving_a_waiting_session_ends_the_waiting_interaction(h):
    session, cid, psr = routed_session(h)
    h.engine.on_change(session_ended(session, "EndUser"))
    assert h.genesys.named("disconnect_participant") == []  # nobody has it open: the request's deletion says it
    h.engine.on_change(ChangeEvent("PendingServiceRouting", ChangeType.DELETE, psr["Id"], {}))
    assert h.genesys.named("disconnect_conversation") == [("disconnect_conversation", cid)]
    assert ("disconnect_conversation", cid, "messaging") in h.genesys.media_used


# -- the customer leaves and comes back --------------------------------------------------------------------------
def test_customer_leaving_disconnects_the_customer_leg_only(h):
    session, cid, pid, work_id = picked_up(h)
    customer = customer_of(h, cid)["id"]
    h.engine.on_change(session_ended(session, "EndUser"))
    h.engine.on_change(session_ended(session, "EndUser"))  # delivered twice
    assert h.genesys.named("disconnect_participant") == [("disconnect_participant", cid, customer)]
    h.snapshot(cid)  # the customer's leg is gone; the agent's leg and work stay until the tab closes
    assert h.salesforce.toolkit_calls("closeAgentWork") == []
    assert h.books.get(session).agent_works[work_id].active
    h.engine.on_change(work_update(work_id, "Closed"))  # the agent closes the tab: the usual END-2 path
    assert h.genesys.named("disconnect_participant")[-1] == ("disconnect_participant", cid, pid)
    h.snapshot(cid)
    assert h.books.get(session).finished


def test_ended_by_type_missing_from_the_event_is_read_from_the_session(h):
    session, cid, pid, work_id = picked_up(h)
    h.salesforce.records[session].update(Status="Ended", EndedByType="EndUser")
    h.engine.on_change(session_ended(session, None))
    assert h.genesys.named("disconnect_participant") == [("disconnect_participant", cid, customer_of(h, cid)["id"])]


def finish(h, session: str, cid: str, pid: str, work_id: str) -> None:
    """The customer leaves, the agent closes the tab, Genesys ends the agent's leg."""
    h.engine.on_change(session_ended(session, "EndUser"))
    h.snapshot(cid)
    h.engine.on_change(work_update(work_id, "Closed"))
    h.snapshot(cid)


def test_returning_customer_brings_back_the_conversation_for_the_new_session(h):
    first, cid, alice_leg, alice_work = picked_up(h)
    finish(h, first, cid, alice_leg, alice_work)
    end_user = h.salesforce.records[first]["MessagingEndUserId"]
    second, _ = h.salesforce.add_messaging_session("Ann", end_user)  # /return: a new session, same end user
    psr = h.salesforce.add_message_psr(second, MQUEUE1_SF)
    h.engine.on_change(psr_created(psr))
    body = h.genesys.named("send_open_message")[-1][2]
    assert body["channel"]["from"]["id"] == end_user and body["channel"]["messageId"] == psr["Id"]
    assert h.books.get(second).conversation_id == cid  # Genesys routed the same conversation again
    assert h.books.work_item_for_conversation(cid) == second
    assert h.books.get(first).superseded_by == second
    h.restart()  # the mapping survives a restart
    assert h.books.work_item_for_conversation(cid) == second
    bob_leg = h.genesys.add_agent(cid, BOB)
    h.snapshot(cid)
    h.genesys.set_state(cid, bob_leg, "connected")
    h.snapshot(cid)
    assert h.salesforce.inserts()[-1] == {"ServiceChannelId": MESSAGE_CHANNEL, "WorkItemId": second,
                                          "UserId": BOB_SF, "PendingServiceRoutingId": psr["Id"]}
    assert alice_leg not in h.books.get(second).legs  # the first session's leg stays the first session's
    assert len(h.salesforce.inserts()) == 2


def test_disconnect_after_the_return_closes_only_the_new_sessions_work(h):
    first, cid, alice_leg, alice_work = picked_up(h)
    finish(h, first, cid, alice_leg, alice_work)
    second, _ = h.salesforce.add_messaging_session("Ann", h.salesforce.records[first]["MessagingEndUserId"])
    h.engine.on_change(psr_created(h.salesforce.add_message_psr(second, MQUEUE1_SF)))
    leg = h.genesys.add_agent(cid, ALICE)
    h.snapshot(cid)
    h.genesys.set_state(cid, leg, "connected")
    h.snapshot(cid)
    work = h.books.get(second).legs[leg].agent_work_id
    h.engine.on_change(work_update(work, "Opened"))
    closes_before = len(h.salesforce.toolkit_calls("closeAgentWork"))
    h.genesys.set_state(cid, leg, "disconnected", "client")
    h.snapshot(cid)
    assert h.salesforce.toolkit_calls("closeAgentWork")[closes_before:] == [
        ("toolkit", ALICE_SF, "closeAgentWork", {"workId": work})]


# -- transfers (XFER) -------------------------------------------------------------------------------------------------
def test_queue_transfer_of_a_session_moves_the_conversation(h):
    session, cid, sender, sender_work = picked_up(h)
    new_psr = h.salesforce.add_message_psr(session, MQUEUE2_SF, is_transfer=True)
    h.engine.on_change(psr_created(new_psr))
    assert h.genesys.named("transfer_to_queue") == [("transfer_to_queue", cid, sender, MQUEUE2)]
    assert len(h.genesys.named("send_open_message")) == 1
    receiver = h.genesys.add_agent(cid, BOB, "connected")
    h.snapshot(cid)
    assert h.salesforce.inserts()[-1]["WorkItemId"] == session and h.books.get(session).legs[receiver].agent_work_id


def test_queue_transfer_after_the_conversation_ended_routes_the_customer_again(h):
    session, cid, sender, sender_work = picked_up(h)
    for p in h.genesys.conversations[cid]["participants"]:
        p["state"] = "disconnected"
    h.snapshot(cid)
    new_psr = h.salesforce.add_message_psr(session, MQUEUE2_SF, is_transfer=True)
    h.engine.on_change(psr_created(new_psr))
    last = h.genesys.named("send_open_message")[-1]
    assert (last[1], last[2]["channel"]["messageId"]) == (INTEGRATION2, new_psr["Id"])
    assert h.genesys.named("transfer_to_queue") == []


def test_agent_transfer_of_a_session_is_attended_in_genesys(h):
    session, cid, sender, sender_work = picked_up(h)
    receiver_work = "0Bz000000000099AAA"
    h.engine.on_change(ChangeEvent("AgentWork", ChangeType.CREATE, receiver_work,
                                   {"Id": receiver_work, "WorkItemId": session, "UserId": BOB_SF,
                                    "Status": "Assigned", "ServiceChannelId": MESSAGE_CHANNEL}))
    assert h.genesys.named("transfer_to_agent") == [("transfer_to_agent", cid, sender, BOB)]


def test_dispatch_key_of_a_session_event_is_its_work_item(h):
    session, cid, _ = routed_session(h)
    assert h.engine.key_for_change(session_ended(session, "EndUser")) == f"wi:{session}"
    assert h.engine.key_for_conversation(h.genesys.view(cid)) == f"wi:{session}"


def test_queue_of_the_integration_is_where_the_double_raised_it(h):
    _, cid, _ = routed_session(h)
    acd = [p for p in h.genesys.conversations[cid]["participants"] if p["purpose"] == "acd"]
    assert acd[0]["queue"]["id"] == MQUEUE1


def test_directory_names_what_messaging_settings_lack():
    from connector_doubles import directory

    d = directory()
    assert d.missing() == ["Open Messaging integration 'Salesforce Messaging 2'"]  # found only on first use
    assert d.service_channel_id("messaging") == MESSAGE_CHANNEL and d.service_channel_id() != MESSAGE_CHANNEL
    assert d.genesys_queue_ids("messaging") == [MQUEUE1, MQUEUE2]
    del d.channels["sfdc_livemessage"]
    assert "service channel 'sfdc_livemessage'" in d.missing()
