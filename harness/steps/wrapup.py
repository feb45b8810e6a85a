"""Wrap-up steps: the wrap-up window opens after the disconnect; a code and Done make the agent routable; a code
outside the queue's list is refused (seed step 5)."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness import checks
from harness.scenario import ScenarioContext
from harness.waits import check_now, wait_until

from .common import WHO, WHOSE, agent_of, leg_of


def wait_wrapup_window(ctx: ScenarioContext, agent) -> None:
    cid, _, label = leg_of(ctx, agent)
    wait_until(checks.leg_state(agent, cid, "disconnected", wrapup_pending=True),
               f"the wrap-up window of {label} to open in {agent.label}'s client (leg disconnected, wrap-up pending)")
    wait_until(checks.routing_status(agent, "INTERACTING"),
               f"{agent.label} to be INTERACTING (in after-call work) while the wrap-up window is open")


def wrapup_left_to_her(ctx: ScenarioContext, agent) -> None:
    """The wrap-up is the agent's to do (WRAP-1, WRAP-2): nobody else applies a code to her leg. The connector's
    reaction to the disconnect comes after it, so it is given the time to act first."""
    cid, pid, label = leg_of(ctx, agent)
    ctx.settle()
    others = checks.leg_changes_by_others(ctx, agent, cid, pid, checks.world_journal(ctx), "wrapup")
    if others:
        raise AssertionError(f"expected the wrap-up of {label} to be left to {agent.label}; the connector applied "
                             "one to her leg itself: " + "; ".join(others))


@given(parsers.re(rf"{WHO} has disconnected the chat"))
def given_disconnected(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, pid, _ = leg_of(ctx, agent)
    agent.client.disconnect(cid, pid)
    wait_wrapup_window(ctx, agent)


@then(parsers.re(rf"(?:the|{WHOSE}) wrap-up window opens"))
def then_wrapup_opens(ctx: ScenarioContext, whose: str | None = None) -> None:
    agent = agent_of(ctx, whose) if whose else ctx.notes["subject"]
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
    agent = ctx.notes["subject"]
    cid, pid, _ = leg_of(ctx, agent)
    offered = {c["id"] for c in agent.client.wrapup_codes(cid, pid)}
    expected = {c["id"] for c in ctx.platforms.genesys.queue_wrapup_codes(ctx.queue("the chat queue").genesys_id)}
    if not offered or offered != expected:
        raise AssertionError(f"the wrap-up window offers {sorted(offered)}; the chat queue's codes are {sorted(expected)}")


@when(parsers.re(rf"{WHO} selects a wrap-up code and clicks Done"))
def when_wrap_up(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, pid, _ = leg_of(ctx, agent)
    codes = agent.client.wrapup_codes(cid, pid)
    if not codes:
        raise AssertionError(f"the wrap-up window of {agent.label} offers no wrap-up code")
    answer = agent.client.wrap_up(cid, pid, codes[0]["id"], "Customer helped")
    if answer.status >= 300:
        raise AssertionError(f"the client refused wrap-up code {codes[0]['name']!r}: {answer.status} {answer.body}")
    ctx.notes[("wrapup", agent.role)] = codes[0]


@when(parsers.re(rf"{WHO} selects a wrap-up code that is not one of the chat queue's codes and clicks Done"))
def when_wrap_up_foreign(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, pid, _ = leg_of(ctx, agent)
    allowed = {c["id"] for c in agent.client.wrapup_codes(cid, pid)}
    foreign = [c for c in ctx.platforms.genesys.org_wrapup_codes() if c["id"] not in allowed]
    if not foreign:
        raise AssertionError("the org has no wrap-up code outside the chat queue's list to try")
    ctx.notes[("refused", agent.role)] = (foreign[0], agent.client.wrap_up(cid, pid, foreign[0]["id"]))


@then(parsers.re(r"the client records the wrap-up code"))
def then_code_recorded(ctx: ScenarioContext) -> None:
    agent = ctx.notes["subject"]
    cid, pid, _ = leg_of(ctx, agent)
    code = ctx.notes[("wrapup", agent.role)]

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
    agent = ctx.notes["subject"]
    wait_until(checks.routing_status(agent, "IDLE"), f"{agent.label}'s routing status to be IDLE after wrap-up")


@then(parsers.re(r"the client refuses the wrap-up code"))
def then_code_refused(ctx: ScenarioContext) -> None:
    agent = ctx.notes["subject"]
    code, answer = ctx.notes[("refused", agent.role)]
    if not 400 <= answer.status < 500:
        raise AssertionError(f"wrap-up code {code['name']!r} (not in the chat queue's list) was answered "
                             f"{answer.status}; expected a refusal (4xx)")
    body = answer.body if isinstance(answer.body, dict) else {}
    if not body.get("code") or not body.get("message"):
        raise AssertionError(f"the refusal is not a Genesys error body: {answer.body}")


@then(parsers.re(r"the wrap-up window stays open"))
def then_wrapup_stays(ctx: ScenarioContext) -> None:
    agent = ctx.notes["subject"]
    cid, _, label = leg_of(ctx, agent)
    wrapup_left_to_her(ctx, agent)
    check_now(checks.leg_state(agent, cid, "disconnected", wrapup_pending=True),
              f"the wrap-up window of {label} to stay open in {agent.label}'s client")
    check_now(checks.routing_status(agent, "INTERACTING"), f"{agent.label} to stay INTERACTING (after-call work)")
