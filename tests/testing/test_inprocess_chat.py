"""The same chat with `@mock_platforms`: simple-salesforce and `requests`, no port; the test plays the connector."""

import socket

import pytest
import requests
from simple_salesforce import Salesforce

from harness.testing import active_platforms, mock_platforms


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
    token = requests.post("https://login.mypurecloud.com/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(creds.genesys_client_id, creds.genesys_client_secret)).json()["access_token"]
    queue = requests.get("https://api.mypurecloud.com/api/v2/routing/queues", params={"name": "Chat Queue 1"},
                         headers={"Authorization": f"Bearer {token}"}).json()["entities"][0]
    requests.post("https://api.mypurecloud.com/api/v2/conversations/chats", headers={"Authorization": f"Bearer {token}"},
                  json={"queueId": queue["id"], "provider": "PureCloud Webchat v2",
                        "attributes": {"workItemId": chat.work_item_id}}).raise_for_status()
    conversation = agent.alerting_chat()
    assert conversation is not None, "the chat did not alert the On Queue agent"
    agent.pick_up(conversation)
    routing = sf.query(f"SELECT Id, ServiceChannelId FROM PendingServiceRouting WHERE WorkItemId = '{chat.work_item_id}'")
    psr = routing["records"][0]
    work = sf.AgentWork.create({"WorkItemId": chat.work_item_id, "UserId": agent.salesforce_user_id,
                                "ServiceChannelId": psr["ServiceChannelId"], "PendingServiceRoutingId": psr["Id"]})
    agent.accept(work["id"])
    assert sf.LiveChatTranscript.get(chat.work_item_id)["Status"] == "InProgress"
    agent.close(chat.work_item_id)
    assert sf.AgentWork.get(work["id"])["Status"] == "Closed"
