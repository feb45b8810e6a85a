"""Resilience steps: the platforms misbehave on purpose (fault rules on the fakes), the connector must cope.

Every fault acts on the whole world, so these scenarios run alone (`@exclusive`)."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from omni_harness.harness import checks
from omni_harness.harness.media import Medium
from omni_harness.harness.scenario import InjectedFault, ScenarioContext, needed
from omni_harness.harness.waits import check_now, expect, wait_until

from .common import settle

# The call that raises the Genesys interaction for a routing request, per medium (DESIGN §4.3, §4.7).
INTERACTION_CREATE = {Medium.CHAT: "/api/v2/conversations/chats",
                      Medium.MESSAGING: "/api/v2/conversations/messages/*/inbound/open/message"}


def _fired(ctx: ScenarioContext, control, rule_id: str) -> int:
    rules = control.http.get("/_fake/faults")["faults"]
    return next((r.get("fired", 0) for r in rules if r["id"] == rule_id), 0)


@given(parsers.re(r"Genesys Cloud answers the next interaction the connector creates with 429 and Retry-After "
                  r"(?P<seconds>\d+)"))
def given_rate_limited(ctx: ScenarioContext, seconds: str) -> None:
    rule = ctx.add_fault(ctx.platforms.genesys_control, {
        "method": "POST", "path": INTERACTION_CREATE[ctx.medium], "status": 429, "count": 1,
        "headers": {"Retry-After": seconds},
        "body": {"message": "Rate limit exceeded the maximum [300] requests within [60] seconds",
                 "code": "too.many.requests", "status": 429}})
    ctx.state.rate_limit = InjectedFault(ctx.platforms.genesys_control, rule["id"])


@then(parsers.re(r"the connector retried the refused request"))
def then_retried(ctx: ScenarioContext) -> None:
    fault = needed(ctx.state.rate_limit, "429 rule installed")
    expect(_fired(ctx, fault.control, fault.rule_id) > 0,
           f"the 429 to have been answered to the connector's POST {INTERACTION_CREATE[ctx.medium]}, then retried",
           "the 429 was never answered: the connector did not create the interaction through that call",
           requirement="RES-1")


@given(parsers.re(r"every token issued so far has expired on both platforms"))
def given_tokens_expired(ctx: ScenarioContext) -> None:
    for control in (ctx.platforms.genesys_control, ctx.platforms.salesforce_control):
        control.add_fault({"action": "expire_tokens"})


@given(parsers.re(r"Genesys Cloud closes the connector's notification socket"))
def given_socket_closed(ctx: ScenarioContext) -> None:
    ctx.state.socket_closed_at = ctx.feed.last_seq()
    ctx.add_fault(ctx.platforms.genesys_control, {"action": "close_socket", "path": "*", "count": 1})


@then(parsers.re(r"the connector opens a notification socket again"))
def then_socket_reopened(ctx: ScenarioContext) -> None:
    since = needed(ctx.state.socket_closed_at, "notification socket closed")

    def reopened():
        events = checks.journal_events(ctx, since, "genesys", "notifications.socket")
        closed = [e for e in events if e["data"].get("action") == "closed"]
        opened = [e for e in events if e["data"].get("action") == "opened" and closed
                  and int(e["seq"]) > int(closed[0]["seq"])]
        if not closed:
            return False, "no notification socket has been closed yet"
        return bool(opened), "the socket was closed and none has been opened since"

    wait_until(reopened, "the connector to open its Genesys notification socket again")


@given(parsers.re(r"Salesforce forgets the connector's streaming client"))
def given_streaming_dropped(ctx: ScenarioContext) -> None:
    ctx.platforms.salesforce_control.http.post("/_fake/streaming/drop", {})


@when(parsers.re(r"the connector is restarted"))
def when_restarted(ctx: ScenarioContext, omni_connector) -> None:
    ctx.state.restart_seconds = omni_connector.restart()


@given(parsers.re(r"both platforms deliver every event twice"))
def given_duplicates(ctx: ScenarioContext) -> None:
    for control in (ctx.platforms.genesys_control, ctx.platforms.salesforce_control):
        ctx.add_fault(control, {"action": "duplicate_event", "path": "*"})


@then(parsers.re(r"there is exactly one work item for the chat"))
def then_one_work_item(ctx: ScenarioContext) -> None:
    chat = ctx.chat("the chat")
    settle(ctx)

    def single():
        created = checks.agent_work_creations(ctx, chat)
        conversations = ctx.conversations_for(chat.work_item_id)
        seen = (f"{len(created)} AgentWork records were created for it and {len(conversations)} Genesys "
                f"interactions carry its work item")
        twice = checks.duplicate_attempts(ctx)
        if twice:
            seen += "; attempted twice: " + checks.describe_duplicates(ctx, twice)
        return len(created) == 1 and len(conversations) == 1 and not twice, seen

    check_now(single, "exactly one AgentWork and one Genesys interaction for the chat")
