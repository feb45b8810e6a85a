"""The same chat with `@mock_platforms`: simple-salesforce and `requests`, no port; the test plays the connector."""

import socket

import pytest
from simple_salesforce import Salesforce

from omni_harness.harness.genesys import ClientCredentials, GenesysApi
from omni_harness.harness.testing import active_platforms, mock_platforms


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a socket was opened: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@mock_platforms
def test_a_chat_routed_picked_up_and_closed_in_process():
    platforms, creds = active_platforms(), active_platforms().credentials
    sf = Salesforce(username=creds.salesforce_username, password=creds.salesforce_password,
                    security_token=creds.salesforce_security_token)  # SOAP login at login.salesforce.com
    assert sf.query("SELECT Id FROM User")["totalSize"] >= 1
    agent, chat = platforms.agent(), platforms.customer().open_chat("Chat_Queue_1")
    agent.go_on_queue()
    agent.set_omni_status("Online")
    integration = GenesysApi("https://api.mypurecloud.com", ClientCredentials(
        "https://login.mypurecloud.com", creds.genesys_client_id, creds.genesys_client_secret))
    queue = next(q for q in integration.queues() if q["name"] == "Chat Queue 1")
    integration.create_web_chat(queue["id"], {"workItemId": chat.work_item_id})  # as a connector raises it
    conversation = agent.alerting_chat()
    assert conversation is not None, "the chat did not alert the On Queue agent"
    agent.pick_up(conversation)
    psr = sf.query(f"SELECT Id, ServiceChannelId FROM PendingServiceRouting WHERE WorkItemId = '{chat.work_item_id}'")[
        "records"][0]
    work = sf.AgentWork.create({"WorkItemId": chat.work_item_id, "UserId": agent.salesforce_user_id,
                                "ServiceChannelId": psr["ServiceChannelId"], "PendingServiceRoutingId": psr["Id"]})
    agent.accept(work["id"])
    assert sf.LiveChatTranscript.get(chat.work_item_id)["Status"] == "InProgress"
    agent.close(chat.work_item_id)
    assert sf.AgentWork.get(work["id"])["Status"] == "Closed"
    agent.disconnect(conversation)  # the connector's part again: the client follows the closed work item
    agent.wrap_up(conversation)
    assert agent.routing_status() == "IDLE"
