"""Presence steps: On Queue in the client makes Omni-Channel Online; leaving On Queue leaves it (seed step 1)."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from omni_harness.harness import checks
from omni_harness.harness.scenario import ScenarioContext
from omni_harness.harness.waits import check_now, wait_until

from .common import NAME, WHO, agent_of, subject


@given(parsers.re(rf"{NAME} is logged out of Omni-Channel in Salesforce"))
def given_logged_out(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    check_now(checks.omni_status(ctx, agent, None), f"{agent.label} to be logged out of Omni-Channel")


@given(parsers.re(rf"{NAME} is Away in the client and in Omni-Channel"))
def given_away(ctx: ScenarioContext, who: str) -> None:
    """Logged in to Omni-Channel with another status than Online: going On Queue is then a change of status,
    not a login."""
    agent = agent_of(ctx, who)
    agent.client.set_presence("Away")
    wait_until(checks.presence(agent, "Away"), f"{agent.label}'s presence to be Away")
    wait_until(checks.omni_status(ctx, agent, "Away"), f"Omni-Channel status of {agent.label} to be Away")


@when(parsers.re(rf"{WHO} sets (?:her|his) status to (?P<status>On Queue|Available|Offline|Away) in the client"))
def when_set_status(ctx: ScenarioContext, who: str, status: str) -> None:
    agent_of(ctx, who).client.set_presence(status)


@then(parsers.re(r"the client shows (?:her|him) On Queue and ready for interactions"))
def then_on_queue(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    wait_until(checks.presence(agent, "On Queue"), f"{agent.label}'s presence to be On Queue")
    wait_until(checks.routing_status(agent, "IDLE"), f"{agent.label}'s routing status to be IDLE")


@then(parsers.re(r"Omni-Channel shows (?:her|him) Online in Salesforce"))
def then_online(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    wait_until(checks.omni_status(ctx, agent, "Online"), f"Omni-Channel status of {agent.label} to be Online "
               "in the console")
    wait_until(checks.presence_record(ctx, agent, "Online"), f"the current UserServicePresence of {agent.label} "
               "to be Online")


@then(parsers.re(r"Omni-Channel no longer shows (?:her|him) Online in Salesforce"))
def then_not_online(ctx: ScenarioContext) -> None:
    agent = subject(ctx)

    def left_online():
        status = agent.console.status()
        name = (status or {}).get("statusApiName") or (ctx.directory.omni_status_name((status or {}).get("statusId"))
                                                       if status else None)
        record = checks.current_presence_record(ctx, agent)
        ok = name != "Online" and record != "Online"
        return ok, f"the console shows {name or 'logged out'}, the current UserServicePresence is {record}"

    wait_until(left_online, f"Omni-Channel status of {agent.label} to leave Online")
