"""Reference connector end to end: the real process against both fakes (TLS on), driven over the wire.

Every wait rides the fakes' event feed; nothing sleeps. One connector serves the module; each test leases its own
agents and queue pair from the seeded pool so the flows do not interfere.
"""

from __future__ import annotations

import pytest
from connector_wire import AVAILABLE, fakes_ready, genesys_conversation, of_type, running_world, sf_change

pytestmark = [pytest.mark.skipif(not fakes_ready(), reason="both fakes are needed"), pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory):
    with running_world(tmp_path_factory.mktemp("refconn-e2e")) as world:
        yield world


@pytest.fixture
def world(shared_world):
    yield shared_world
    shared_world.release()


def test_one_whole_chat_disconnected_in_the_client(world):
    alice, queue = world.agent(), world.queue()
    world.on_queue(alice)  # seed step 1
    work_item, cid, pid, work_id = world.route_and_pick_up(alice, queue)  # step 2
    works = world.feed.all(sf_change("AgentWork", "CREATE", WorkItemId=work_item))
    assert len(works) == 1 and works[0]["data"]["record"]["UserId"] == alice.salesforce_user_id
    alice.console("sendMessage", workItemId=work_item, text="How can I help?")  # step 3
    mark = world.feed.mark()
    alice.participant(cid, pid, {"state": "disconnected"})  # step 4: Disconnect in the client
    world.feed.wait("the work item Closed", sf_change("AgentWork", "UPDATE", Status="Closed", WorkItemId=work_item),
                    since=mark)
    world.feed.wait("the console tab closed", of_type("salesforce", "console.tab", workId=work_id, action="closed"),
                    since=mark)
    codes = alice.wrapup_codes(cid, pid)  # step 5: wrap-up stays in Genesys
    mark = world.feed.mark()
    alice.participant(cid, pid, {"wrapup": {"code": codes[0]["id"], "notes": "done"}})
    world.feed.wait("wrap-up recorded", of_type("genesys", "conversation.wrapup", participantId=pid), since=mark)
    world.feed.wait(f"{alice.email} routable again",
                    of_type("genesys", "user.routingStatus", userId=alice.genesys_user_id, status="IDLE"), since=mark)
    # Leaving On Queue logs the agent out of Omni-Channel (AVAILABLE -> null in the sync settings).
    mark = world.feed.mark()
    alice.set_presence(AVAILABLE)
    world.feed.wait("Omni logout", of_type("salesforce", "console.presence", userId=alice.salesforce_user_id,
                                           statusDeveloperName=None), since=mark)


def test_closing_the_work_item_in_salesforce_disconnects_the_client(world):
    bob, queue = world.agent(), world.queue()
    world.on_queue(bob)
    work_item, cid, pid, work_id = world.route_and_pick_up(bob, queue)
    mark = world.feed.mark()
    bob.console("endChat", workItemId=work_item)  # chat ended, window left open: the interaction stays
    world.feed.wait("the chat transcript Completed", sf_change("LiveChatTranscript", "UPDATE", Status="Completed"),
                    since=mark)
    bob.console("closeTab", workId=work_id)
    world.feed.wait("the client leg disconnected",
                    genesys_conversation("participant.disconnected", participantId=pid), since=mark)
    # Nothing disconnected the client before the tab closed.
    closed_at = world.feed.wait("tab closed", of_type("salesforce", "console.tab", workId=work_id, action="closed"),
                                since=mark)["seq"]
    early = world.feed.all(genesys_conversation("participant.disconnected", participantId=pid), since=mark)
    assert all(e["seq"] > closed_at for e in early)


def test_transfer_to_an_agent_in_salesforce(world):
    sender, receiver, queue = world.agent(), world.agent(), world.queue()
    world.on_queue(sender)
    work_item, cid, sender_pid, sender_work = world.route_and_pick_up(sender, queue)
    world.on_queue(receiver)
    mark = world.feed.mark()
    # The Genesys transfer itself alerts the receiver (change "transferred", state alerting).
    alert = world.transfer_to_agent(sender, receiver, work_item, cid, since=mark)
    customer = [p for p in alert["conversation"]["participants"] if p["purpose"] == "customer"][0]
    assert customer["attributes"]["workItemId"] == work_item
    # Before the receiver accepts, the sender still has the work item.
    assert not world.feed.all(sf_change("AgentWork", "UPDATE", Status="Transferred"), since=mark)
    receiver.participant(cid, alert["participantId"], {"state": "connected"})
    world.feed.wait("the sender's work Transferred", sf_change("AgentWork", "UPDATE", Status="Transferred",
                                                               UserId=sender.salesforce_user_id), since=mark)
    world.feed.wait("the receiver's work opened", of_type("salesforce", "console.tab", action="opened",
                                                          userId=receiver.salesforce_user_id), since=mark)
    # Genesys completes the attended transfer in one change: receiver connected, sender's leg ended.
    connected = world.feed.wait("the receiver connected", genesys_conversation(
        "participant.connected", userId=receiver.genesys_user_id, conversationId=cid), since=mark)["data"]
    sender_leg = [p for p in connected["conversation"]["participants"] if p["id"] == sender_pid][0]
    assert (sender_leg["state"], sender_leg.get("disconnectType")) == ("disconnected", "transfer")
    # The sender's leg ended by the transfer: the connector closed nothing on their behalf.
    assert not world.feed.all(sf_change("AgentWork", "UPDATE", Status="Closed", UserId=sender.salesforce_user_id),
                              since=mark)


def test_transfer_to_a_queue_in_salesforce_routes_again(world):
    first, second = world.agent(), world.agent()
    queue, target = world.queue(), world.queue()
    world.on_queue(first)
    work_item, cid, first_pid, _ = world.route_and_pick_up(first, queue)
    world.on_queue(second)
    mark = world.feed.mark()
    first.console("transferChat", workItemId=work_item, toQueue=target)
    alert = world.feed.wait("the chat alerting again from the target queue",
                            genesys_conversation("participant.alerting", userId=second.genesys_user_id),
                            since=mark)["data"]
    second.participant(alert["conversationId"], alert["participantId"], {"state": "connected"})
    world.feed.wait("the second agent's work opened", of_type("salesforce", "console.tab", action="opened",
                                                              userId=second.salesforce_user_id,
                                                              workItemId=work_item), since=mark)


def test_connector_made_no_request_a_platform_refused(world):
    """DESIGN §4.6: a connector that passes only because a platform refused its mistakes shows up as 4xx."""
    import requests

    client_id = world.stack.env()["GENESYS_CLIENT_ID"]
    entries = requests.get(f"{world.g_url}/_fake/journal", params={"kind": "request"},
                           verify=world.ca or True).json()["entries"]

    def by_connector(e) -> bool:
        actor = e["data"].get("actor")
        if e["source"] == "genesys":
            return isinstance(actor, str) and actor == f"client:{client_id}"
        return isinstance(actor, dict) and actor.get("kind") == "oauth"

    mine = [e for e in entries if by_connector(e)]
    assert {e["source"] for e in mine} == {"genesys", "salesforce"}, "the connector's requests were not found"
    refused = [(e["source"], e["data"]["method"], e["data"]["path"], e["data"]["status"]) for e in mine
               if e["data"]["status"] >= 400]
    assert refused == []


def test_connector_stops_promptly_on_sigterm(world):
    elapsed = world.connector.stop()
    assert world.connector.proc.returncode == 0
    assert elapsed < 2.5, f"took {elapsed:.1f} s to stop"
    assert "msg=ready" in world.connector.log()
