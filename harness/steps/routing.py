"""Routing steps: an externally routed chat alerts the agent with its work item; a plain web chat stays in the
client (seed introduction and step 2)."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from omni_harness.harness import checks
from omni_harness.harness.actors import same_sf_id, work_item_of
from omni_harness.harness.media import Medium
from omni_harness.harness.scenario import ScenarioContext
from omni_harness.harness.waits import check_now, expect, wait_until

from .common import CHAT, WHO, WHOSE, agent_of, leg_of, settle, subject


@then(parsers.re(rf"{CHAT} waits for an agent in Salesforce with its routing request"))
def then_routing_request(ctx: ScenarioContext, label: str) -> None:
    chat = ctx.chat(label)
    wait_until(checks.routing_request(ctx, chat, True), f"a PendingServiceRouting for {label} ({chat.work_item_id})")
    wait_until(checks.transcript(ctx, chat, "Waiting"),
               f"the {ctx.medium.work_item_object} of {label} to be Waiting")


@then(parsers.re(r"no work item is created before (?:she|he) picks up"))
def then_no_work_before_pickup(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    _, _, label = leg_of(ctx, agent)
    chat = ctx.chat(label)
    settle(ctx)

    def none_yet():
        works = checks.agent_works(ctx, chat)
        created = checks.agent_work_creations(ctx, chat)
        return not works and not created, (f"{len(created)} AgentWork record(s) were created for it" if created
                                           else "no AgentWork exists for it")

    check_now(none_yet, f"no AgentWork for the chat while it is only alerting in {agent.label}'s client")


@when(parsers.re(r"a customer starts a web chat in the Web Chat Queue in Genesys Cloud"))
def when_web_chat(ctx: ScenarioContext) -> None:
    """Chat: a web chat created in the Web Chat Queue. Messaging: a plain web message raised in the Web Messaging
    Queue, as its inbound message flow would (no Salesforce work item either way)."""
    if ctx.medium is Medium.MESSAGING:
        conv = ctx.platforms.genesys_control.genesys_interaction(
            ctx.medium.genesys_media_type, ctx.directory.web_queue_id(ctx.medium), "Web Visitor")
    else:
        conv = ctx.platforms.genesys.create_web_chat(ctx.directory.web_chat_queue_id, {"customerName": "Web Visitor"})
    ctx.web_chats["the web chat"] = conv["id"]


@then(parsers.re(rf"{WHOSE} client alerts the web chat without a Salesforce work item"))
def then_web_chat_alerts(ctx: ScenarioContext, whose: str) -> None:
    agent = agent_of(ctx, whose)
    cid = ctx.web_chats["the web chat"]
    conv, participant = wait_until(checks.client_offers(agent, None, "alerting", conversation_id=cid),
                                   f"{agent.label}'s client to alert the web chat {cid}")
    expect(not work_item_of(conv), "the web chat to carry no work item, as a plain web chat does",
           f"it carries work item {work_item_of(conv)}", requirement="ROUTE-2")
    ctx.remember_leg(agent, "the web chat", cid, participant["id"])
    ctx.state.offered[agent.role] = "the web chat"


@when(parsers.re(rf"{WHO} clicks Pick Up on the web chat"))
def when_pick_up_web_chat(ctx: ScenarioContext, who: str) -> None:
    agent = agent_of(ctx, who)
    cid, pid = ctx.leg(agent, "the web chat")
    agent.client.pick_up(cid, pid)


@then(parsers.re(r"the web chat connects in the client"))
def then_web_chat_connects(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    cid, _ = ctx.leg(agent, "the web chat")
    wait_until(checks.leg_state(agent, cid, "connected"), f"the web chat to be connected in {agent.label}'s client")


@then(parsers.re(r"no work item is created for (?:her|him) in Salesforce"))
def then_no_work_for_web_chat(ctx: ScenarioContext) -> None:
    agent = subject(ctx)
    settle(ctx)

    def nothing_in_salesforce():
        works = agent.console.works()
        created = [e for e in checks.journal_events(ctx, ctx.start_seq, "salesforce", "sobject.change")
                   if e["data"].get("entity") == "AgentWork" and e["data"].get("changeType") == "CREATE"
                   and (e["data"].get("record") or {}).get("UserId", "")[:15] == agent.person.salesforce_user_id[:15]]
        tabs = [e for e in checks.journal_events(ctx, ctx.start_seq, "salesforce", "console.tab")
                if (e["data"].get("userId") or "")[:15] == agent.person.salesforce_user_id[:15]]
        # An insert counts refused or not: a connector that tries to raise work for a web chat gets it wrong.
        attempts = [checks.request_line(ctx, e) for e in checks.world_journal(ctx)
                    if e.get("kind") == "request" and checks.AGENT_WORK_INSERT.match(e["data"].get("path") or "")
                    and e["data"].get("method") == "POST"
                    and same_sf_id((e["data"].get("requestBody") or {}).get("UserId"), agent.person.salesforce_user_id)]
        ok = not works and not created and not tabs and not attempts
        return ok, (f"{len(created)} AgentWork record(s) created for {agent.role}, {len(works)} work item(s) in "
                    f"the console, {len(tabs)} console tab change(s)"
                    + (", AgentWork inserts: " + "; ".join(attempts) if attempts else ""))

    check_now(nothing_in_salesforce, f"no work item for {agent.label} in Salesforce for the web chat")


# -- messaging: the customer comes back (ROUTE-3) -----------------------------------------------------------
@when(parsers.re(r"the customer comes back and writes again"))
def when_customer_returns(ctx: ScenarioContext) -> None:
    first = ctx.chat("the chat")
    ctx.chats["the returning chat"] = ctx.customer.come_back(first, "the returning chat")


@then(parsers.re(r"the returning chat is the same conversation in Genesys Cloud"))
def then_same_conversation(ctx: ScenarioContext) -> None:
    """Within the 72-hour window Genesys Cloud keeps a returning customer's messages in the conversation they
    had: the connector must write as the same end user, not raise a conversation of its own."""
    first = ctx.conversations_for(ctx.chat("the chat").work_item_id)
    again = ctx.conversations_for(ctx.chat("the returning chat").work_item_id)
    expect(bool(first) and bool(again) and again[-1] == first[0],
           f"the returning customer's messages to join the conversation of the first session ({first[:1]})",
           f"the new session's work item is carried by {again or 'no conversation'}", requirement=ctx.requirement)
