"""Shared step vocabulary: who "she" is, the customer's chats, going On Queue, the chats an agent is offered."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from omni_harness.harness import checks
from omni_harness.harness.actors import Agent, Customer, CustomerChat, same_sf_id
from omni_harness.harness.scenario import ROLES, ScenarioContext, needed
from omni_harness.harness.waits import CheckFailed, WaitTimeout, check_now, expect, expected, wait_until

NAME = r"(?P<who>Alice|Bob|Carol)"
WHO = r"(?P<who>Alice|Bob|Carol|she|he)"
WHOSE = r"(?P<whose>Alice's|Bob's|Carol's|her|his)"
CHAT = r"(?P<label>the chat|the second chat|the returning chat)"
QUEUE = r"(?P<queue>the chat queue|the second chat queue)"
CUSTOMER_NAMES = {"the chat": "Pat Customer", "the second chat": "Sam Second", "the returning chat": "Pat Customer"}


def agent_of(ctx: ScenarioContext, who: str) -> Agent:
    """An agent by role name, or by pronoun: the agent the scenario spoke of last."""
    if who in ("she", "he", "her", "his"):
        return subject(ctx)
    name = who[:-2] if who.endswith("'s") else who
    agent = ctx.agent(name)
    ctx.state.subject = agent
    return agent


def subject(ctx: ScenarioContext) -> Agent:
    """The agent the scenario spoke of last: who "she" or "he" is."""
    return needed(ctx.state.subject, "agent to call she or he yet")


def leg_of(ctx: ScenarioContext, agent: Agent, label: str | None = None) -> tuple[str, str, str]:
    """(conversation id, participant id, chat label) of the chat the agent was last offered (or `label`)."""
    label = label or ctx.state.offered.get(agent.role)
    if label is None:
        raise KeyError(f"{agent.label} has not been offered a chat in this scenario")
    cid, pid = ctx.leg(agent, label)
    return cid, pid, label


def start_customer_chat(ctx: ScenarioContext, label: str, queue_label: str = "the chat queue") -> CustomerChat:
    queue = ctx.queue(queue_label)
    customer = Customer(ctx.platforms.salesforce_control, CUSTOMER_NAMES.get(label, "Pat Customer"), ctx.medium)
    chat = customer.start_chat(label, queue.salesforce_developer_name)
    ctx.chats[label] = chat
    return chat


def wait_offered(ctx: ScenarioContext, agent: Agent, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Waits until the agent's client alerts the chat carrying its work item; remembers the agent's leg."""
    chat = ctx.chat(label)
    conv, participant = wait_until(
        checks.client_offers(agent, chat.work_item_id, "alerting"),
        f"{agent.label}'s client to alert {label} carrying work item {chat.work_item_id}")
    ctx.remember_leg(agent, label, conv["id"], participant["id"])
    ctx.state.offered[agent.role] = label
    return conv, participant


def go_on_queue(ctx: ScenarioContext, agent: Agent) -> None:
    agent.client.set_presence("On Queue")
    wait_until(checks.routing_status(agent, "IDLE"), f"{agent.label} to be On Queue and IDLE in the client")
    wait_until(checks.omni_status(ctx, agent, "Online"), f"Omni-Channel status of {agent.label} to be Online")


def settle(ctx: ScenarioContext) -> bool:
    """Shows the connector has worked through everything that happened so far, before a "nothing happened" check.

    The spare agent goes On Queue and back: once the connector has synced both presences to Omni-Channel it has
    handled the events before them (a connector handles its feed in order). A connector that never syncs presence
    cannot show it; then the check runs after the step's time-out instead, and the scenario's record says so.
    Answers whether the round trip happened.
    """
    spare = ctx.agent(ROLES[-1])
    try:
        spare.client.set_presence("On Queue")
        wait_until(checks.omni_status(ctx, spare, "Online"), f"Omni-Channel status of {spare} to be Online")
        spare.client.set_presence("Available")
        wait_until(checks.omni_status(ctx, spare, None), f"{spare} to be logged out of Omni-Channel")
        return True
    except WaitTimeout as exc:
        ctx.record.cleanup.append("settle: the connector did not sync the spare agent's presence, so the check "
                                  "after it waited the step's time-out instead: " + str(exc).splitlines()[0])
        return False


def pick_up(ctx: ScenarioContext, agent: Agent, label: str | None = None) -> None:
    cid, pid, label = leg_of(ctx, agent, label)
    agent.client.pick_up(cid, pid)


def wait_connected(ctx: ScenarioContext, agent: Agent, label: str | None = None) -> None:
    cid, _, label = leg_of(ctx, agent, label)
    wait_until(checks.leg_state(agent, cid, "connected"), f"{label} to be connected in {agent.label}'s client")


def wait_work_opened(ctx: ScenarioContext, agent: Agent, label: str | None = None) -> None:
    _, _, label = leg_of(ctx, agent, label)
    chat = ctx.chat(label)
    wait_until(checks.agent_work_status(ctx, agent, chat, "Opened"),
               f"AgentWork of {agent.label} for {label} to be Opened")
    wait_until(checks.console_shows(agent, chat), f"{agent.label}'s console to show the work item of {label}")


# -- steps -----------------------------------------------------------------------------------------------
@given(parsers.re(rf"{NAME} is On Queue in the client"))
def given_on_queue(ctx: ScenarioContext, who: str) -> None:
    go_on_queue(ctx, agent_of(ctx, who))


@given(parsers.re(rf"{NAME} has set (?:her|his) status to On Queue in the client"))
def given_on_queue_in_client(ctx: ScenarioContext, who: str) -> None:
    """On Queue in Genesys Cloud only: for a scenario about the client alone, whatever Omni-Channel shows."""
    agent = agent_of(ctx, who)
    agent.client.set_presence("On Queue")
    wait_until(checks.routing_status(agent, "IDLE"), f"{agent.label} to be On Queue and IDLE in the client")


@given(parsers.re(rf"{NAME} is (?:also )?an agent of {QUEUE}"))
def given_queue_member(ctx: ScenarioContext, who: str, queue: str) -> None:
    ctx.add_member(ctx.queue(queue).genesys_id, agent_of(ctx, who))


@given(parsers.re(rf"{NAME} is an agent of the Web Chat Queue"))
def given_web_chat_member(ctx: ScenarioContext, who: str) -> None:
    ctx.add_member(ctx.directory.web_queue_id(ctx.medium), agent_of(ctx, who))


@given(parsers.re(rf"a customer chat is alerting in {NAME}'s client"))
def given_chat_alerting(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    start_customer_chat(ctx, "the chat")
    wait_offered(ctx, agent, "the chat")
    # The connector has seen the alert before she acts on it, so whatever it does on an alert (it
    # should do nothing) happens before the Pick Up, not by luck after it.
    settle(ctx)


@given(parsers.re(rf"{NAME} is chatting with a customer after picking up the chat"))
def given_chatting(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    start_customer_chat(ctx, "the chat")
    wait_offered(ctx, agent, "the chat")
    pick_up(ctx, agent, "the chat")
    wait_connected(ctx, agent, "the chat")
    wait_work_opened(ctx, agent, "the chat")


@when(parsers.re(rf"(?:a|another) customer starts a chat in {QUEUE} in Salesforce"))
def when_customer_chat(ctx: ScenarioContext, queue: str) -> None:
    label = "the chat" if "the chat" not in ctx.chats else "the second chat"
    start_customer_chat(ctx, label, queue)


@given(parsers.re(rf"{WHOSE} client alerts {CHAT} (?:with its|as the same) Salesforce work item"))
@then(parsers.re(rf"{WHOSE} client alerts {CHAT} (?:with its|as the same) Salesforce work item"))
def then_client_alerts(ctx: ScenarioContext, whose: str, label: str) -> None:
    agent = agent_of(ctx, whose)
    conv, participant = wait_offered(ctx, agent, label)
    chat = ctx.chat(label)
    if ctx.state.transfer_queue is not None:
        paired = ctx.state.transfer_queue  # transferred to a queue: routed again from the paired queue
    elif ctx.state.sender is not None:
        # Transferred to an agent: no queue routes it. Every work item his alert names is the chat's (ACCEPT-1):
        # the attributes of his leg come from the sender's, so a connector that tags legs shows there.
        named = (participant.get("attributes") or {}).get("workItemId")
        expect(not named or same_sf_id(named, chat.work_item_id),
               f"{agent.label}'s alert to name work item {chat.work_item_id} of {label}",
               f"his leg carries workItemId {named}", requirement="ACCEPT-1")
        return
    else:
        paired = next(q for q in ctx.queues.values() if q.salesforce_developer_name == chat.queue)
    queue_id = (participant.get("queue") or {}).get("id")
    expect(queue_id == paired.genesys_id,
           f"{agent.label}'s alert for {label} to come from {paired.genesys_name} ({paired.genesys_id}), the queue "
           f"paired with {paired.salesforce_developer_name}, where the chat was put",
           f"it comes from Genesys queue {queue_id}", requirement=ctx.requirement)


@when(parsers.re(rf"{WHO} (?:clicks Pick Up|accepts the chat in (?:his|her) client)"))
def when_pick_up(ctx: ScenarioContext, who: str) -> None:
    pick_up(ctx, agent_of(ctx, who))


@then(parsers.re(rf"the chat connects in (?:the|{WHOSE}) client"))
def then_connects(ctx: ScenarioContext, whose: str | None = None) -> None:
    agent = agent_of(ctx, whose) if whose else subject(ctx)
    wait_connected(ctx, agent)
    # Her click connects the chat (PICK-1, ACCEPT-2): the connector never answers for her. What it does on the
    # connect comes after it, so it is given the time to do it first.
    cid, pid, label = leg_of(ctx, agent)
    settle(ctx)
    checks.expect_none(checks.leg_changes_by_others(ctx, agent, cid, pid, checks.world_journal(ctx), "state"),
                       f"only {agent.label} to answer {label} in the client, never the connector for her",
                       requirement=ctx.requirement)


@when(parsers.re(rf"{WHO} lets the alert time out"))
def when_alert_times_out(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, _, label = leg_of(ctx, agent)
    _, participant = check_now(checks.leg_state(agent, cid, "alerting"), f"{label} to be alerting for {agent.label}")
    seconds = (participant.get("alertingTimeoutMs") or 30_000) / 1000.0
    ctx.platforms.genesys_control.advance_clock(seconds + 1.0)


# -- what must hold in every scenario ----------------------------------------------------------------------
class DuplicateAttempt(CheckFailed):
    """A second attempt to create the same work item or interaction: RES-6's rule, broken in this scenario's flow."""

    requirements = ("RES-6",)


def check_no_duplicate_attempt(ctx: ScenarioContext) -> None:
    groups = checks.duplicate_attempts(ctx)
    if not groups:
        return
    describe = expected("one AgentWork per work item and agent, and one Genesys interaction per routing request, "
                        "in this flow as in any", "RES-6")
    seen = checks.describe_duplicates(ctx, groups)
    raise DuplicateAttempt(f"Expected {describe}; it is {seen}.\n\n{ctx.evidence()}", describe, seen)


@pytest.hookimpl(trylast=True)
def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """After the last step of a scenario that passed: the connector attempted nothing twice. A failed scenario
    keeps its own failure."""
    if sys.exc_info()[1] is not None or "ctx" not in request.fixturenames:
        return
    ctx = request.getfixturevalue("ctx")
    try:
        check_no_duplicate_attempt(ctx)
    except DuplicateAttempt as exc:
        request.node.user_properties += [("failed_step", "After the scenario: nothing attempted twice"),
                                         ("failed_expectation", exc.describe), ("failed_seen", exc.seen)]
        raise
