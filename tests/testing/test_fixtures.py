"""The plugin's fixtures against the served fakes: reset per test, waits that explain themselves, faults undone."""

from __future__ import annotations

import pytest
import requests

from omni_harness.harness.http import ApiError
from omni_harness.harness.testing import WaitTimeout, match_event


def test_wait_for_an_event_answers_it_and_moves_on(agent, wait_for):
    agent.set_omni_status("Online")
    first = wait_for("salesforce:console.presence", userId=agent.salesforce_user_id)
    agent.set_omni_status("Away")
    second = wait_for("console.presence", userId=agent.salesforce_user_id)  # after the one answered before
    assert (first["data"]["statusDeveloperName"], second["data"]["statusDeveloperName"]) == ("Online", "Away")
    assert wait_for("console.presence", since=0, statusDeveloperName="Online")["seq"] == first["seq"]


def test_a_wait_that_times_out_says_what_it_saw(agent, wait_for):
    agent.set_omni_status("Away")
    with pytest.raises(WaitTimeout) as failure:
        wait_for("console.presence", statusDeveloperName="Online", timeout=0.5)
    message = str(failure.value)
    assert message.startswith("Timed out after 0.") and "console.presence with statusDeveloperName='Online'" in message
    assert "statusDeveloperName is 'Away', not 'Online'" in message


def test_a_predicate_wait_reports_its_last_reason(agent, wait_for):
    with pytest.raises(WaitTimeout) as failure:
        wait_for(lambda: (agent.routing_status() == "IDLE", f"routing status {agent.routing_status()}"),
                 "the agent routable", timeout=0.3)
    assert "waiting for the agent routable; it is routing status OFF_QUEUE" in str(failure.value)


def test_match_event_reasons_read_like_a_sentence():
    event = {"seq": 4, "source": "genesys", "type": "conversation.changed", "data": {"change": "participant.alerting",
                                                                                    "conversation": {"id": "c1"}}}
    assert match_event(event, "conversation.changed", None, {"conversation__id": "c1"}) == (True, "matched")
    assert match_event(event, "conversation.changed", "salesforce", {})[1] == "it comes from genesys, not salesforce"
    assert match_event(event, "conversation.changed", None, {"userId": "u"})[1] == "it has no userId"
    assert match_event(event, "console.tab", None, {})[1] == "type is 'conversation.changed', not 'console.tab'"


def test_a_fault_rule_fires_and_is_gone_after_the_test(omni_fakes, agent, fault):
    rule = fault("genesys", method="GET", path="/api/v2/users/*/routingstatus", status=429,
                 body={"message": "Rate limit exceeded", "code": "too.many.requests", "status": 429},
                 headers={"Retry-After": "1"}, count=1)
    with pytest.raises(ApiError) as refused:
        agent.routing_status()
    assert (refused.value.status, refused.value.code) == (429, "too.many.requests")
    assert agent.routing_status() == "OFF_QUEUE"  # count=1: the next call goes through
    fault("salesforce", path="/services/data/*", status=503)
    assert [r["id"] for r in fault.list("salesforce")]
    fault.clear()
    assert fault.list("salesforce") == [] and rule["id"]


def test_the_fakes_are_reset_before_each_test(omni_fakes):
    assert omni_fakes.events() == []
    assert omni_fakes.control("salesforce").http.get("/_fake/faults")["faults"] == []


def test_connector_env_has_the_contract_variables_and_a_file(connector_env):
    for name in ("GENESYS_API_URL", "GENESYS_CLIENT_ID", "SALESFORCE_LOGIN_URL", "OMNI_SYNC_SETTINGS",
                 "REQUESTS_CA_BUNDLE", "CONNECTOR_STATE_DIR"):
        assert connector_env[name], name
    lines = connector_env.env_file.read_text().splitlines()
    assert f"GENESYS_API_URL={connector_env['GENESYS_API_URL']}" in lines
    assert requests.get(connector_env["GENESYS_API_URL"] + "/_fake/health",
                        verify=connector_env["REQUESTS_CA_BUNDLE"]).json()["status"] == "ok"


def test_agent_factory_hands_out_distinct_agents(agent_factory, omni_fakes):
    first, second = agent_factory(), agent_factory()
    assert first.email != second.email
    assert agent_factory(email=first.email.upper()).genesys_user_id == first.genesys_user_id
    with pytest.raises(LookupError):
        agent_factory(email="nobody@example.com")


def test_the_suite_plugin_keeps_its_own_fixtures():
    """When `omni_harness.harness.plugin` (certify's suite) is loaded, the fixture module is not registered over it."""
    from omni_harness.harness.testing import pytest_plugin

    class Manager:
        registered: list[str] = []

        def has_plugin(self, name: str) -> bool:
            return name == "omni_harness.harness.plugin"

        def register(self, plugin, name):
            self.registered.append(name)

    config = type("Config", (), {"pluginmanager": Manager()})()
    pytest_plugin.pytest_configure(config)
    assert Manager.registered == []
