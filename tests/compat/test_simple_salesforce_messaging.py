"""simple-salesforce 1.12.10, unmodified, against the Salesforce fake over TLS: an integration reads and queries an
Enhanced Chat session (MessagingSession), its MessagingEndUser, and the routing request and AgentWork of that
session, as a connector routing messaging does.

Logins go through the library's documented `session=` hook (see test_simple_salesforce.py): `https://login.
salesforce.com` is sent to the fake, every other URL goes where it says.
"""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest
from test_simple_salesforce import FakeLoginSession  # the chat twin's login redirect

from omni_harness import contracts
from omni_harness.fakes.core import World
from omni_harness.fakes.runner import start_stack


@pytest.fixture(scope="module")
def stack():
    running = start_stack(World(seed=5, agents=2), tls=True, names=["salesforce"])
    yield running
    running.stop()


@pytest.fixture
def env(stack, monkeypatch):
    stack.world.reset()
    ca = str(stack.ca.ca_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    creds = stack.world.plan.credentials
    sf = Salesforce(username=creds.salesforce_username, password=creds.salesforce_password,
                    security_token=creds.salesforce_security_token,
                    session=FakeLoginSession(stack.url("salesforce"), ca), version="67.0")
    return stack.world, stack.url("salesforce"), ca, sf


def _one(sf: Salesforce, soql: str) -> dict:
    result = sf.query(soql)
    contracts.validate("salesforce", "query-result", result)
    assert result["totalSize"] == 1, (soql, result)
    return result["records"][0]


def _control(base: str, ca: str, path: str, body: dict | None = None) -> dict:
    response = requests.post(f"{base}/_fake/customers/{path}", json=body, verify=ca, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_session_end_user_routing_request_and_agent_work_read_and_queried(env):
    world, base, ca, sf = env
    pair = world.plan.messaging_queue_pairs[0]
    opened = _control(base, ca, "messaging", {"queue": pair.salesforce_developer_name, "customerName": "Ann",
                                              "text": "Hello?"})
    contracts.validate("salesforce", "customer-messaging-created", opened)
    item, psr_id, end_user_id = opened["workItemId"], opened["pendingServiceRoutingId"], opened["messagingEndUserId"]

    # the session and its end user, by id and by query
    session = sf.MessagingSession.get(item)
    contracts.validate("salesforce", "record-MessagingSession", session)
    assert session["attributes"] == {"type": "MessagingSession",
                                     "url": f"/services/data/v67.0/sobjects/MessagingSession/{item}"}
    assert (session["Status"], session["MessagingEndUserId"], session["Origin"]) == (
        "Waiting", end_user_id, "InboundInitiated")
    end_user = sf.MessagingEndUser.get(end_user_id)
    contracts.validate("salesforce", "record-MessagingEndUser", end_user)
    assert end_user["Name"] == "Ann" and end_user["MessageType"] == "EmbeddedMessaging"
    row = _one(sf, "SELECT Id, Status, ConversationId, MessagingEndUser.Name, MessagingChannel.DeveloperName, "
                   f"Owner.Name FROM MessagingSession WHERE Id = '{item[:15]}'")
    assert row["MessagingEndUser"]["Name"] == "Ann" and row["MessagingEndUser"]["attributes"]["type"] == \
        "MessagingEndUser"
    assert row["MessagingChannel"]["DeveloperName"] == "Enhanced_Chat"
    assert row["Owner"]["Name"] == pair.salesforce_label

    # its external routing request
    psr = _one(sf, "SELECT Id, ServiceChannelId, ServiceChannel.DeveloperName, Group.DeveloperName, IsTransfer, "
                   f"PreferredUserId, CapacityWeight FROM PendingServiceRouting WHERE WorkItemId = '{item}'")
    assert psr["Id"] == psr_id and psr["ServiceChannel"]["DeveloperName"] == "sfdc_livemessage"
    assert psr["Group"]["DeveloperName"] == pair.salesforce_developer_name
    assert psr["IsTransfer"] is False and psr["PreferredUserId"] is None

    # the agent online, the AgentWork inserted, accepted in the console, read back
    agent = world.plan.people[0]
    user_id = _one(sf, f"SELECT Id FROM User WHERE Email = '{agent.email}'")["Id"]
    online = _one(sf, "SELECT Id FROM ServicePresenceStatus WHERE DeveloperName = 'Online'")["Id"]
    bridge = f"{base}/omni-toolkit/v1/users/{user_id}"
    headers = {"Authorization": f"Bearer {sf.session_id}"}
    assert requests.post(f"{bridge}/login", json={"statusId": online}, headers=headers, verify=ca).json() is True
    created = sf.AgentWork.create({"ServiceChannelId": psr["ServiceChannelId"], "WorkItemId": item,
                                   "UserId": user_id, "PendingServiceRoutingId": psr_id,
                                   "CapacityWeight": psr["CapacityWeight"] or 1})
    contracts.validate("salesforce", "create-result", created)
    work_id = created["id"]
    assert requests.post(f"{bridge}/acceptAgentWork", json={"workId": work_id}, headers=headers,
                         verify=ca).json() is True
    work = _one(sf, "SELECT Id, Status, WorkItemId, ServiceChannel.DeveloperName, User.Email FROM AgentWork "
                    f"WHERE WorkItemId = '{item}'")
    assert (work["Id"], work["Status"], work["User"]["Email"]) == (work_id, "Opened", agent.email)
    assert work["ServiceChannel"]["DeveloperName"] == "sfdc_livemessage"
    active = sf.MessagingSession.get(item)
    assert active["Status"] == "Active" and active["OwnerId"] == user_id and active["AcceptTime"]
    assert sf.query(f"SELECT Id FROM PendingServiceRouting WHERE WorkItemId = '{item}'")["totalSize"] == 0

    # the end user leaves; a second query sees the session Ended by the end user, the work still Opened
    _control(base, ca, f"messaging/{item}/leave")
    ended = _one(sf, f"SELECT Status, EndedByType, EndTime FROM MessagingSession WHERE Id = '{item}'")
    assert (ended["Status"], ended["EndedByType"]) == ("Ended", "EndUser") and ended["EndTime"]
    assert sf.AgentWork.get(work_id)["Status"] == "Opened"


def test_read_only_session_fields_are_refused_as_on_the_platform(env):
    world, base, ca, sf = env
    opened = _control(base, ca, "messaging", {"queue": world.plan.messaging_queue_pairs[0].salesforce_developer_name})
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.MessagingSession.update(opened["workItemId"], {"AgentType": "Bot"})
    contracts.validate("salesforce", "error", refused.value.content)
    assert refused.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert refused.value.content[0]["fields"] == ["AgentType"]
    describe = sf.MessagingSession.describe()
    contracts.validate("salesforce", "describe-sobject", describe)
    assert describe["keyPrefix"] == "0Mw"
    status = next(f for f in describe["fields"] if f["name"] == "Status")
    assert {v["value"] for v in status["picklistValues"]} == {
        "New", "Waiting", "Active", "Inactive", "Paused", "Ended", "Consent", "Error"}
