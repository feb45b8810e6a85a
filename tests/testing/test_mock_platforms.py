"""`mock_platforms`: the real hostnames of every region answered in process, the journal kept, other hosts refused."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce

from omni_harness.harness.testing import MockPlatforms, mock_platforms
from omni_harness.harness.testing.inprocess import GENESYS_HOSTS, SALESFORCE_HOSTS


@pytest.mark.parametrize("host", ["login.mypurecloud.com", "api.mypurecloud.ie", "api.mypurecloud.de",
                                  "login.mypurecloud.jp", "api.mypurecloud.com.au", "api.usw2.pure.cloud",
                                  "login.cac1.pure.cloud", "api.euw2.pure.cloud", "api.use2.us-gov-pure.cloud"])
def test_every_genesys_region_is_routed(host):
    assert GENESYS_HOSTS.match(host)


@pytest.mark.parametrize("host", ["login.salesforce.com", "test.salesforce.com", "acme.my.salesforce.com",
                                  "acme--uat.sandbox.my.salesforce.com"])
def test_salesforce_login_and_my_domain_hosts_are_routed(host):
    assert SALESFORCE_HOSTS.match(host)


@pytest.mark.parametrize("host", ["mypurecloud.com.evil.example", "api.mypurecloud.com.evil.example",
                                  "salesforce.com", "my.salesforce.com.example"])
def test_lookalike_hosts_are_not(host):
    assert not GENESYS_HOSTS.match(host) and not SALESFORCE_HOSTS.match(host)


def test_the_fixture_answers_any_region_and_keeps_the_journal(mock_platforms):
    creds = mock_platforms.credentials
    token = requests.post("https://login.mypurecloud.de/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(creds.genesys_client_id, creds.genesys_client_secret)).json()["access_token"]
    users = requests.get("https://api.usw2.pure.cloud/api/v2/users", headers={"Authorization": f"Bearer {token}"})
    assert users.status_code == 200 and users.headers["inin-correlation-id"]
    assert len(users.json()["entities"]) == len(mock_platforms.fakes.people)
    missing = requests.get("https://api.usw2.pure.cloud/api/v2/users/nobody", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404 and missing.json()["code"] == "not.found"
    paths = [(e["data"]["method"], e["data"]["path"], e["data"]["status"]) for e in mock_platforms.journal(kind="request")]
    assert ("GET", "/api/v2/users", 200) in paths and ("GET", "/api/v2/users/nobody", 404) in paths


def test_other_hosts_are_refused_not_reached():
    with mock_platforms(), pytest.raises(requests.ConnectionError):
        requests.get("https://example.com/")


def test_a_sandbox_login_with_oauth_lands_on_the_my_domain():
    with MockPlatforms(my_domain="acme--uat.sandbox") as platforms:
        creds = platforms.credentials
        sf = Salesforce(username=creds.salesforce_username, password=creds.salesforce_password,
                        consumer_key=creds.salesforce_client_id, consumer_secret=creds.salesforce_client_secret,
                        domain="test")  # OAuth password flow at test.salesforce.com
        assert sf.sf_instance == "acme--uat.sandbox.my.salesforce.com"
        assert sf.query("SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue'")["totalSize"] == 6


def test_each_decorated_call_gets_a_fresh_org():
    seen = []

    @mock_platforms(seed=5, agents=2, queues=1)
    def open_one_chat():
        from omni_harness.harness.testing import active_platforms

        platforms = active_platforms()
        platforms.customer().open_chat()
        seen.append(len(platforms.fakes.events(type="sobject.change", source="salesforce")))

    open_one_chat()
    open_one_chat()
    assert seen[0] == seen[1] > 0


def test_the_control_api_answers_on_the_served_host_only(mock_platforms):
    chat = requests.post("https://omni-harness.my.salesforce.com/_fake/customers/chats",
                         json={"queue": "Chat_Queue_1", "text": "Hello"})
    assert chat.status_code == 201 and chat.json()["workItemId"]
    refused = requests.post("https://login.salesforce.com/_fake/reset", json={})
    assert refused.status_code == 403
