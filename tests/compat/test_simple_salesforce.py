"""simple-salesforce 1.12.10, unmodified, against the Salesforce fake over TLS (issue 3, acceptance 2).

The library hard-codes `https://{domain}.salesforce.com` for logins; its documented `session=` hook gets a
`requests.Session` that sends those hosts to the fake and leaves every other URL alone. Certificates are
checked against the generated CA (`session.verify`, and `REQUESTS_CA_BUNDLE` for the session-id login).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
)

from omni_harness import contracts
from omni_harness.fakes.core import World
from omni_harness.fakes.runner import start_stack
from omni_harness.fakes.salesforce.model.schema import AGENT_WORK_STATUSES

LOGIN_DOMAIN_SUFFIX = ".salesforce.com"


class FakeLoginSession(requests.Session):
    """Sends `https://{domain}.salesforce.com/...` to the fake; any other URL goes where it says."""

    def __init__(self, fake_base_url: str, ca_path: str) -> None:
        super().__init__()
        self._target = urlsplit(fake_base_url)
        self.verify = ca_path
        self.mapped: list[str] = []

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith(LOGIN_DOMAIN_SUFFIX):
            self.mapped.append(url)
            url = urlunsplit((self._target.scheme, self._target.netloc, parts.path, parts.query, parts.fragment))
        # Per request, because requests lets REQUESTS_CA_BUNDLE from the environment override `self.verify`.
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture(scope="module")
def stack():
    running = start_stack(World(seed=3, agents=2), tls=True, names=["salesforce"])
    yield running
    running.stop()


@pytest.fixture
def world(stack):
    stack.world.reset()
    return stack.world


@pytest.fixture
def base(stack, world) -> str:
    return stack.url("salesforce")


@pytest.fixture
def ca(stack, monkeypatch) -> str:
    path = str(stack.ca.ca_path)
    # requests prefers these to a session's own `verify`; point them at the generated CA
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", path)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    return path


@pytest.fixture
def creds(world):
    return world.plan.credentials


@pytest.fixture
def login_session(base, ca) -> FakeLoginSession:
    return FakeLoginSession(base, ca)


def _host(base: str) -> str:
    return urlsplit(base).netloc


def _auth_events(world, after: int) -> list[dict]:
    return [e.data for e in world.journal.since(after, kinds=["event"]) if e.type == "auth.session"]


# -- the three ways to log in ------------------------------------------------------------------------------

def test_soap_login_with_security_token(world, base, creds, login_session):
    after = world.journal.last_seq
    sf = Salesforce(username=creds.salesforce_username, password=creds.salesforce_password,
                    security_token=creds.salesforce_security_token, session=login_session)
    assert login_session.mapped == ["https://login.salesforce.com/services/Soap/u/59.0"]
    assert sf.sf_instance == _host(base)
    assert sf.base_url == f"{base}/services/data/v59.0/"
    result = sf.query(f"SELECT Id, Username FROM User WHERE Username = '{creds.salesforce_username}'")
    contracts.validate("salesforce", "query-result", result)
    assert result["totalSize"] == 1 and result["done"] is True
    assert [e["kind"] for e in _auth_events(world, after)] == ["soap"]


def test_oauth_password_login(world, base, creds, login_session):
    sf = Salesforce(username=creds.salesforce_username, password=creds.salesforce_password,
                    consumer_key=creds.salesforce_client_id, consumer_secret=creds.salesforce_client_secret,
                    session=login_session, version="67.0")
    assert login_session.mapped == ["https://login.salesforce.com/services/oauth2/token"]
    assert sf.sf_instance == _host(base)
    assert sf.query("SELECT COUNT() FROM User")["totalSize"] >= 3
    assert sf.api_usage["api-usage"].total > 0  # Sforce-Limit-Info parsed by the library


def test_session_id_login_uses_the_ca_bundle_from_the_environment(base, ca, creds):
    token = requests.post(f"{base}/services/oauth2/token", verify=ca, data={
        "grant_type": "password", "client_id": creds.salesforce_client_id,
        "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
        "password": creds.salesforce_password}).json()
    contracts.validate("salesforce", "oauth-token-response", token)
    sf = Salesforce(instance_url=token["instance_url"], session_id=token["access_token"], version="67.0")
    assert sf.sf_instance == _host(base)
    assert sf.query("SELECT Id FROM ServiceChannel")["totalSize"] >= 1


def test_bad_credentials_fail_the_way_simple_salesforce_reports_them(creds, login_session):
    with pytest.raises(SalesforceAuthenticationFailed) as soap:
        Salesforce(username=creds.salesforce_username, password="wrong", security_token="",
                   session=login_session)
    assert soap.value.code == "INVALID_LOGIN"
    with pytest.raises(SalesforceAuthenticationFailed) as oauth:
        Salesforce(username=creds.salesforce_username, password="wrong", consumer_key=creds.salesforce_client_id,
                   consumer_secret=creds.salesforce_client_secret, session=login_session)
    assert (oauth.value.code, oauth.value.auth_message) == ("invalid_grant", "authentication failure")


def test_an_expired_session_makes_a_credential_login_log_in_again(world, base, creds, login_session):
    sf = Salesforce(username=creds.salesforce_username, password=creds.salesforce_password,
                    security_token=creds.salesforce_security_token, session=login_session)
    first = sf.session_id
    expired = requests.post(f"{base}/_fake/faults", json={"action": "expire_tokens"}, verify=login_session.verify)
    assert expired.status_code == 201
    # the library reads the 401 array's errorCode, logs in again and retries
    assert sf.query("SELECT Id FROM ServiceChannel")["totalSize"] >= 1
    assert sf.session_id != first
    assert len(login_session.mapped) == 2


def test_an_expired_session_id_is_reported_as_expired(base, ca, creds):
    token = requests.post(f"{base}/services/oauth2/token", data={
        "grant_type": "password", "client_id": creds.salesforce_client_id,
        "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
        "password": creds.salesforce_password}).json()["access_token"]
    sf = Salesforce(instance_url=base, session_id=token)
    requests.post(f"{base}/_fake/faults", json={"action": "expire_tokens"})
    with pytest.raises(SalesforceExpiredSession) as info:
        sf.query("SELECT Id FROM User")
    assert info.value.status == 401
    assert info.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    contracts.validate("salesforce", "error", info.value.content)


# -- the external-routing round trip ------------------------------------------------------------------------

def _one(sf: Salesforce, soql: str) -> dict:
    result = sf.query(soql)
    contracts.validate("salesforce", "query-result", result)
    assert result["totalSize"] == 1, (soql, result)
    return result["records"][0]


def test_external_routing_round_trip(world, base, ca, creds, login_session):
    sf = Salesforce(username=creds.salesforce_username, password=creds.salesforce_password,
                    security_token=creds.salesforce_security_token, session=login_session, version="67.0")
    queue = world.plan.queue_pairs[0].salesforce_developer_name
    agent = world.plan.people[0]

    # a customer chat raises an external routing request
    chat = requests.post(f"{base}/_fake/customers/chats", verify=ca,
                         json={"queue": queue, "customerName": "Pat Customer", "text": "Hello?"})
    assert chat.status_code == 201, chat.text
    contracts.validate("salesforce", "customer-chat-created", chat.json())
    work_item_id, psr_id = chat.json()["workItemId"], chat.json()["pendingServiceRoutingId"]

    psr = _one(sf, "SELECT Id, WorkItemId, ServiceChannelId, CapacityWeight, IsPushed, RoutingModel, "
                   "ServiceChannel.DeveloperName, Group.DeveloperName FROM PendingServiceRouting "
                   f"WHERE WorkItemId = '{work_item_id[:15]}' AND RoutingModel = 'ExternalRouting'")
    assert psr["Id"] == psr_id
    assert psr["attributes"] == {"type": "PendingServiceRouting",
                                 "url": f"/services/data/v67.0/sobjects/PendingServiceRouting/{psr_id}"}
    assert psr["IsPushed"] is False
    assert psr["ServiceChannel"]["DeveloperName"] == "sfdc_livechat"
    assert psr["ServiceChannel"]["attributes"]["type"] == "ServiceChannel"
    assert psr["Group"]["DeveloperName"] == queue

    # the agent goes Online through the console bridge (the connector acts for the agent)
    user_id = _one(sf, f"SELECT Id FROM User WHERE Email = '{agent.email}'")["Id"]
    online = _one(sf, "SELECT Id FROM ServicePresenceStatus WHERE DeveloperName = 'Online'")["Id"]
    login = requests.post(f"{base}/omni-toolkit/v1/users/{user_id[:15]}/login", verify=ca,
                          json={"statusId": online[:15]}, headers={"Authorization": f"Bearer {sf.session_id}"})
    assert (login.status_code, login.json()) == (200, True)
    contracts.validate("salesforce", "console-login-answer", login.json())

    # insert the AgentWork for the routing request and read it back
    created = sf.AgentWork.create({"ServiceChannelId": psr["ServiceChannelId"], "WorkItemId": work_item_id,
                                   "UserId": user_id, "PendingServiceRoutingId": psr_id,
                                   "CapacityWeight": psr["CapacityWeight"] or 1})
    contracts.validate("salesforce", "create-result", created)
    assert created["success"] is True and created["errors"] == []
    work_id = created["id"]
    assert work_id.startswith("0Bz") and len(work_id) == 18
    work = sf.AgentWork.get(work_id)
    contracts.validate("salesforce", "record-AgentWork", work)
    assert work["Status"] == "Assigned"
    assert (work["UserId"], work["WorkItemId"], work["PendingServiceRoutingId"]) == (user_id, work_item_id, psr_id)
    assert _one(sf, f"SELECT IsPushed FROM PendingServiceRouting WHERE Id = '{psr_id}'")["IsPushed"] is True
    by_query = _one(sf, f"SELECT Id, Status, User.Email FROM AgentWork WHERE WorkItemId = '{work_item_id}'")
    assert by_query["User"]["Email"] == agent.email

    # AgentWork's describe: Status is a restricted picklist of the documented values, and not updateable
    describe = sf.AgentWork.describe()
    contracts.validate("salesforce", "describe-sobject", describe)
    status = next(f for f in describe["fields"] if f["name"] == "Status")
    assert [v["value"] for v in status["picklistValues"]] == AGENT_WORK_STATUSES
    assert status["restrictedPicklist"] is True and status["updateable"] is False
    assert [f["name"] for f in describe["fields"] if f["updateable"]] == []

    # updating AgentWork fails as on the platform, and changes nothing
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.AgentWork.update(work_id, {"Status": "Opened"})
    assert refused.value.status == 400
    contracts.validate("salesforce", "error", refused.value.content)
    error = refused.value.content[0]
    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error["message"].startswith("Unable to create/update fields: Status.")
    assert error["fields"] == ["Status"]
    assert sf.AgentWork.get(work_id)["Status"] == "Assigned"


def test_bad_soql_comes_back_as_the_platforms_error(creds, login_session):
    sf = Salesforce(username=creds.salesforce_username, password=creds.salesforce_password,
                    security_token=creds.salesforce_security_token, session=login_session)
    with pytest.raises(SalesforceMalformedRequest) as bad_field:
        sf.query("SELECT Id, Bogus FROM AgentWork")
    assert bad_field.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Bogus' on entity 'AgentWork'" in bad_field.value.content[0]["message"]
    with pytest.raises(SalesforceMalformedRequest) as bad_syntax:
        sf.query("SELECT Id FROM AgentWork WHERE")
    assert bad_syntax.value.content[0]["errorCode"] == "MALFORMED_QUERY"
    with pytest.raises(SalesforceMalformedRequest) as bad_type:
        sf.query("SELECT Id FROM Nope__c")
    assert bad_type.value.content[0]["errorCode"] == "INVALID_TYPE"
    for refusal in (bad_field, bad_syntax, bad_type):
        contracts.validate("salesforce", "error", refusal.value.content)
