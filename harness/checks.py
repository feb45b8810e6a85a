"""Checks behind the steps: each reads one platform through its API and answers (ok, what is seen[, value])."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .actors import Agent, CustomerChat, same_sf_id, work_item_of
from .genesys import normalise_presence
from .journal import Mark, at_or_before
from .salesforce import soql_quote
from .waits import fail

if TYPE_CHECKING:
    from .scenario import ScenarioContext

Check = Callable[[], tuple]


# -- Genesys: the agent's client -------------------------------------------------------------------
def _leg_summary(agent: Agent, conversation: dict[str, Any]) -> str:
    p = agent.client.my_participant(conversation)
    if p is None:
        return f"conversation {conversation.get('id')} without a leg of {agent.role}"
    extra = ""
    if p.get("state") == "disconnected":
        extra = f", disconnectType {p.get('disconnectType')}"
        if p.get("wrapupRequired"):
            extra += ", wrap-up " + ("done" if p.get("wrapup") else "pending")
    return f"{agent.role}'s leg {p.get('state')}{extra}"


def client_offers(agent: Agent, work_item_id: str | None, state: str = "alerting",
                  conversation_id: str | None = None) -> Check:
    """The agent's client lists a chat carrying the work item (or the given conversation) with the agent's
    leg in `state`. Value: (conversation, participant)."""

    def check():
        chats = agent.client.chats()
        if not chats:
            return False, f"{agent.role}'s client shows no chat"
        seen = []
        for conv in chats:
            item = work_item_of(conv)
            if conversation_id is not None:
                if conv.get("id") != conversation_id:
                    seen.append(f"chat {conv.get('id')} ({_leg_summary(agent, conv)})")
                    continue
            elif work_item_id is None:
                if item:
                    seen.append(f"a chat with work item {item} ({_leg_summary(agent, conv)})")
                    continue
            elif not same_sf_id(item, work_item_id):
                seen.append(f"a chat with work item {item or 'none'} ({_leg_summary(agent, conv)})")
                continue
            p = agent.client.my_participant(conv)
            if p is not None and p.get("state") == state:
                return True, "ok", (conv, p)
            seen.append(f"the chat with {_leg_summary(agent, conv)}")
        return False, f"{agent.role}'s client shows " + "; ".join(seen)

    return check


def leg_state(agent: Agent, conversation_id: str, state: str, wrapup_pending: bool | None = None) -> Check:
    """The agent's leg on the conversation is in `state` (read with the agent's own token)."""

    def check():
        conv = agent.client.conversation(conversation_id)
        p = agent.client.my_participant(conv)
        if p is None:
            return False, f"{agent.role} has no leg on conversation {conversation_id}"
        ok = p.get("state") == state
        if ok and wrapup_pending is not None:
            pending = bool(p.get("wrapupRequired")) and not p.get("wrapup")
            ok = pending == wrapup_pending
        return ok, _leg_summary(agent, conv), (conv, p)

    return check


def routing_status(agent: Agent, *wanted: str) -> Check:
    def check():
        status = agent.client.routing_status()
        return status in wanted, f"routing status {status}", status

    return check


def presence(agent: Agent, system_presence: str) -> Check:
    def check():
        value = agent.client.presence()
        return normalise_presence(value) == normalise_presence(system_presence), f"presence {value!r}", value

    return check


# -- Salesforce: Omni-Channel records and the agent's console --------------------------------------
def omni_status(ctx: ScenarioContext, agent: Agent, developer_name: str | None) -> Check:
    """Omni-Channel status of the agent in the console (`getServicePresenceStatusId`); None = logged out."""

    def check():
        status = agent.console.status()
        name = None
        if status:
            name = status.get("statusApiName") or ctx.directory.omni_status_name(status.get("statusId"))
        shown = name if name else "logged out"
        return name == developer_name, f"{shown} in the console"

    return check


def current_presence_record(ctx: ScenarioContext, agent: Agent) -> str | None:
    """The status of the agent's current UserServicePresence record (REST), None when logged out."""
    rows = ctx.platforms.salesforce.query(
        "SELECT Id, ServicePresenceStatusId, IsCurrentState FROM UserServicePresence "
        f"WHERE UserId = {soql_quote(agent.person.salesforce_user_id)} AND IsCurrentState = true")
    if not rows:
        return None
    return ctx.directory.omni_status_name(rows[-1].get("ServicePresenceStatusId"))


def presence_record(ctx: ScenarioContext, agent: Agent, developer_name: str | None) -> Check:
    def check():
        name = current_presence_record(ctx, agent)
        return name == developer_name, (f"its current UserServicePresence is {name}" if name
                                         else "it has no current UserServicePresence (logged out)")

    return check


AGENT_WORK_FIELDS = "Id, Status, UserId, WorkItemId, PendingServiceRoutingId, CreatedDate"


def agent_works(ctx: ScenarioContext, chat: CustomerChat, agent: Agent | None = None) -> list[dict[str, Any]]:
    where = f"WorkItemId = {soql_quote(chat.work_item_id)}"
    if agent is not None:
        where += f" AND UserId = {soql_quote(agent.person.salesforce_user_id)}"
    return ctx.platforms.salesforce.query(f"SELECT {AGENT_WORK_FIELDS} FROM AgentWork WHERE {where} "
                                          "ORDER BY CreatedDate", include_deleted=False)


def agent_work_status(ctx: ScenarioContext, agent: Agent, chat: CustomerChat, *statuses: str) -> Check:
    """The agent's latest AgentWork for the chat has one of `statuses`. Value: the record."""

    def check():
        works = agent_works(ctx, chat, agent)
        if not works:
            return False, f"there is no AgentWork of {agent.role} for the chat"
        latest = works[-1]
        extra = f" ({len(works)} AgentWork records of {agent.role} for it)" if len(works) > 1 else ""
        return latest.get("Status") in statuses, f"it is {latest.get('Status')}{extra}", latest

    return check


def console_shows(agent: Agent, chat: CustomerChat, shown: bool = True) -> Check:
    """The agent's console lists (or no longer lists) the chat's work (`getAgentWorks`)."""

    def check():
        work = agent.console.work_for(chat.work_item_id)
        if shown:
            return work is not None, ("the console lists it" if work else
                                      f"the console lists {len(agent.console.works())} other work item(s)"), work
        return work is None, ("the console still lists it" if work else "the console does not list it"), work

    return check


def routing_request(ctx: ScenarioContext, chat: CustomerChat, exists: bool, **fields: Any) -> Check:
    """A PendingServiceRouting for the work item exists (with `fields`) or not."""

    def check():
        rows = ctx.platforms.salesforce.query(
            "SELECT Id, IsPushed, IsTransfer, GroupId, WorkItemId FROM PendingServiceRouting "
            f"WHERE WorkItemId = {soql_quote(chat.work_item_id)}")
        if not exists:
            return not rows, (f"{len(rows)} routing request(s) exist for it" if rows else "no routing request exists")
        matching = [r for r in rows if all(_eq(r.get(k), v) for k, v in fields.items())]
        if matching:
            return True, "ok", matching[-1]
        if not rows:
            return False, "no routing request exists for it"
        return False, "its routing requests are " + "; ".join(
            ", ".join(f"{k}={r.get(k)}" for k in ("IsPushed", "IsTransfer", "GroupId")) for r in rows)

    return check


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str) and len(a) >= 15 and len(b) >= 15:
        return a[:15] == b[:15]
    return a == b


def transcript(ctx: ScenarioContext, chat: CustomerChat, status: str, owner: Agent | None = None) -> Check:
    def check():
        record = ctx.platforms.salesforce.retrieve(chat.medium.work_item_object, chat.work_item_id)
        if record is None:
            return False, f"the {chat.medium.work_item_object} does not exist"
        ok = record.get("Status") == status
        if owner is not None:
            ok = ok and same_sf_id(record.get("OwnerId"), owner.person.salesforce_user_id)
        owner_name = ctx.directory.person_by_salesforce_id(record.get("OwnerId") or "")
        return ok, f"its Status is {record.get('Status')}, owner {owner_name.name if owner_name else record.get('OwnerId')}"

    return check


def all_of(*checks: Check) -> Check:
    """Every check holds; what is seen is the first one that does not."""

    def check():
        values = []
        for c in checks:
            result = c()
            if not result[0]:
                return False, result[1]
            values.append(result[2] if len(result) > 2 else None)
        return True, "ok", values

    return check


# -- history, from the journal: what happened, in which order ----------------------------------------
def journal_events(ctx: ScenarioContext, since: int, source: str | None = None,
                   type_: str | None = None) -> list[dict[str, Any]]:
    entries = ctx.platforms.genesys_control.journal(since=since, kind="event", source=source)
    return [e for e in entries if type_ is None or e.get("type") == type_]


def agent_work_creations(ctx: ScenarioContext, chat: CustomerChat, agent: Agent | None = None,
                         since: int | None = None) -> list[dict[str, Any]]:
    """Journal events of AgentWork records created for the chat (for the agent) since `since`."""
    out = []
    for e in journal_events(ctx, ctx.start_seq if since is None else since, "salesforce", "sobject.change"):
        data = e.get("data", {})
        record = data.get("record") or {}
        if data.get("entity") != "AgentWork" or data.get("changeType") != "CREATE":
            continue
        if not same_sf_id(record.get("WorkItemId"), chat.work_item_id):
            continue
        if agent is not None and not same_sf_id(record.get("UserId"), agent.person.salesforce_user_id):
            continue
        out.append(e)
    return out


def leg_disconnections(ctx: ScenarioContext, conversation_id: str, participant_id: str,
                       since: int | None = None) -> list[dict[str, Any]]:
    """Journal events in which the given leg was disconnected."""
    return [e for e in journal_events(ctx, ctx.start_seq if since is None else since, "genesys",
                                      "conversation.changed")
            if e.get("data", {}).get("conversationId") == conversation_id
            and e.get("data", {}).get("participantId") == participant_id
            and e.get("data", {}).get("state") == "disconnected"]


# -- who did what, in which order: the journal's requests and the events they caused --------------------------
AGENT_WORK_INSERT = re.compile(r"^/services/data/v[\d.]+/sobjects/AgentWork/?$")
CHAT_CREATE = re.compile(r"^/api/v2/conversations/chats/?$")
# Messaging: the connector raises the interaction with the customer's first inbound Open Messaging message.
OPEN_MESSAGE_INBOUND = re.compile(r"^/api/v2/conversations/messages/[^/]+/inbound/open/message/?$")


def inbound_work_item(body: dict[str, Any]) -> str:
    """The work item an inbound open message carries: `channel.metadata.customAttributes.workItemId` (the guide's
    place) or the top-level `metadata` map (what the current SDK's model can send)."""
    channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
    metadata = channel.get("metadata") if isinstance(channel.get("metadata"), dict) else {}
    custom = metadata.get("customAttributes") if isinstance(metadata.get("customAttributes"), dict) else {}
    top = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    return str(custom.get("workItemId") or top.get("workItemId") or "")
# Refusals that show the platform never looked at the record (an expired session, a rate limit): the retry
# that follows is the same attempt, not a second one.
NOT_LOOKED_AT = (401, 429)


def world_journal(ctx: ScenarioContext, since: int | None = None) -> list[dict[str, Any]]:
    """Every entry of both platforms since the scenario began (or `since`), in journal order."""
    return ctx.platforms.genesys_control.journal(since=ctx.start_seq if since is None else since)


def is_harness_request(ctx: ScenarioContext, entry: dict[str, Any]) -> bool:
    return entry.get("correlationId") in set(ctx.platforms.tagger.sent)


def request_line(ctx: ScenarioContext, entry: dict[str, Any]) -> str:
    """`#158 POST /services/data/v67.0/sobjects/AgentWork/ -> 201 [connector]`, for a failure message."""
    data = entry.get("data", {}) or {}
    who = "harness" if is_harness_request(ctx, entry) else "connector"
    line = f"#{entry.get('seq')} {data.get('method')} {data.get('path')} -> {data.get('status')} [{who}]"
    body = data.get("responseBody")
    if (data.get("status") or 0) >= 400 and body is not None:
        line += f" {json.dumps(body)[:160]}"
    return line


@dataclass(frozen=True)
class CreationAttempt:
    """One request that tried to create a record of the flow: an AgentWork for an agent, or a Genesys interaction
    for a work item. `round` counts the routing requests raised for the work item before it: a transfer to a
    queue raises a new one, and with it the right to a new interaction and new work."""

    what: str  # "AgentWork" | "interaction"
    work_item_id: str
    user_id: str | None
    round: int
    entry: dict[str, Any]

    @property
    def seq(self) -> int:
        return int(self.entry.get("seq") or 0)

    @property
    def key(self) -> tuple[str, str, str | None, int]:
        return self.what, self.work_item_id[:15], (self.user_id or "")[:15] or None, self.round


def creation_attempts(ctx: ScenarioContext, entries: list[dict[str, Any]]) -> list[CreationAttempt]:
    """Every attempt of the connector, accepted or refused, to create an AgentWork or a Genesys interaction for a
    work item, in journal order (attempts the platform did not look at, 401 and 429, left out)."""
    rounds: dict[str, int] = {}
    out: list[CreationAttempt] = []
    harness = set(ctx.platforms.tagger.sent)
    message_ids: set[str] = set()  # an inbound message sent again with its own messageId is the same attempt
    for e in entries:
        data = e.get("data", {}) or {}
        if e.get("kind") == "event":
            if e.get("type") == "sobject.change" and data.get("entity") == "PendingServiceRouting" \
                    and data.get("changeType") == "CREATE":
                item = ((data.get("record") or {}).get("WorkItemId") or "")[:15]
                rounds[item] = rounds.get(item, 0) + 1
            continue
        if e.get("kind") != "request" or data.get("method") != "POST" or e.get("correlationId") in harness:
            continue
        if data.get("status") in NOT_LOOKED_AT or data.get("fault"):
            continue
        body = data.get("requestBody") if isinstance(data.get("requestBody"), dict) else {}
        path = data.get("path") or ""
        if e.get("source") == "salesforce" and AGENT_WORK_INSERT.match(path):
            item = str(body.get("WorkItemId") or "")
            if item:
                out.append(CreationAttempt("AgentWork", item, str(body.get("UserId") or ""),
                                           rounds.get(item[:15], 0), e))
        elif e.get("source") == "genesys" and CHAT_CREATE.match(path):
            item = str((body.get("attributes") or {}).get("workItemId") or "")
            if item:
                out.append(CreationAttempt("interaction", item, None, rounds.get(item[:15], 0), e))
        elif e.get("source") == "genesys" and OPEN_MESSAGE_INBOUND.match(path):
            item = inbound_work_item(body)
            channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
            message_id = str(channel.get("messageId") or "")
            if item and (not message_id or message_id not in message_ids):
                out.append(CreationAttempt("interaction", item, None, rounds.get(item[:15], 0), e))
            if message_id:
                message_ids.add(message_id)
    return out


def duplicate_attempts(ctx: ScenarioContext, entries: list[dict[str, Any]] | None = None) -> list[list[CreationAttempt]]:
    """Groups of two or more attempts to create the same thing: a second AgentWork for one work item and agent,
    a second Genesys interaction for one routing request. Refused by the platform or not, the attempt is the
    defect: on a real org the race can go either way."""
    groups: dict[tuple, list[CreationAttempt]] = {}
    # Only this scenario's chats: the journal is the world's, other scenarios run beside it.
    mine = {chat.work_item_id[:15] for chat in ctx.chats.values()}
    for attempt in creation_attempts(ctx, world_journal(ctx) if entries is None else entries):
        if attempt.work_item_id[:15] in mine:
            groups.setdefault(attempt.key, []).append(attempt)
    return [group for group in groups.values() if len(group) > 1]


def describe_duplicates(ctx: ScenarioContext, groups: list[list[CreationAttempt]]) -> str:
    names = ctx.names()
    parts = []
    for group in groups:
        first = group[0]
        whom = f" and {names.get(first.user_id or '', first.user_id)}" if first.user_id else ""
        subject = (f"{len(group)} AgentWork inserts for {names.get(first.work_item_id, first.work_item_id)}{whom}"
                   if first.what == "AgentWork" else
                   f"{len(group)} Genesys interactions raised for one routing request of "
                   f"{names.get(first.work_item_id, first.work_item_id)}")
        parts.append(subject + ": " + "; ".join(request_line(ctx, a.entry) for a in group))
    return " | ".join(parts)


def leg_connected(conversation_id: str, participant_id: str, entries: list[dict[str, Any]],
                  what: str = "the leg connected") -> Mark | None:
    """The event in which the leg became connected (its Pick Up), None when it never did."""
    for e in entries:
        data = e.get("data", {}) or {}
        if e.get("type") == "conversation.changed" and data.get("conversationId") == conversation_id \
                and data.get("participantId") == participant_id and data.get("state") == "connected":
            return Mark.of(e, what)
    return None


def work_marks(ctx: ScenarioContext, chat: CustomerChat, agent: Agent,
               entries: list[dict[str, Any]]) -> list[Mark]:
    """Everything that happened to the agent's work for the chat, whoever did it: AgentWork inserts (accepted or
    refused), the record created, opened (accepted), and acceptAgentWork calls for it."""
    user = agent.person.salesforce_user_id
    works: set[str] = set()
    out: list[Mark] = []
    for e in entries:
        data = e.get("data", {}) or {}
        if e.get("kind") == "request":
            body = data.get("requestBody") if isinstance(data.get("requestBody"), dict) else {}
            path = data.get("path") or ""
            if AGENT_WORK_INSERT.match(path) and same_sf_id(body.get("WorkItemId"), chat.work_item_id) \
                    and same_sf_id(body.get("UserId"), user) and data.get("method") == "POST":
                out.append(Mark.of(e, "insert " + request_line(ctx, e).split(" ", 1)[1]))
            elif path.endswith("/acceptAgentWork") and (body.get("workId") or "")[:15] in {w[:15] for w in works}:
                out.append(Mark.of(e, "accept " + request_line(ctx, e).split(" ", 1)[1]))
            continue
        if e.get("type") != "sobject.change" or data.get("entity") != "AgentWork":
            continue
        record = data.get("record") or {}
        if not (same_sf_id(record.get("WorkItemId"), chat.work_item_id) and same_sf_id(record.get("UserId"), user)):
            continue
        works.add(str(data.get("recordId") or ""))
        if data.get("changeType") == "CREATE":
            out.append(Mark.of(e, f"AgentWork {data.get('recordId')} created ({record.get('Status')})"))
        elif record.get("Status") == "Opened" and "Status" in (data.get("changedFields") or ["Status"]):
            out.append(Mark.of(e, f"AgentWork {data.get('recordId')} Opened"))
    return out


def leg_changes_by_others(ctx: ScenarioContext, agent: Agent, conversation_id: str, participant_id: str,
                          entries: list[dict[str, Any]], field_name: str) -> list[Mark]:
    """Requests that changed `field_name` ("state", "wrapup") of the agent's own leg, made by anyone but the agent
    (her client acts with her own token, `user:<id>`): the connector acting in her place."""
    own = f"user:{agent.person.genesys_user_id}"
    leg_paths = tuple(f"/api/v2/conversations/{collection}{conversation_id}/participants/{participant_id}"
                      for collection in ("chats/", "messages/", ""))
    out = []
    for e in entries:
        data = e.get("data", {}) or {}
        if e.get("kind") != "request" or e.get("source") != "genesys":
            continue
        path = data.get("path") or ""
        if not path.startswith(leg_paths) or data.get("method") not in ("PATCH", "POST"):
            continue
        body = data.get("requestBody") if isinstance(data.get("requestBody"), dict) else {}
        touches = field_name in body or (field_name == "wrapup" and path.endswith("/wrapup"))
        if touches and data.get("actor") != own:
            out.append(Mark.of(e, request_line(ctx, e).split(" ", 1)[1]))
    return out


def leg_disconnection_marks(ctx: ScenarioContext, conversation_id: str, participant_id: str) -> list[Mark]:
    return [Mark.of(e, "the leg was disconnected") for e in leg_disconnections(ctx, conversation_id, participant_id)]


# -- "A happened before B", the one way every step says it -------------------------------------------------------
def expect_after(first: Mark, later: list[Mark], describe: str, *, requirement: str | None = None) -> None:
    """Every one of `later` (B) came after `first` (A) in the journal's order, whatever anyone's timing; else the
    step fails with the standard message naming the requirement, each B at or before A with its journal number.
    `describe` names B: "the AgentWork of Alice for the chat"."""
    early = at_or_before(later, first)
    if early:
        fail(f"{describe} only after {first}", "; ".join(map(str, early)) + f", at or before #{first.seq}",
             requirement=requirement)


def expect_none(marks: list[Mark], describe: str, *, requirement: str | None = None) -> None:
    """None of `marks` happened (in the window the caller read); else the standard failure listing them."""
    if marks:
        fail(describe, "; ".join(map(str, marks)), requirement=requirement)
