"""Wrap-up steps: the wrap-up window opens after the disconnect; a code and Done make the agent routable; a code
outside the queue's list is refused (seed step 5)."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from omni_harness.harness import checks
from omni_harness.harness.actors import Agent
from omni_harness.harness.scenario import ScenarioContext, WrapupAttempt, needed
from omni_harness.harness.waits import check_now, expect, wait_until

from .common import WHO, WHOSE, agent_of, leg_of, settle, subject


def wait_wrapup_window(ctx: ScenarioContext, agent: Agent) -> None:
    cid, _, label = leg_of(ctx, agent)
    wait_until(checks.leg_state(agent, cid, "disconnected", wrapup_pending=True),
               f"the wrap-up window of {label} to open in {agent.label}'s client (leg disconnected, wrap-up pending)")
    wait_until(checks.routing_status(agent, "INTERACTING"),
               f"{agent.label} to be INTERACTING (in after-call work) while the wrap-up window is open")


def wrapup_left_to_her(ctx: ScenarioContext, agent: Agent) -> None:
    """The wrap-up is the agent's to do (WRAP-1, WRAP-2): nobody else applies a code to her leg. The connector's
    reaction to the disconnect comes after it, so it is given the time to act first."""
    cid, pid, label = leg_of(ctx, agent)
    settle(ctx)
    checks.expect_none(checks.leg_changes_by_others(ctx, agent, cid, pid, checks.world_journal(ctx), "wrapup"),
                       f"the wrap-up of {label} to be left to {agent.label}, never applied by the connector",
                       requirement=ctx.requirement)


@given(parsers.re(rf"{WHO} has disconnected the chat"))
def given_disconnected(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, pid, _ = leg_of(ctx, agent)
    agent.client.disconnect(cid, pid)
    wait_wrapup_window(ctx, agent)


@then(parsers.re(rf"(?:the|{WHOSE}) wrap-up window opens"))
def then_wrapup_opens(ctx: ScenarioContext, whose: str | None = None) -> None:
    agent = agent_of(ctx, whose) if whose else subject(ctx)
    wait_wrapup_window(ctx, agent)
    wrapup_left_to_her(ctx, agent)
    cid, _, label = leg_of(ctx, agent)
    check_now(checks.leg_state(agent, cid, "disconnected", wrapup_pending=True),
              f"the wrap-up window of {label} to stay open for {agent.label}")


@then(parsers.re(rf"{WHOSE} chat ends in the client"))
def then_leg_ends(ctx: ScenarioContext, whose: str) -> None:
    """Her leg is disconnected; what the wrap-up window does then is WRAP-1's question."""
    agent = agent_of(ctx, whose)
    cid, _, label = leg_of(ctx, agent)
    wait_until(checks.leg_state(agent, cid, "disconnected"), f"{label} to end in {agent.label}'s client")


@then(parsers.re(rf"{WHOSE} chat ends in the client and (?:her|his) wrap-up window opens"))
def then_leg_ends_and_wrapup(ctx: ScenarioContext, whose: str) -> None:
    wait_wrapup_window(ctx, agent_of(ctx, whose))


@then(parsers.re(r"it offers the chat queue's wrap-up codes"))
def then_offers_codes(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    cid, pid, _ = leg_of(ctx, agent)
    offered = {c["id"] for c in agent.client.wrapup_codes(cid, pid)}
    expected = {c["id"] for c in ctx.platforms.genesys.queue_wrapup_codes(ctx.queue("the chat queue").genesys_id)}
    expect(bool(offered) and offered == expected, f"the wrap-up window to offer the chat queue's codes {sorted(expected)}",
           f"it offers {sorted(offered)}", requirement="WRAP-1")


@when(parsers.re(rf"{WHO} selects a wrap-up code and clicks Done"))
def when_wrap_up(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, pid, _ = leg_of(ctx, agent)
    codes = agent.client.wrapup_codes(cid, pid)
    expect(bool(codes), f"the wrap-up window of {agent.label} to offer a wrap-up code", "it offers none",
           requirement=ctx.requirement)
    answer = agent.client.wrap_up(cid, pid, codes[0]["id"], "Customer helped")
    expect(answer.status < 300, f"the client to accept wrap-up code {codes[0]['name']!r}",
           f"it answered {answer.status} {answer.body}", requirement=ctx.requirement)
    ctx.state.wrapped_up[agent.role] = codes[0]


@when(parsers.re(rf"{WHO} selects a wrap-up code that is not one of the chat queue's codes and clicks Done"))
def when_wrap_up_foreign(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, pid, _ = leg_of(ctx, agent)
    allowed = {c["id"] for c in agent.client.wrapup_codes(cid, pid)}
    foreign = [c for c in ctx.platforms.genesys.org_wrapup_codes() if c["id"] not in allowed]
    expect(bool(foreign), "the org to have a wrap-up code outside the chat queue's list to try",
           "it has none", requirement="WRAP-2")
    ctx.state.wrapup_refused[agent.role] = WrapupAttempt(foreign[0], agent.client.wrap_up(cid, pid, foreign[0]["id"]))


@then(parsers.re(r"the client records the wrap-up code"))
def then_code_recorded(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    cid, pid, _ = leg_of(ctx, agent)
    code = needed(ctx.state.wrapped_up.get(agent.role), f"wrap-up code selected by {agent.label}")

    def recorded():
        wrapup = agent.client.wrapup(cid, pid) or {}
        got = wrapup.get("code")
        got_id = got.get("id") if isinstance(got, dict) else got
        return got_id == code["id"] or got == code.get("name"), f"the recorded wrap-up is {wrapup or 'none'}"

    wait_until(recorded, f"wrap-up code {code['name']!r} to be recorded on {agent.label}'s leg")
    wrapup_left_to_her(ctx, agent)
    check_now(recorded, f"wrap-up code {code['name']!r} to stay recorded on {agent.label}'s leg")
    check_now(checks.leg_state(agent, cid, "disconnected", wrapup_pending=False),
              f"the wrap-up window of {agent.label} to be closed")


@then(parsers.re(r"(?:she|he) is ready for the next interaction"))
def then_ready(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    wait_until(checks.routing_status(agent, "IDLE"), f"{agent.label}'s routing status to be IDLE after wrap-up")


@then(parsers.re(r"the client refuses the wrap-up code"))
def then_code_refused(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    attempt = needed(ctx.state.wrapup_refused.get(agent.role), f"foreign wrap-up code tried by {agent.label}")
    code, answer = attempt.code, attempt.answer
    expect(400 <= answer.status < 500,
           f"the client to refuse wrap-up code {code['name']!r}, not in the chat queue's list (4xx)",
           f"it was answered {answer.status}", requirement="WRAP-2")
    body = answer.body if isinstance(answer.body, dict) else {}
    expect(bool(body.get("code") and body.get("message")), "the refusal to be a Genesys error body (code, message)",
           f"the body is {answer.body}", requirement="WRAP-2")


@then(parsers.re(r"the wrap-up window stays open"))
def then_wrapup_stays(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    cid, _, label = leg_of(ctx, agent)
    wrapup_left_to_her(ctx, agent)
    check_now(checks.leg_state(agent, cid, "disconnected", wrapup_pending=True),
              f"the wrap-up window of {label} to stay open in {agent.label}'s client")
    check_now(checks.routing_status(agent, "INTERACTING"), f"{agent.label} to stay INTERACTING (after-call work)")
