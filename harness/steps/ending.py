"""Ending steps: Disconnect in the client, or close the work item in Salesforce; the window left open (seed step 4
and its note)."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from omni_harness.harness import checks
from omni_harness.harness.actors import work_item_of
from omni_harness.harness.journal import Mark
from omni_harness.harness.scenario import ScenarioContext
from omni_harness.harness.waits import check_now, expect, wait_until

from .common import CHAT, NAME, WHO, WHOSE, agent_of, leg_of, subject


@when(parsers.re(rf"{WHO} clicks Disconnect in the client"))
def when_disconnect(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, pid, _ = leg_of(ctx, agent)
    agent.client.disconnect(cid, pid)


@when(parsers.re(rf"{WHO} closes the chat conversation window in Salesforce"))
def when_close_window(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    _, _, label = leg_of(ctx, agent)
    chat = ctx.chat(label)
    work = check_now(checks.console_shows(agent, chat), f"{agent.label}'s console to show the chat's window")
    ctx.state.window_closed_at[agent.role] = ctx.feed.last_seq()
    agent.console.close_tab(work["workId"])


@when(parsers.re(rf"{WHO} ends the chat in Salesforce but leaves the chat conversation window open"))
def when_end_chat(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    _, _, label = leg_of(ctx, agent)
    agent.console.end_chat(ctx.chat(label).work_item_id)


@then(parsers.re(r"Omni-Channel closes the work item in Salesforce"))
def then_work_closed(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    _, _, label = leg_of(ctx, agent)
    wait_until(checks.agent_work_status(ctx, agent, ctx.chat(label), "Closed"),
               f"AgentWork of {agent.label} for {label} to be Closed")


@then(parsers.re(rf"the chat conversation window closes in {WHOSE} console"))
def then_window_closes(ctx: ScenarioContext, whose: str) -> None:
    agent = agent_of(ctx, whose)
    _, _, label = leg_of(ctx, agent)
    wait_until(checks.console_shows(agent, ctx.chat(label), shown=False),
               f"{agent.label}'s console to no longer show {label}")


@then(parsers.re(r"the client disconnects the chat"))
def then_client_disconnects(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    cid, pid, label = leg_of(ctx, agent)
    wait_until(checks.leg_state(agent, cid, "disconnected"), f"{label} to be disconnected in {agent.label}'s client")
    closed = ctx.state.window_closed_at.get(agent.role)
    if closed is not None:
        # An open window keeps the interaction: the leg ends only once she has closed it.
        checks.expect_after(Mark(closed, f"{agent.role} closed the chat conversation window"),
                            checks.leg_disconnection_marks(ctx, cid, pid), f"{agent.label}'s leg to be disconnected",
                            requirement=ctx.requirement)


@then(parsers.re(rf"{CHAT} waits in the queue in Genesys Cloud without alerting {NAME}"))
def then_waits_in_queue(ctx: ScenarioContext, label: str, who: str) -> None:
    agent = agent_of(ctx, who)
    chat = ctx.chat(label)
    queue = ctx.queue("the chat queue")

    def raised_and_waiting():
        cids = ctx.conversations_for(chat.work_item_id)
        if not cids:
            return False, "no Genesys interaction carries its work item"
        conv = ctx.platforms.genesys.chat(cids[-1], ctx.medium.genesys_collection)
        agents = [p for p in conv.get("participants", []) if p.get("purpose") == "agent"]
        acd = [p for p in conv.get("participants", []) if p.get("purpose") == "acd" and p.get("state") == "connected"]
        queue_ids = {(p.get("queue") or {}).get("id") for p in acd}
        if agents:
            users = ", ".join(f"{(p.get('user') or {}).get('id')} {p.get('state')}" for p in agents)
            return False, f"interaction {conv['id']} was offered to agents: {users}"
        if queue.genesys_id not in queue_ids:
            return False, f"interaction {conv['id']} is not waiting in {queue.genesys_name} (acd queues {queue_ids})"
        return True, "ok", conv

    conv = wait_until(raised_and_waiting, f"the Genesys interaction of {label} to wait in {queue.genesys_name}")
    expect(bool(conv) and work_item_of(conv) is not None, f"the interaction of {label} to carry its work item",
           "it carries none", requirement=ctx.requirement)
    check_now(checks.routing_status(agent, "INTERACTING"), f"{agent.label} to be INTERACTING while the window is open")


@then(parsers.re(r"the chat stays connected in the client"))
def then_stays_connected(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    cid, pid, label = leg_of(ctx, agent)
    check_now(checks.leg_state(agent, cid, "connected"), f"{label} to stay connected in {agent.label}'s client")
    checks.expect_none(checks.leg_disconnection_marks(ctx, cid, pid),
                       f"{agent.label}'s leg never to be disconnected while the window is still open",
                       requirement=ctx.requirement)


@then(parsers.re(r"the work item stays open in (?:her|his) console"))
def then_work_stays_open(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    _, _, label = leg_of(ctx, agent)
    chat = ctx.chat(label)
    check_now(checks.console_shows(agent, chat), f"{agent.label}'s console to still show {label}")
    check_now(checks.agent_work_status(ctx, agent, chat, "Opened"), f"AgentWork of {agent.label} to stay Opened")


# -- messaging: the customer leaves (END-4) ------------------------------------------------------------------
@when(parsers.re(r"the customer leaves the conversation"))
def when_customer_leaves(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    _, _, label = leg_of(ctx, agent)
    ctx.customer.leave(ctx.chat(label))


@then(parsers.re(r"the client shows that the customer has left"))
def then_customer_left(ctx: ScenarioContext) -> None:
    """The session ends in Salesforce (the platform's part) and the customer's leg of the interaction is
    disconnected in Genesys Cloud (the connector's part: the agent sees the customer has gone)."""
    agent = subject(ctx)
    cid, _, label = leg_of(ctx, agent)
    chat = ctx.chat(label)
    wait_until(checks.transcript(ctx, chat, ctx.medium.ended_statuses[0]),
               f"the {ctx.medium.work_item_object} of {label} to be {ctx.medium.ended_statuses[0]}")

    def customer_gone():
        conv = agent.client.conversation(cid)
        customers = [p for p in conv.get("participants", []) if p.get("purpose") == "customer"]
        if not customers:
            return False, "the interaction has no customer participant"
        state = customers[-1].get("state")
        return state == "disconnected", f"the customer's leg is {state}"

    wait_until(customer_gone, f"the customer's leg of {label} to be disconnected in {agent.label}'s client")
