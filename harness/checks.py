"""Checks behind the steps: each reads one platform through its API and answers (ok, what is seen[, value])."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .actors import Agent, CustomerChat, same_sf_id, work_item_of
from .salesforce import soql_quote

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
    from .genesys import normalise_presence

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
        record = ctx.platforms.salesforce.retrieve("LiveChatTranscript", chat.work_item_id)
        if record is None:
            return False, "the chat transcript does not exist"
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
