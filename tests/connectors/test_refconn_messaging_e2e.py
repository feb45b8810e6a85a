"""Reference connector end to end on messaging: the real process against both fakes (TLS on), with sync settings
naming both media; Salesforce Enhanced Chat sessions routed through Genesys Cloud Open Messaging.

Every wait rides the fakes' event feed; nothing sleeps.
"""

from __future__ import annotations

import pytest
import requests
from connector_wire import (
    AVAILABLE,
    customer_messaging,
    genesys_conversation,
    messaging_fakes_ready,
    of_type,
    open_customer_messaging,
    running_world,
    sf_change,
    sync_settings_both_media,
)

pytestmark = [pytest.mark.skipif(not messaging_fakes_ready(), reason="both fakes serving messaging are needed"),
              pytest.mark.timeout(120)]

MESSAGES = "messages"


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory):
    with running_world(tmp_path_factory.mktemp("refconn-msg-e2e"), agents=14, queues=10,
                       settings=sync_settings_both_media) as world:
        yield world


@pytest.fixture
def world(shared_world):
    yield shared_world
    for url in (shared_world.g_url, shared_world.s_url):
        requests.delete(f"{url}/_fake/faults", verify=shared_world.ca)
    shared_world.release()


def fault(world, platform: str, **rule) -> None:
    url = world.g_url if platform == "genesys" else world.s_url
    r = requests.post(f"{url}/_fake/faults", json=rule, verify=world.ca)
    assert r.status_code == 201, r.text


def inbound_messages(world, since: int) -> list[int]:
    """Statuses of the inbound open messages sent since the journal entry `since`."""
    entries = requests.get(f"{world.g_url}/_fake/journal", params={"kind": "request", "since": since},
                           verify=world.ca or True).json()["entries"]
    return [e["data"]["status"] for e in entries if e["source"] == "genesys" and e["data"]["method"] == "POST"
            and "/inbound/open/message" in e["data"]["path"]]


def alerted(world, agent, work_item: str, since: int) -> dict:
    """The agent's client alerting the interaction of `work_item` (its customer carries the work item id)."""
    def match(e) -> bool:
        d = e["data"]
        if not genesys_conversation("participant.alerting", userId=agent.genesys_user_id)(e):
            return False
        customers = [p for p in d["conversation"]["participants"] if p["purpose"] == "customer"]
        return any((p.get("attributes") or {}).get("workItemId") == work_item for p in customers)
    return world.feed.wait(f"{agent.email}'s client alerting {work_item}", match, since=since)["data"]


def pick_up(world, agent, work_item: str, alert: dict) -> str:
    """Pick Up in the client; returns the AgentWork id once the session opened in the agent's console."""
    mark = world.feed.mark()
    agent.participant(alert["conversationId"], alert["participantId"], {"state": "connected"}, media=MESSAGES)
    tab = world.feed.wait(f"the session opened in {agent.email}'s console",
                          of_type("salesforce", "console.tab", userId=agent.salesforce_user_id, workItemId=work_item,
                                  action="opened"), since=mark)
    return tab["data"]["workId"]


def open_and_pick_up(world, agent, queue: str) -> tuple[str, dict, str]:
    mark = world.feed.mark()
    session = open_customer_messaging(world.s_url, world.ca, queue)
    alert = alerted(world, agent, session["workItemId"], mark)
    work_id = pick_up(world, agent, session["workItemId"], alert)
    return session["workItemId"], alert, work_id


def test_one_whole_session_disconnected_in_the_client(world):
    alice, queue = world.agent(), world.messaging_queue()
    world.on_queue(alice)
    mark = world.feed.mark()
    work_item, alert, work_id = open_and_pick_up(world, alice, queue)
    works = world.feed.all(sf_change("AgentWork", "CREATE", WorkItemId=work_item), since=mark)
    assert len(works) == 1 and works[0]["data"]["record"]["UserId"] == alice.salesforce_user_id
    world.feed.wait("the session Active", sf_change("MessagingSession", "UPDATE", Status="Active"), since=mark)
    mark = world.feed.mark()
    alice.participant(alert["conversationId"], alert["participantId"], {"state": "disconnected"}, media=MESSAGES)
    world.feed.wait("the work Closed", sf_change("AgentWork", "UPDATE", Status="Closed"), since=mark)
    world.feed.wait("the console tab closed", of_type("salesforce", "console.tab", workId=work_id, action="closed"),
                    since=mark)
    codes = alice.wrapup_codes(alert["conversationId"], alert["participantId"], media=MESSAGES)
    mark = world.feed.mark()
    alice.participant(alert["conversationId"], alert["participantId"], {"wrapup": {"code": codes[0]["id"]}},
                      media=MESSAGES)
    world.feed.wait("wrap-up recorded", of_type("genesys", "conversation.wrapup",
                                                participantId=alert["participantId"]), since=mark)


def test_session_ended_in_the_console_keeps_the_interaction_until_the_tab_closes(world):
    bob, queue = world.agent(), world.messaging_queue()
    world.on_queue(bob)
    work_item, alert, work_id = open_and_pick_up(world, bob, queue)
    mark = world.feed.mark()
    bob.console("endChat", workItemId=work_item)
    world.feed.wait("the session Ended", sf_change("MessagingSession", "UPDATE", Status="Ended"), since=mark)
    bob.console("closeTab", workId=work_id)
    world.feed.wait("the client leg disconnected",
                    genesys_conversation("participant.disconnected", participantId=alert["participantId"]),
                    since=mark)
    closed_at = world.feed.wait("tab closed", of_type("salesforce", "console.tab", workId=work_id,
                                                      action="closed"), since=mark)["seq"]
    early = world.feed.all(genesys_conversation("participant.disconnected", participantId=alert["participantId"]),
                           since=mark)
    assert all(e["seq"] > closed_at for e in early)


def test_customer_leaves_then_comes_back(world):
    carol, dave, queue = world.agent(), world.agent(), world.messaging_queue()
    world.on_queue(carol)
    first, alert, work_id = open_and_pick_up(world, carol, queue)
    cid = alert["conversationId"]
    customer = [p for p in alert["conversation"]["participants"] if p["purpose"] == "customer"][-1]["id"]
    mark = world.feed.mark()
    customer_messaging(world.s_url, world.ca, first, "leave")
    # The connector shows the agent that the customer left: the customer's leg ends, the agent's stays.
    world.feed.wait("the customer's leg disconnected",
                    genesys_conversation("participant.disconnected", participantId=customer), since=mark)
    assert not world.feed.all(genesys_conversation("participant.disconnected", participantId=alert["participantId"]),
                              since=mark)
    assert not world.feed.all(sf_change("AgentWork", "UPDATE", Status="Closed"), since=mark)
    carol.console("closeTab", workId=work_id)  # the agent closes the tab: the usual path ends the agent's leg
    world.feed.wait("the agent's leg disconnected",
                    genesys_conversation("participant.disconnected", participantId=alert["participantId"]),
                    since=mark)
    carol.set_presence(AVAILABLE)  # carol leaves the queue; the returning customer goes to dave
    world.on_queue(dave)
    mark = world.feed.mark()
    returned = customer_messaging(world.s_url, world.ca, first, "return", {"text": "Me again"})
    second = returned["workItemId"]
    assert returned["previousWorkItemId"] == first and second != first
    alert2 = alerted(world, dave, second, mark)
    assert alert2["conversationId"] == cid  # Genesys routed the same conversation again
    work2 = pick_up(world, dave, second, alert2)
    works = world.feed.all(sf_change("AgentWork", "CREATE", WorkItemId=second), since=mark)
    assert [w["data"]["record"]["UserId"] for w in works] == [dave.salesforce_user_id]
    assert work2


def test_queue_transfer_in_salesforce_routes_the_session_again(world):  # XFER-3
    first, second = world.agent(), world.agent()
    queue, target = world.messaging_queue(), world.messaging_queue()
    world.on_queue(first)
    work_item, alert, _ = open_and_pick_up(world, first, queue)
    world.on_queue(second)
    mark = world.feed.mark()
    first.console("transferChat", workItemId=work_item, toQueue=target)
    alert2 = alerted(world, second, work_item, mark)
    assert alert2["conversationId"] == alert["conversationId"]
    pick_up(world, second, work_item, alert2)
    assert not world.feed.all(sf_change("AgentWork", "UPDATE", Status="Closed", UserId=first.salesforce_user_id),
                              since=mark)


def test_duplicated_events_send_one_message_and_make_one_work(world):  # RES-6
    agent, queue = world.agent(), world.messaging_queue()
    world.on_queue(agent)
    fault(world, "salesforce", action="duplicate_event", path="/data/*")
    fault(world, "genesys", action="duplicate_event", path="v2.users.*")
    mark = world.feed.mark()
    work_item, alert, _ = open_and_pick_up(world, agent, queue)
    agent.participant(alert["conversationId"], alert["participantId"], {"state": "disconnected"}, media=MESSAGES)
    world.feed.wait("the work Closed", sf_change("AgentWork", "UPDATE", Status="Closed", WorkItemId=work_item),
                    since=mark)
    assert len(world.feed.all(sf_change("AgentWork", "CREATE", WorkItemId=work_item), since=mark)) == 1
    assert inbound_messages(world, mark) == [200]


def test_restart_mid_session_loses_nothing(world):  # RES-5
    agent, queue = world.agent(), world.messaging_queue()
    world.on_queue(agent)
    work_item, alert, _ = open_and_pick_up(world, agent, queue)
    world.connector.stop()
    mark = world.feed.mark()
    agent.participant(alert["conversationId"], alert["participantId"], {"state": "disconnected"}, media=MESSAGES)
    world.restart_connector()
    world.feed.wait("the work Closed after the restart",
                    sf_change("AgentWork", "UPDATE", Status="Closed", WorkItemId=work_item), since=mark)


def test_connector_made_no_request_a_platform_refused(world):
    client_id = world.stack.env()["GENESYS_CLIENT_ID"]
    entries = requests.get(f"{world.g_url}/_fake/journal", params={"kind": "request"},
                           verify=world.ca or True).json()["entries"]

    def by_connector(e) -> bool:
        actor = e["data"].get("actor")
        if e["source"] == "genesys":
            return isinstance(actor, str) and actor == f"client:{client_id}"
        return isinstance(actor, dict) and actor.get("kind") == "oauth"

    mine = [e for e in entries if by_connector(e)]
    assert any("/inbound/open/message" in e["data"]["path"] for e in mine), "no inbound open message was sent"
    refused = [(e["source"], e["data"]["method"], e["data"]["path"], e["data"]["status"]) for e in mine
               if e["data"]["status"] >= 400]
    assert refused == []
