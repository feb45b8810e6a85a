"""How to run the fakes in pytest: the `omni_fakes` fixture (both fakes, TLS, ephemeral ports, reset per test).

With omni-harness installed, the `omni_harness` pytest plugin is loaded by itself: no conftest.py needed.
Override the seed plan in your conftest.py with a session fixture `omni_seed` returning seed/agents/queues.
"""

import requests


def test_talk_to_the_fakes_over_https(omni_fakes):
    ca = omni_fakes.verify  # the generated CA: give it to your HTTP client (or REQUESTS_CA_BUNDLE)
    health = requests.get(f"{omni_fakes.genesys_url}/_fake/health", verify=ca).json()
    assert health["status"] == "ok"

    creds = omni_fakes.plan.credentials  # the seeded integration's credentials
    token = requests.post(f"{omni_fakes.genesys_url}/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(creds.genesys_client_id, creds.genesys_client_secret), verify=ca).json()
    queues = requests.get(f"{omni_fakes.genesys_url}/api/v2/routing/queues", verify=ca,
                          headers={"Authorization": f"Bearer {token['access_token']}"}).json()["entities"]
    assert {q["name"] for q in queues} >= {pair.genesys_name for pair in omni_fakes.queue_pairs}


def test_the_connector_environment(connector_env):
    # What a connector is started with (the connector contract), as a dict and as an env file.
    assert connector_env["SALESFORCE_LOGIN_URL"].startswith("https://127.0.0.1:")
    assert "OMNI_SYNC_SETTINGS=" in connector_env.env_file.read_text()
