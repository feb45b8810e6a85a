"""Reference connector end to end, the harder paths: a receiver who declines, an alert that times out, 429s,
expired tokens, a dropped notification socket with a missed event, a forgotten CometD client, duplicated
events, and a restart mid-chat. The real process against both fakes; waits ride the event feed."""

from __future__ import annotations

import pytest
import requests
from connector_wire import (
    AVAILABLE,
    fakes_ready,
    genesys_conversation,
    of_type,
    open_customer_chat,
    running_world,
    sf_change,
)

pytestmark = [pytest.mark.skipif(not fakes_ready(), reason="both fakes are needed"), pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory):
    with running_world(tmp_path_factory.mktemp("refconn-res"), agents=14, queues=10) as world:
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


def requests_to(world, source: str, method: str, path_part: str, since: int) -> list[int]:
    events = requests.get(f"{world.g_url}/_fake/journal", params={"kind": "request", "since": since},
                          verify=world.ca).json()["entries"]
    return [e["data"]["status"] for e in events if e["source"] == source and e["data"]["method"] == method
            and path_part in e["data"]["path"]]


def test_receiver_declining_in_the_client_leaves_the_chat_with_the_sender(world):  # XFER-4
    sender, receiver, queue = world.agent(), world.agent(), world.queue()
    world.on_queue(sender)
    work_item, cid, sender_pid, sender_work = world.route_and_pick_up(sender, queue)
    world.on_queue(receiver)
    mark = world.feed.mark()
    alert = world.transfer_to_agent(sender, receiver, work_item, cid, since=mark)
    receiver.participant(cid, alert["participantId"], {"state": "disconnected"})  # Decline
    world.feed.wait("the receiver's work Declined", sf_change("AgentWork", "UPDATE", Status="Declined",
                                                              UserId=receiver.salesforce_user_id), since=mark)
    assert not world.feed.all(sf_change("AgentWork", "UPDATE", Status="Transferred"), since=mark)
    assert sender.console("getAgentWorks")["works"].count(sender_work[:15]) >= 1
    # The sender still has it: their own disconnect closes their work as usual.
    sender.participant(cid, sender_pid, {"state": "disconnected"})
    world.feed.wait("the sender's work Closed", sf_change("AgentWork", "UPDATE", Status="Closed",
                                                          UserId=sender.salesforce_user_id), since=mark)


def test_alert_timeout_creates_no_work_and_the_chat_is_routed_again(world):  # PICK-3
    first, second, queue = world.agent(), world.agent(), world.queue()
    world.on_queue(first)
    mark = world.feed.mark()
    chat = open_customer_chat(world.s_url, world.ca, queue)
    alert = world.feed.wait("the first agent alerted", genesys_conversation(
        "participant.alerting", userId=first.genesys_user_id), since=mark)["data"]
    world.on_queue(second)
    alerting = [p for p in alert["conversation"]["participants"] if p["id"] == alert["participantId"]][0]
    timeout_s = alerting.get("alertingTimeoutMs", 30000) / 1000
    requests.post(f"{world.g_url}/_fake/clock/advance", json={"seconds": timeout_s + 1}, verify=world.ca)
    realert = world.feed.wait("the chat alerting the second agent", genesys_conversation(
        "participant.alerting", userId=second.genesys_user_id), since=mark)["data"]
    second.participant(realert["conversationId"], realert["participantId"], {"state": "connected"})
    world.feed.wait("the work opened for the second agent", of_type(
        "salesforce", "console.tab", action="opened", userId=second.salesforce_user_id,
        workItemId=chat["workItemId"]), since=mark)
    works = world.feed.all(sf_change("AgentWork", "CREATE", WorkItemId=chat["workItemId"]), since=mark)
    assert [w["data"]["record"]["UserId"] for w in works] == [second.salesforce_user_id]


def test_rate_limits_are_waited_out(world):  # RES-1
    agent, queue = world.agent(), world.queue()
    world.on_queue(agent)
    since = world.feed.mark()
    fault(world, "genesys", method="POST", path="/api/v2/conversations/chats", status=429,
          headers={"Retry-After": "1"}, count=1)
    fault(world, "salesforce", method="POST", path="/services/data/*/sobjects/AgentWork*", status=429,
          headers={"Retry-After": "1"}, count=1)
    world.route_and_pick_up(agent, queue)
    assert requests_to(world, "genesys", "POST", "/api/v2/conversations/chats", since)[-2:] == [429, 200]
    assert requests_to(world, "salesforce", "POST", "/sobjects/AgentWork", since)[-2:] == [429, 201]


def test_expired_tokens_are_renewed(world):  # RES-2
    for platform in ("genesys", "salesforce"):
        fault(world, platform, action="expire_tokens")
    agent, queue = world.agent(), world.queue()  # agents log in after the expiry
    world.on_queue(agent)
    work_item, cid, pid, _ = world.route_and_pick_up(agent, queue)
    mark = world.feed.mark()
    agent.participant(cid, pid, {"state": "disconnected"})
    world.feed.wait("the work item Closed", sf_change("AgentWork", "UPDATE", Status="Closed", WorkItemId=work_item),
                    since=mark)


def test_dropped_socket_is_reopened_and_missed_events_recovered(world):  # RES-3
    agent, queue = world.agent(), world.queue()
    world.on_queue(agent)
    mark = world.feed.mark()
    chat = open_customer_chat(world.s_url, world.ca, queue)
    alert = world.feed.wait("alerting", genesys_conversation("participant.alerting", userId=agent.genesys_user_id),
                            since=mark)["data"]
    # The pick-up notification never reaches the connector, then its socket drops.
    fault(world, "genesys", action="drop_event", path=f"v2.users.{agent.genesys_user_id}.conversations.chats",
          count=1)
    agent.participant(alert["conversationId"], alert["participantId"], {"state": "connected"})
    world.feed.wait("connected", genesys_conversation("participant.connected", userId=agent.genesys_user_id),
                    since=mark)
    reopen = world.feed.mark()
    fault(world, "genesys", action="close_socket", path="*", count=1)
    world.feed.wait("the connector's socket open again", of_type("genesys", "notifications.socket",
                                                                  action="opened"), since=reopen)
    world.feed.wait("the work opened after reconciliation", of_type(
        "salesforce", "console.tab", action="opened", userId=agent.salesforce_user_id,
        workItemId=chat["workItemId"]), since=mark)


def test_forgotten_streaming_client_handshakes_again(world):  # RES-4
    agent, queue = world.agent(), world.queue()
    world.on_queue(agent)
    mark = world.feed.mark()
    fault(world, "salesforce", action="close_socket", path="/data/ChangeEvents", body={"when": "now"}, count=1)
    world.feed.wait("the connector subscribing again", of_type("salesforce", "streaming.client", action="subscribe"),
                    since=mark)
    world.route_and_pick_up(agent, queue)


def test_duplicated_events_make_no_duplicate_work(world):  # RES-6
    agent, queue = world.agent(), world.queue()
    world.on_queue(agent)
    fault(world, "salesforce", action="duplicate_event", path="/data/*")
    fault(world, "genesys", action="duplicate_event", path="v2.users.*")
    mark = world.feed.mark()
    work_item, cid, pid, _ = world.route_and_pick_up(agent, queue)
    agent.participant(cid, pid, {"state": "disconnected"})
    world.feed.wait("the work item Closed", sf_change("AgentWork", "UPDATE", Status="Closed", WorkItemId=work_item),
                    since=mark)
    assert len(world.feed.all(sf_change("AgentWork", "CREATE", WorkItemId=work_item), since=mark)) == 1
    created = world.feed.all(genesys_conversation("created"), since=mark)
    assert len([e for e in created if any(p.get("attributes", {}).get("workItemId") == work_item
                                          for p in e["data"]["conversation"]["participants"])]) == 1


def test_restart_mid_chat_loses_nothing(world):  # RES-5
    first, second = world.agent(), world.agent()
    q1, q2 = world.queue(), world.queue()
    world.on_queue(first)
    work_item, cid, pid, _ = world.route_and_pick_up(first, q1)
    world.connector.stop()
    # While the connector is down: the agent disconnects in the client, and a new customer chat arrives.
    mark = world.feed.mark()
    first.participant(cid, pid, {"state": "disconnected"})
    first.set_presence(AVAILABLE)
    second.set_presence("e08eaf1b-ee47-4fa9-a231-1200e284798f")
    chat = open_customer_chat(world.s_url, world.ca, q2)
    world.restart_connector()
    (resubscribe,) = world.feed.all(of_type("salesforce", "streaming.client", action="subscribe"), since=mark)
    assert resubscribe["data"]["replayId"] > 0, "the restarted connector did not resume from its replay id"
    world.feed.wait("the first work item Closed after the restart",
                    sf_change("AgentWork", "UPDATE", Status="Closed", WorkItemId=work_item), since=mark)
    alert = world.feed.wait("the new chat routed after the restart",
                            genesys_conversation("participant.alerting", userId=second.genesys_user_id),
                            since=mark)["data"]
    customer = [p for p in alert["conversation"]["participants"] if p["purpose"] == "customer"][0]
    assert customer["attributes"]["workItemId"] == chat["workItemId"]
    assert len(world.feed.all(sf_change("AgentWork", "CREATE", WorkItemId=work_item))) == 1
