"""Reference connector: the sync engine's rules, step by step through the seed article, on in-memory platforms."""

from __future__ import annotations

import pytest
from connector_doubles import (
    ALICE,
    ALICE_SF,
    AWAY,
    BOB,
    BOB_SF,
    CHANNEL,
    ONLINE,
    OTHER_QUEUE_SF,
    QUEUE1,
    QUEUE1_SF,
    QUEUE2,
    QUEUE2_SF,
)

from omni_harness.connectors.reference.events import ChangeEvent, ChangeType, PresenceChange
from omni_harness.connectors.reference.ids import sf_id18
from omni_harness.connectors.reference.store import LegRecord

WORK_ITEM = sf_id18("570000000000001")


def psr_created(psr: dict) -> ChangeEvent:
    fields = {k: v for k, v in psr.items() if k != "type"}
    return ChangeEvent("PendingServiceRouting", ChangeType.CREATE, psr["Id"], fields)


def work_update(work_id: str, status: str) -> ChangeEvent:
    return ChangeEvent("AgentWork", ChangeType.UPDATE, work_id, {"Id": work_id, "Status": status},
                       changed_fields=("Status", "LastModifiedDate"))


def work_created(work_id: str, user: str, status: str = "Assigned") -> ChangeEvent:
    return ChangeEvent("AgentWork", ChangeType.CREATE, work_id,
                       {"Id": work_id, "WorkItemId": WORK_ITEM, "UserId": user, "Status": status,
                        "ServiceChannelId": CHANNEL})


def routed_chat(h) -> tuple[str, dict]:
    """A customer chat in Chat_Queue_1: the PSR event raises the Genesys chat."""
    psr = h.salesforce.add_psr(WORK_ITEM, QUEUE1_SF)
    h.engine.on_change(psr_created(psr))
    (call,) = h.genesys.named("create_chat")
    cid = next(iter(h.genesys.conversations))
    return cid, psr


def picked_up(h, user: str = ALICE) -> tuple[str, str, str]:
    """Routed, alerted to `user`, picked up; returns (conversation, participant, AgentWork id)."""
    cid, psr = routed_chat(h)
    pid = h.genesys.add_agent(cid, user)
    h.snapshot(cid)
    h.genesys.set_state(cid, pid, "connected")
    h.snapshot(cid)
    work_id = h.books.get(WORK_ITEM).legs[pid].agent_work_id
    h.engine.on_change(work_update(work_id, "Opened"))
    return cid, pid, work_id


# -- presence (seed step 1, PRES-1/PRES-2) ---------------------------------------------------------------
def test_on_queue_sets_omni_online_through_the_bridge(h):
    h.engine.on_presence(PresenceChange(ALICE, "ON_QUEUE"))
    assert h.salesforce.toolkit_calls() == [("toolkit", ALICE_SF, "setServicePresenceStatus", {"statusId": ONLINE})]


def test_leaving_on_queue_follows_the_mapping(h):
    h.engine.on_presence(PresenceChange(ALICE, "ON_QUEUE"))
    h.engine.on_presence(PresenceChange(ALICE, "AWAY"))
    h.engine.on_presence(PresenceChange(ALICE, "BREAK"))  # also "Away": nothing to change in Omni
    h.engine.on_presence(PresenceChange(ALICE, "AVAILABLE"))  # null: log out
    calls = [(c[2], c[3]) for c in h.salesforce.toolkit_calls()]
    assert calls == [("setServicePresenceStatus", {"statusId": ONLINE}),
                     ("setServicePresenceStatus", {"statusId": AWAY}), ("logout", {})]


def test_duplicate_and_unmapped_presence_do_nothing(h):
    h.engine.on_presence(PresenceChange(ALICE, "AVAILABLE"))  # first sighting, never logged in by us
    h.engine.on_presence(PresenceChange(ALICE, "ON_QUEUE"))
    h.engine.on_presence(PresenceChange(ALICE, "ON_QUEUE"))
    h.engine.on_presence(PresenceChange(ALICE, "MEETING"))  # not in the settings
    h.engine.on_presence(PresenceChange("g-stranger", "ON_QUEUE"))  # no Salesforce user
    assert len(h.salesforce.toolkit_calls()) == 1


def test_stale_read_back_never_undoes_a_live_presence_change(h):
    h.engine.on_presence(PresenceChange(ALICE, "ON_QUEUE", modified=10.0))
    h.engine.on_presence(PresenceChange(ALICE, "OFFLINE", modified=5.0, snapshot=True))  # read before the change
    assert [c[2] for c in h.salesforce.toolkit_calls()] == ["setServicePresenceStatus"]
    h.engine.on_presence(PresenceChange(ALICE, "AVAILABLE", modified=20.0, snapshot=True))  # a missed change
    assert [c[2] for c in h.salesforce.toolkit_calls()] == ["setServicePresenceStatus", "logout"]


def test_refused_presence_is_retried_by_the_next_event(h):
    h.salesforce.refuse["setServicePresenceStatus"] = 400
    h.engine.on_presence(PresenceChange(ALICE, "ON_QUEUE"))
    del h.salesforce.refuse["setServicePresenceStatus"]
    h.engine.on_presence(PresenceChange(ALICE, "ON_QUEUE"))
    assert len(h.salesforce.toolkit_calls("setServicePresenceStatus")) == 2


# -- routing (ROUTE-1, ROUTE-2) ------------------------------------------------------------------------------
def test_routing_request_raises_a_chat_in_the_paired_queue(h):
    cid, _ = routed_chat(h)
    assert h.genesys.named("create_chat") == [("create_chat", QUEUE1, WORK_ITEM)]
    assert h.books.get(WORK_ITEM).conversation_id == cid


def test_duplicate_routing_event_raises_one_chat(h):
    psr = h.salesforce.add_psr(WORK_ITEM, QUEUE1_SF)
    h.engine.on_change(psr_created(psr))
    h.engine.on_change(psr_created(psr))
    assert len(h.genesys.named("create_chat")) == 1


def test_unpaired_queue_and_other_routing_models_are_ignored(h):
    psr = h.salesforce.add_psr(WORK_ITEM, OTHER_QUEUE_SF)
    h.engine.on_change(psr_created(psr))
    psr2 = h.salesforce.add_psr(sf_id18("570000000000002"), QUEUE1_SF)
    psr2["RoutingModel"] = "MostAvailable"
    h.engine.on_change(psr_created(psr2))
    assert h.genesys.named("create_chat") == []


def test_replayed_request_that_no_longer_exists_is_not_routed(h):
    psr = h.salesforce.add_psr(WORK_ITEM, QUEUE1_SF)
    del h.salesforce.records[psr["Id"]]
    h.engine.on_change(psr_created(psr))
    assert h.genesys.named("create_chat") == []


def test_refused_chat_creation_can_be_retried(h):
    psr = h.salesforce.add_psr(WORK_ITEM, QUEUE1_SF)
    h.genesys.refuse["create_chat"] = 503
    h.engine.on_change(psr_created(psr))
    del h.genesys.refuse["create_chat"]
    h.engine.on_change(psr_created(psr))
    assert len(h.genesys.conversations) == 1


def test_plain_web_chat_is_left_alone(h):
    h.genesys.conversations["web"] = {"id": "web", "participants": [
        {"id": "c", "purpose": "customer", "state": "connected", "attributes": {}},
        {"id": "a", "purpose": "agent", "state": "connected", "user": {"id": ALICE}}]}
    h.snapshot("web")
    assert h.salesforce.calls == [] and h.books.work_items == {}


# -- pick up (PICK-1, PICK-2, PICK-3) -------------------------------------------------------------------------
def test_alert_creates_nothing_pick_up_inserts_and_accepts(h):
    cid, psr = routed_chat(h)
    pid = h.genesys.add_agent(cid, ALICE)
    h.snapshot(cid)
    assert h.salesforce.inserts() == []
    h.genesys.set_state(cid, pid, "connected")
    h.snapshot(cid)
    assert h.salesforce.inserts() == [{"ServiceChannelId": CHANNEL, "WorkItemId": WORK_ITEM, "UserId": ALICE_SF,
                                       "PendingServiceRoutingId": psr["Id"]}]
    work_id = h.books.get(WORK_ITEM).legs[pid].agent_work_id
    assert h.salesforce.toolkit_calls() == [("toolkit", ALICE_SF, "acceptAgentWork", {"workId": work_id})]


def test_duplicate_connected_events_insert_one_work(h):
    cid, pid, work_id = picked_up(h)
    h.snapshot(cid)
    h.engine.on_change(work_created(work_id, ALICE_SF))  # the platform's echo of our own insert
    h.snapshot(cid)
    assert len(h.salesforce.inserts()) == 1
    assert len(h.salesforce.toolkit_calls("acceptAgentWork")) == 1


def test_alert_timeout_then_reroute_gives_work_to_the_second_agent_only(h):
    cid, _ = routed_chat(h)
    first = h.genesys.add_agent(cid, ALICE)
    h.snapshot(cid)
    h.genesys.set_state(cid, first, "disconnected", "system")  # NOT_RESPONDING, re-routed
    second = h.genesys.add_agent(cid, BOB)
    h.snapshot(cid)
    h.genesys.set_state(cid, second, "connected")
    h.snapshot(cid)
    assert [w["UserId"] for w in h.salesforce.inserts()] == [BOB_SF]
    assert h.salesforce.toolkit_calls("closeAgentWork") == []


def test_refused_insert_is_retried_on_the_next_snapshot(h):
    cid, _ = routed_chat(h)
    pid = h.genesys.add_agent(cid, ALICE, "connected")
    h.salesforce.refuse["insert"] = 400
    h.snapshot(cid)
    del h.salesforce.refuse["insert"]
    h.snapshot(cid)
    assert len(h.salesforce.inserts()) == 1
    assert h.books.get(WORK_ITEM).legs[pid].agent_work_id


# -- ending (END-1, END-2, END-3) -------------------------------------------------------------------------------
def test_disconnect_in_client_closes_the_work_item(h):
    cid, pid, work_id = picked_up(h)
    h.genesys.set_state(cid, pid, "disconnected", "client")
    h.snapshot(cid)
    assert h.salesforce.toolkit_calls("closeAgentWork") == [("toolkit", ALICE_SF, "closeAgentWork",
                                                              {"workId": work_id})]
    h.engine.on_change(work_update(work_id, "Closed"))
    assert h.genesys.named("disconnect_participant") == []  # already disconnected: nothing to mirror back


def test_closing_the_work_item_in_salesforce_disconnects_the_client(h):
    cid, pid, work_id = picked_up(h)
    h.engine.on_change(work_update(work_id, "Closed"))
    assert h.genesys.named("disconnect_participant") == [("disconnect_participant", cid, pid)]
    h.snapshot(cid)  # the client's leg ends: the work is already closed
    h.engine.on_change(work_update(work_id, "Closed"))  # and a duplicate event changes nothing
    assert h.salesforce.toolkit_calls("closeAgentWork") == []
    assert len(h.genesys.named("disconnect_participant")) == 1


def test_chat_ended_with_the_window_open_keeps_the_interaction(h):
    cid, pid, work_id = picked_up(h)
    # The transcript completes but the AgentWork stays Opened: only an unrelated field changes.
    h.engine.on_change(ChangeEvent("AgentWork", ChangeType.UPDATE, work_id, {"LastModifiedDate": "x"},
                                   changed_fields=("LastModifiedDate",)))
    h.engine.on_change(ChangeEvent("LiveChatTranscript", ChangeType.UPDATE, WORK_ITEM, {"Status": "Completed"},
                                   changed_fields=("Status",)))
    assert h.genesys.named("disconnect_participant") == []
    assert h.salesforce.toolkit_calls("closeAgentWork") == []


# -- transfer to an agent (XFER-2, ACCEPT-1, ACCEPT-2, XFER-4) --------------------------------------------------
def start_agent_transfer(h):
    cid, sender, sender_work = picked_up(h)
    receiver_work = sf_id18("0Bz000000000777")
    h.engine.on_change(work_created(receiver_work, BOB_SF))
    return cid, sender, sender_work, receiver_work


def test_transfer_in_salesforce_is_an_attended_transfer_in_genesys(h):
    cid, sender, _, _ = start_agent_transfer(h)
    assert h.genesys.named("transfer_to_agent") == [("transfer_to_agent", cid, sender, BOB)]
    assert len(h.salesforce.inserts()) == 1  # the receiver's work is Omni-Channel's, not inserted again


def test_receiver_connects_then_accepts_and_sender_leg_end_closes_nothing(h):
    cid, sender, sender_work, receiver_work = start_agent_transfer(h)
    receiver = h.genesys.add_agent(cid, BOB)
    h.snapshot(cid)
    assert all(c[1] != BOB_SF for c in h.salesforce.toolkit_calls("acceptAgentWork"))  # alerting: not yet
    # Genesys completes the attended transfer: receiver connected, sender's leg ends with "transfer".
    h.genesys.set_state(cid, receiver, "connected")
    h.genesys.set_state(cid, sender, "disconnected", "transfer")
    h.snapshot(cid)
    assert h.salesforce.toolkit_calls("acceptAgentWork")[-1] == ("toolkit", BOB_SF, "acceptAgentWork",
                                                                  {"workId": receiver_work})
    h.engine.on_change(work_update(receiver_work, "Opened"))
    h.engine.on_change(work_update(sender_work, "Transferred"))
    assert h.salesforce.toolkit_calls("closeAgentWork") == []
    assert h.genesys.named("disconnect_participant") == []
    # Later the receiver disconnects in the client: their work closes.
    h.genesys.set_state(cid, receiver, "disconnected", "client")
    h.snapshot(cid)
    assert h.salesforce.toolkit_calls("closeAgentWork") == [("toolkit", BOB_SF, "closeAgentWork",
                                                              {"workId": receiver_work})]


@pytest.mark.parametrize(("disconnect_type", "reason"), [
    ("client", "Declined in Genesys Cloud"),  # the receiver declined in the client
    ("system", "Alert timed out in Genesys Cloud"),  # the alert timed out
])
def test_receiver_leaving_while_alerted_declines_the_work_and_sender_keeps_it(h, disconnect_type, reason):
    cid, sender, sender_work, receiver_work = start_agent_transfer(h)
    receiver = h.genesys.add_agent(cid, BOB)
    h.snapshot(cid)
    h.genesys.set_state(cid, receiver, "disconnected", disconnect_type)
    h.snapshot(cid)
    assert h.salesforce.toolkit_calls("declineAgentWork") == [
        ("toolkit", BOB_SF, "declineAgentWork", {"workId": receiver_work, "declineReason": reason})]
    h.engine.on_change(work_update(receiver_work, "Declined"))
    # The sender still has the chat: disconnecting later closes the sender's work.
    h.genesys.set_state(cid, sender, "disconnected", "client")
    h.snapshot(cid)
    assert h.salesforce.toolkit_calls("closeAgentWork") == [("toolkit", ALICE_SF, "closeAgentWork",
                                                              {"workId": sender_work})]


def test_duplicate_transfer_event_transfers_once(h):
    cid, _, _, receiver_work = start_agent_transfer(h)
    h.engine.on_change(work_created(receiver_work, BOB_SF))
    assert len(h.genesys.named("transfer_to_agent")) == 1


def test_refused_genesys_transfer_declines_the_receivers_work(h):
    cid, sender, sender_work = picked_up(h)
    h.genesys.refuse["transfer_to_agent"] = 403
    receiver_work = sf_id18("0Bz000000000777")
    h.engine.on_change(work_created(receiver_work, BOB_SF))
    assert [c[3]["workId"] for c in h.salesforce.toolkit_calls("declineAgentWork")] == [receiver_work]
    h.genesys.set_state(cid, sender, "disconnected", "client")
    h.snapshot(cid)
    assert [c[3]["workId"] for c in h.salesforce.toolkit_calls("closeAgentWork")] == [sender_work]


def test_receiver_declining_in_salesforce_withdraws_the_genesys_alert(h):
    cid, sender, sender_work, receiver_work = start_agent_transfer(h)
    receiver = h.genesys.add_agent(cid, BOB)
    h.snapshot(cid)
    h.engine.on_change(work_update(receiver_work, "Declined"))
    assert h.genesys.named("disconnect_participant") == [("disconnect_participant", cid, receiver)]
    h.snapshot(cid)  # the withdrawn alert ends: nothing more to decline
    assert h.salesforce.toolkit_calls("declineAgentWork") == []


# -- transfer to a queue (XFER-3) ------------------------------------------------------------------------------
def test_queue_transfer_moves_the_chat_and_routing_repeats(h):
    cid, sender, sender_work = picked_up(h)
    new_psr = h.salesforce.add_psr(WORK_ITEM, QUEUE2_SF, is_transfer=True)
    h.engine.on_change(psr_created(new_psr))
    assert h.genesys.named("transfer_to_queue") == [("transfer_to_queue", cid, sender, QUEUE2)]
    h.snapshot(cid)  # the sender's leg ended by the transfer (before Salesforce's Transferred event arrives)
    h.engine.on_change(work_update(sender_work, "Transferred"))
    assert h.salesforce.toolkit_calls("closeAgentWork") == []
    assert h.genesys.named("disconnect_participant") == []
    receiver = h.genesys.add_agent(cid, BOB, "connected")
    h.snapshot(cid)
    assert h.salesforce.inserts()[-1] == {"ServiceChannelId": CHANNEL, "WorkItemId": WORK_ITEM, "UserId": BOB_SF,
                                          "PendingServiceRoutingId": new_psr["Id"]}
    assert h.books.get(WORK_ITEM).legs[receiver].agent_work_id


def test_queue_transfer_after_the_interaction_ended_raises_a_new_one(h):
    cid, sender, sender_work = picked_up(h)
    for p in h.genesys.conversations[cid]["participants"]:
        p["state"] = "disconnected"
    h.snapshot(cid)
    new_psr = h.salesforce.add_psr(WORK_ITEM, QUEUE2_SF, is_transfer=True)
    h.engine.on_change(psr_created(new_psr))
    assert h.genesys.named("create_chat")[-1] == ("create_chat", QUEUE2, WORK_ITEM)
    assert h.genesys.named("transfer_to_queue") == []


# -- restart and recovery (RES-5, RES-6) -------------------------------------------------------------------------
def test_restart_between_intent_and_answer_routes_again(h):
    psr = h.salesforce.add_psr(WORK_ITEM, QUEUE1_SF)
    rec = h.books.ensure(WORK_ITEM)
    with h.books.edit(rec):
        rec.psr_id, rec.creating = psr["Id"], True
        rec.routed_psrs.append(psr["Id"])
    h.restart()
    h.engine.reconcile(WORK_ITEM)
    assert h.genesys.named("create_chat") == [("create_chat", QUEUE1, WORK_ITEM)]
    assert h.books.get(WORK_ITEM).conversation_id



def test_restart_mid_chat_resumes_from_the_books(h):
    cid, pid, work_id = picked_up(h)
    h.restart()
    h.snapshot(cid)  # reconciliation after the restart: still connected
    assert len(h.salesforce.inserts()) == 1
    h.genesys.set_state(cid, pid, "disconnected", "client")
    h.snapshot(cid)
    assert [c[3]["workId"] for c in h.salesforce.toolkit_calls("closeAgentWork")] == [work_id]


def test_insert_whose_answer_was_lost_is_recovered_not_repeated(h):
    cid, psr = routed_chat(h)
    pid = h.genesys.add_agent(cid, ALICE, "connected")
    # The connector stopped after Salesforce created the work but before it wrote the id down.
    rec = h.books.get(WORK_ITEM)
    with h.books.edit(rec):
        rec.legs[pid] = LegRecord(pid, cid, ALICE, insert_started=True)
    lost = h.salesforce.insert_agent_work({"ServiceChannelId": CHANNEL, "WorkItemId": WORK_ITEM, "UserId": ALICE_SF,
                                           "PendingServiceRoutingId": psr["Id"]})
    h.restart()
    h.snapshot(cid)
    assert len(h.salesforce.inserts()) == 1
    assert h.salesforce.toolkit_calls("acceptAgentWork") == [("toolkit", ALICE_SF, "acceptAgentWork",
                                                               {"workId": lost})]


def test_conversation_seen_without_books_is_adopted(h):
    cid, psr = routed_chat(h)
    for path in (h.state_dir / "work-items").iterdir():
        path.unlink()  # the books are lost
    h.restart()
    pid = h.genesys.add_agent(cid, ALICE, "connected")
    h.snapshot(cid)
    (insert,) = h.salesforce.inserts()
    assert insert["PendingServiceRoutingId"] == psr["Id"]  # found again by querying the work item
    assert h.books.get(WORK_ITEM).legs[pid].agent_work_id


def test_customer_leaving_before_pick_up_ends_the_waiting_interaction(h):
    cid, psr = routed_chat(h)
    h.engine.on_change(ChangeEvent("PendingServiceRouting", ChangeType.DELETE, psr["Id"], {}))
    assert h.genesys.named("disconnect_conversation") == [("disconnect_conversation", cid)]


def test_accepted_request_deletion_leaves_the_chat_alone(h):
    cid, pid, work_id = picked_up(h)
    psr_id = h.books.get(WORK_ITEM).psr_id
    h.engine.on_change(ChangeEvent("PendingServiceRouting", ChangeType.DELETE, psr_id, {}))
    assert h.genesys.named("disconnect_conversation") == []


def test_stale_snapshot_never_moves_a_leg_backwards(h):
    cid, pid, work_id = picked_up(h)
    h.genesys.set_state(cid, pid, "disconnected", "client")
    h.snapshot(cid)
    h.genesys.set_state(cid, pid, "connected")  # a delayed, older event
    h.snapshot(cid)
    assert len(h.salesforce.inserts()) == 1
    assert len(h.salesforce.toolkit_calls("closeAgentWork")) == 1


def test_dispatch_keys_group_a_work_item(h):
    cid, pid, work_id = picked_up(h)
    key = h.engine.key_for_conversation(h.genesys.view(cid))
    assert key == f"wi:{WORK_ITEM}"
    assert h.engine.key_for_change(work_update(work_id, "Closed")) == key
    psr_id = h.books.get(WORK_ITEM).psr_id
    assert h.engine.key_for_change(ChangeEvent("PendingServiceRouting", ChangeType.DELETE, psr_id, {})) == key
