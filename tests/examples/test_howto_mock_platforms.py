"""How to test code that uses `requests` or simple-salesforce without any server: `mock_platforms`.

The platforms' real hostnames are answered in process by the fakes (no port, no thread). It covers `requests`
only: for websockets, CometD clients (aiosfstream) and urllib3-based SDKs, serve the fakes (`omni_fakes`).
"""

import requests
from simple_salesforce import Salesforce

from omni_harness.harness.testing import active_platforms, mock_platforms


@mock_platforms
def test_simple_salesforce_logs_in_and_queries():
    creds = active_platforms().credentials
    sf = Salesforce(username=creds.salesforce_username, password=creds.salesforce_password,
                    security_token=creds.salesforce_security_token)  # SOAP login at login.salesforce.com
    assert sf.query("SELECT Id FROM User")["totalSize"] >= 1


def test_as_a_context_manager():
    with mock_platforms(seed=7) as platforms:
        creds = platforms.credentials
        answer = requests.post("https://login.mypurecloud.ie/oauth/token", data={"grant_type": "client_credentials"},
                               auth=(creds.genesys_client_id, creds.genesys_client_secret))
        assert answer.json()["token_type"] == "bearer"
        assert platforms.journal(kind="request")[-1]["data"]["path"] == "/oauth/token"


def test_as_a_fixture(mock_platforms):
    agent = mock_platforms.agent()
    agent.go_on_queue()
    assert agent.routing_status() == "IDLE"
