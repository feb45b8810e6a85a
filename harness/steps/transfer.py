"""Transfer and accept steps: no transfer from the client; transfer to an agent or a queue from Salesforce; the
receiver's client alerts the same work item and accepting it starts the conversation (seed: Transfer, Accept)."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, then, when

from omni_harness.harness import checks
from omni_harness.harness.scenario import ClientTransfer, ScenarioContext, needed
from omni_harness.harness.waits import check_now, expect, wait_until

from .common import NAME, WHO, agent_of, leg_of, settle, subject

SENDER_DONE = ("Transferred", "Closed")


def _transfer_to_agent(ctx: ScenarioContext, sender_name: str, receiver_name: str) -> None:
    sender = agent_of(ctx, sender_name)
    receiver = ctx.agent(receiver_name)
    _, _, label = leg_of(ctx, sender)
    sender.console.transfer_to_user(ctx.chat(label).work_item_id, receiver.person.salesforce_user_id)
    ctx.state.sender = sender
    ctx.state.offered[receiver.role] = label


def _snapshot(ctx: ScenarioContext) -> dict[str, Any]:
    """What the transfer must not change: the conversation's legs, the chat's Omni-Channel records."""
    chat = ctx.chat("the chat")
    cid, _, _ = leg_of(ctx, subject(ctx))
    conv = ctx.platforms.genesys.chat(cid, ctx.medium.genesys_collection)
    legs = sorted((p.get("id"), p.get("purpose"), (p.get("user") or {}).get("id"), p.get("state"))
                  for p in conv.get("participants", []))
    works = sorted((w["Id"], w.get("UserId"), w.get("Status")) for w in checks.agent_works(ctx, chat))
    requests = ctx.platforms.salesforce.query(
        f"SELECT Id FROM PendingServiceRouting WHERE WorkItemId = '{chat.work_item_id}'")
    return {"legs": legs, "works": works, "requests": sorted(r["Id"] for r in requests)}


@when(parsers.re(rf"{NAME} tries to transfer the chat to {NAME.replace('who', 'to')} in the client"))
def when_client_transfer(ctx: ScenarioContext, who: str, to: str) -> None:
    sender = agent_of(ctx, who)
    receiver = ctx.agent(to)
    cid, pid, _ = leg_of(ctx, sender)
    before, after_seq = _snapshot(ctx), ctx.feed.last_seq()
    answer = sender.client.try_transfer(cid, pid, {"userId": receiver.person.genesys_user_id})
    ctx.state.client_transfer = ClientTransfer(before, after_seq, answer, receiver)


@then(parsers.re(r"the client refuses the transfer"))
def then_transfer_refused(ctx: ScenarioContext) -> None:
    answer = needed(ctx.state.client_transfer, "transfer tried in the client").answer
    expect(400 <= answer.status < 500, "the client to refuse the transfer of an externally routed chat (4xx)",
           f"it was answered {answer.status}", requirement="XFER-1")
    body = answer.body if isinstance(answer.body, dict) else {}
    expect(bool(body.get("code") and body.get("message")), "the refusal to be a Genesys error body (code, message)",
           f"the body is {answer.body}", requirement="XFER-1")


@then(parsers.re(r"nothing changes in Genesys Cloud or Salesforce"))
def then_nothing_changes(ctx: ScenarioContext) -> None:
    settle(ctx)
    attempt = needed(ctx.state.client_transfer, "transfer tried in the client")
    before, after = attempt.before, _snapshot(ctx)
    changes = [f"{key}: {before[key]} -> {after[key]}" for key in before if before[key] != after[key]]
    created = checks.agent_work_creations(ctx, ctx.chat("the chat"), since=attempt.after_seq)
    if created:
        changes.append(f"{len(created)} AgentWork record(s) created (journal #{created[0]['seq']})")
    offered = attempt.receiver.client.chats()
    if offered:
        changes.append(f"{attempt.receiver.label}'s client shows {len(offered)} chat(s)")
    expect(not changes, "nothing to change in Genesys Cloud or Salesforce after the refused transfer",
           "; ".join(changes), requirement="XFER-1")


@when(parsers.re(rf"{NAME} transfers the chat to {NAME.replace('who', 'to')} in Salesforce"))
def when_transfer_to_agent(ctx: ScenarioContext, who: str, to: str) -> None:
    _transfer_to_agent(ctx, who, to)


@given(parsers.re(rf"{NAME} has transferred the chat to {NAME.replace('who', 'to')} in Salesforce"))
def given_transferred_to_agent(ctx: ScenarioContext, who: str, to: str) -> None:
    _transfer_to_agent(ctx, who, to)


@when(parsers.re(rf"{NAME} transfers the chat to the second chat queue in Salesforce"))
def when_transfer_to_queue(ctx: ScenarioContext, who: str) -> None:
    sender = agent_of(ctx, who)
    _, _, label = leg_of(ctx, sender)
    target = ctx.queue("the second chat queue")
    sender.console.transfer_to_queue(ctx.chat(label).work_item_id, target.salesforce_developer_name)
    ctx.state.sender = sender
    ctx.state.transfer_queue = target


@given(parsers.re(rf"{NAME}'s client alerts the transferred chat"))
@then(parsers.re(rf"{NAME}'s client alerts the transferred chat"))
def then_transfer_alerts(ctx: ScenarioContext, who: str) -> None:
    """The receiver's client alerts the sender's interaction; what the alert names is ACCEPT-1's question."""
    receiver = agent_of(ctx, who)
    cid, _, label = leg_of(ctx, needed(ctx.state.sender, "transfer in Salesforce"))
    conv, participant = wait_until(checks.client_offers(receiver, None, "alerting", conversation_id=cid),
                                   f"{receiver.label}'s client to alert {label} (interaction {cid})")
    ctx.remember_leg(receiver, label, conv["id"], participant["id"])
    ctx.state.offered[receiver.role] = label


@then(parsers.re(r"Salesforce raises a new routing request for the chat in the second chat queue"))
def then_new_routing_request(ctx: ScenarioContext) -> None:
    queue = ctx.queue("the second chat queue")
    wait_until(checks.routing_request(ctx, ctx.chat("the chat"), True, IsTransfer=True, GroupId=queue.salesforce_id),
               f"a PendingServiceRouting with IsTransfer for the chat in {queue.salesforce_developer_name}")


@then(parsers.re(rf"{NAME} still has the work item open in (?:her|his) console and the chat connected in (?:her|his) "
                 r"client"))
def then_sender_keeps(ctx: ScenarioContext, who: str) -> None:
    sender = agent_of(ctx, who)
    cid, pid, label = leg_of(ctx, sender)
    chat = ctx.chat(label)
    check_now(checks.agent_work_status(ctx, sender, chat, "Opened"), f"AgentWork of {sender.label} to stay Opened")
    check_now(checks.console_shows(sender, chat), f"{sender.label}'s console to still show the chat")
    check_now(checks.leg_state(sender, cid, "connected"), f"{sender.label}'s leg to stay connected")
    checks.expect_none(checks.leg_disconnection_marks(ctx, cid, pid),
                       f"{sender.label}'s leg never to be disconnected before the receiver accepts",
                       requirement=ctx.requirement)


@then(parsers.re(rf"Omni-Channel has assigned the work item to {NAME}"))
def then_assigned(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    wait_until(checks.agent_work_status(ctx, agent, ctx.chat("the chat"), "Assigned"),
               f"AgentWork of {agent.label} for the chat to be Assigned")


@then(parsers.re(rf"Omni-Channel opens the work item in {NAME}'s console"))
def then_opens_in_console(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    chat = ctx.chat("the chat")
    wait_until(checks.agent_work_status(ctx, agent, chat, "Opened"), f"AgentWork of {agent.label} to be Opened")
    wait_until(checks.console_shows(agent, chat), f"{agent.label}'s console to show the chat")


@then(parsers.re(rf"{NAME}'s work item is disconnected in Salesforce"))
def then_sender_work_gone(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    chat = ctx.chat("the chat")
    wait_until(checks.agent_work_status(ctx, agent, chat, *SENDER_DONE),
               f"AgentWork of {agent.label} to be Transferred (or Closed)")
    wait_until(checks.console_shows(agent, chat, shown=False), f"{agent.label}'s console to no longer show the chat")


@then(parsers.re(rf"{NAME} no longer has the work item in (?:her|his) console"))
def then_no_longer_in_console(ctx: ScenarioContext, who: str) -> None:
    then_sender_work_gone(ctx, who)


@then(parsers.re(rf"the chat is in progress with {NAME} as owner"))
def then_owner(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    wait_until(checks.transcript(ctx, ctx.chat("the chat"), ctx.medium.in_progress_status, agent),
               f"the {ctx.medium.work_item_object} to be {ctx.medium.in_progress_status} and owned by {agent.label}")


@when(parsers.re(rf"{WHO} declines the chat in (?:her|his) client"))
def when_decline(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, pid, _ = leg_of(ctx, agent)
    agent.client.decline(cid, pid)


@then(parsers.re(rf"{NAME}'s work item is declined in Salesforce"))
def then_declined(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    wait_until(checks.agent_work_status(ctx, agent, ctx.chat("the chat"), "Declined", "DeclinedOnPushTimeout"),
               f"AgentWork of {agent.label} to be Declined")
