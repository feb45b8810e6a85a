"""Pick-up steps: Pick Up connects the chat and makes Omni-Channel open the work item in the console (seed step 2);
a missed alert moves on to the next agent."""

from __future__ import annotations

from pytest_bdd import parsers, then

from omni_harness.harness import checks
from omni_harness.harness.actors import Agent
from omni_harness.harness.scenario import ScenarioContext, needed
from omni_harness.harness.waits import check_now, wait_until

from .common import NAME, agent_of, leg_of, wait_work_opened


@then(parsers.re(rf"Omni-Channel generates a work item for {NAME} and opens the chat in (?:her|his) console"))
def then_work_generated(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    _, _, label = leg_of(ctx, agent)
    wait_work_opened(ctx, agent, label)
    work_born_on_pick_up(ctx, agent, label)


def work_born_on_pick_up(ctx: ScenarioContext, agent: Agent, label: str) -> None:
    """Omni-Channel generates the work item when the agent clicks Pick Up (PICK-2): judged from the journal's
    order, whatever the connector's timing. Nothing of her AgentWork (an insert, accepted or refused, the record,
    its acceptance) may come before the event in which her leg connected."""
    cid, pid, _ = leg_of(ctx, agent, label)
    entries = checks.world_journal(ctx)
    picked = needed(checks.leg_connected(cid, pid, entries, f"{agent.role}'s Pick Up of {label}"),
                    f"Pick Up of {label} by {agent.label} in the journal")
    checks.expect_after(picked, checks.work_marks(ctx, ctx.chat(label), agent, entries),
                        f"the AgentWork of {agent.label} for {label} to be inserted, created and accepted",
                        requirement="PICK-2")


@then(parsers.re(rf"the routing request is gone and the chat is in progress with {NAME} as owner"))
def then_in_progress(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    chat = ctx.chat("the chat")
    wait_until(checks.routing_request(ctx, chat, False), "the PendingServiceRouting of the chat to be deleted")
    wait_until(checks.transcript(ctx, chat, ctx.medium.in_progress_status, agent),
               f"the {ctx.medium.work_item_object} to be {ctx.medium.in_progress_status} and owned by {agent.label}")


@then(parsers.re(rf"{NAME} is Not Responding in the client"))
def then_not_responding(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, _, label = leg_of(ctx, agent)
    wait_until(checks.leg_state(agent, cid, "disconnected"), f"{agent.label}'s missed alert for {label} to end")
    wait_until(checks.routing_status(agent, "NOT_RESPONDING"), f"{agent.label}'s routing status to be NOT_RESPONDING")


@then(parsers.re(rf"{NAME} never got a work item for the chat"))
def then_never_got_work(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    chat = ctx.chat("the chat")

    def none_for_agent():
        created = checks.agent_work_creations(ctx, chat, agent)
        works = checks.agent_works(ctx, chat, agent)
        return not created and not works, f"{len(created)} AgentWork record(s) of {agent.role} were created for it"

    check_now(none_for_agent, f"no AgentWork of {agent.label} for the chat")
