"""The org through the shared control API: state dump, reset, faults rendered as Salesforce errors."""

from __future__ import annotations

V = "/services/data/v67.0"


def test_state_dump_shows_presence_tabs_and_records(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    chat, work_id = org.accepted(agent)
    state = org.client.get("/_fake/state").json["org"]
    assert state["integrationUserId"] == org.fake.integration_user_id
    mine = state["omni"]["agents"][agent]
    assert mine["statusDeveloperName"] == "Online" and mine["workload"] == 1
    assert mine["tabs"] == [{"work_id": work_id, "work_item_id": chat["workItemId"], "opened_at": mine["tabs"][0]
                             ["opened_at"]}]
    assert state["omni"]["chats"][chat["workItemId"]]["messages"][0]["text"] == "Hello"
    assert any(r["Id"] == work_id for r in state["records"]["AgentWork"])


def test_reset_restores_the_seed_and_logs_everyone_out(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    org.accepted(agent)
    assert org.client.post("/_fake/reset").status_code == 200
    assert org.fake.store.count("AgentWork") == 0
    assert org.fake.store.count("UserServicePresence") == 0
    assert org.fake.omni.agents == {}
    # the old session is gone with the reset
    assert org.get(f"{V}/sobjects").status_code == 401


def test_injected_faults_render_as_salesforce_error_arrays(org):
    r = org.client.post("/_fake/faults", json={"method": "GET", "path": f"{V}/query", "status": 503, "count": 1})
    assert r.status_code == 201, r.json
    r = org.get(f"{V}/query", query_string={"q": "SELECT Id FROM User"})
    assert r.status_code == 503 and r.json[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert org.get(f"{V}/query", query_string={"q": "SELECT Id FROM User"}).status_code == 200
