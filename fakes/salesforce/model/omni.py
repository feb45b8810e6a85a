"""Omni-Channel state shared by its backends: agents (status, tabs), push time-out timers, conversation lines.

The rules follow the external-routing contract of the Omni-Channel Developer Guide (reference §5-7): a chat
(LiveChatTranscript) or an Enhanced Chat session (MessagingSession) raises a PendingServiceRouting; the partner inserts an AgentWork (Assigned, pushed); accept opens it and
deletes the request; decline / push time-out / agent offline hand the request back (IsPushed=false);
transfers create a second AgentWork (to an agent) or a new request with IsTransfer (to a queue).

The rules are split along the toolkit's objects: presence.py (service presence), routing.py (routing requests
and pushed AgentWork), console.py (the agent's work and tabs), customers.py (the chat visitor, the messaging end
user). `OmniState` holds what they share: the lookups every toolkit call starts with and the agents' console
state; `WorkItemKind` says what each medium's work item reads and writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from html import escape
from typing import Any

from omni_harness.fakes.core.clock import Timer

from ..errors import malformed_id, refuse
from .fields import parse_datetime
from .org import SalesforceOrg
from .store import RecordStore, normalize_id, sf_datetime


class WorkStatus(StrEnum):
    ASSIGNED = "Assigned"
    UNAVAILABLE = "Unavailable"
    DECLINED = "Declined"
    OPENED = "Opened"
    CLOSED = "Closed"
    DECLINED_ON_PUSH_TIMEOUT = "DeclinedOnPushTimeout"
    CANCELED = "Canceled"
    TRANSFERRED = "Transferred"


class ChatStatus(StrEnum):
    WAITING = "Waiting"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    MISSED = "Missed"


class SessionStatus(StrEnum):
    """MessagingSession.Status (the Interaction Service's SessionStatus)."""

    NEW = "New"
    WAITING = "Waiting"
    ACTIVE = "Active"
    INACTIVE = "Inactive"
    PAUSED = "Paused"
    ENDED = "Ended"
    CONSENT = "Consent"
    ERROR = "Error"


class Party(StrEnum):
    """Who ends a conversation; each medium spells it in its own field (EndedBy, EndedByType)."""

    AGENT = "agent"
    CUSTOMER = "customer"
    SYSTEM = "system"


ACTIVE_WORK = (WorkStatus.ASSIGNED, WorkStatus.OPENED)
DELETABLE_WORK = (WorkStatus.CLOSED, WorkStatus.DECLINED, WorkStatus.UNAVAILABLE)
ENDED_CHAT = (ChatStatus.COMPLETED, ChatStatus.MISSED, "Dropped", "Blocked")


@dataclass(frozen=True)
class WorkItemKind:
    """One routed medium as Omni-Channel sees it: the work item's sObject, its service channel and the status
    values the external-routing rules read and write (waiting in a queue, in progress with an agent, ended)."""

    medium: str  # "chat" | "messaging", as the sync settings name it
    sobject: str
    service_channel: str  # DeveloperName of the standard ServiceChannel
    waiting: str
    in_progress: str
    ended: str  # what ending it in the console (or the customer leaving an accepted one) sets
    abandoned: str  # what the customer leaving before anyone accepted sets
    finished: tuple[str, ...]  # every status after which nothing is routed or said any more
    ended_by_field: str
    ended_by: dict[Party, str]
    noun: str  # in messages: "chat", "messaging session"

    def is_finished(self, item: dict[str, Any]) -> bool:
        return item.get("Status") in self.finished

    def is_in_progress(self, item: dict[str, Any]) -> bool:
        return item.get("Status") == self.in_progress


CHAT = WorkItemKind(
    medium="chat", sobject="LiveChatTranscript", service_channel="sfdc_livechat", waiting=ChatStatus.WAITING.value,
    in_progress=ChatStatus.IN_PROGRESS.value, ended=ChatStatus.COMPLETED.value, abandoned=ChatStatus.MISSED.value,
    finished=tuple(str(x) for x in ENDED_CHAT), ended_by_field="EndedBy",
    ended_by={Party.AGENT: "Agent", Party.CUSTOMER: "Visitor", Party.SYSTEM: "System"}, noun="chat")
# inferred: EndedByType EndUser when the customer leaves, Agent when the rep ends (reference §1.1 names who ends,
# not the field value); Error is terminal like Ended.
MESSAGING = WorkItemKind(
    medium="messaging", sobject="MessagingSession", service_channel="sfdc_livemessage",
    waiting=SessionStatus.WAITING.value, in_progress=SessionStatus.ACTIVE.value, ended=SessionStatus.ENDED.value,
    abandoned=SessionStatus.ENDED.value, finished=(SessionStatus.ENDED.value, SessionStatus.ERROR.value),
    ended_by_field="EndedByType",
    ended_by={Party.AGENT: "Agent", Party.CUSTOMER: "EndUser", Party.SYSTEM: "System"}, noun="messaging session")
WORK_ITEM_KINDS: dict[str, WorkItemKind] = {kind.sobject: kind for kind in (CHAT, MESSAGING)}


@dataclass
class Tab:
    """A console tab with an opened work item (the chat conversation window)."""

    work_id: str
    work_item_id: str
    opened_at: str


@dataclass
class AgentState:
    user_id: str
    status_id: str | None = None  # None = logged out of Omni-Channel
    presence_id: str | None = None  # current UserServicePresence
    session_id: str | None = None  # the agent's Omni session (LastDeclinedAgentSession)
    tabs: dict[str, Tab] = field(default_factory=dict)


@dataclass
class ChatLine:
    sender: str  # "customer" | "agent"
    text: str
    at: str
    user_id: str | None = None


class OmniState:
    """The agents' Omni-Channel state and the lookups of every toolkit call (the caller holds the org's lock)."""

    def __init__(self, org: SalesforceOrg) -> None:
        self.org = org
        self.agents: dict[str, AgentState] = {}
        self.timers: dict[str, Timer] = {}
        self.transcripts: dict[str, list[ChatLine]] = {}
        self.customers: dict[str, str] = {}  # work item id -> the customer's name
        self.entry_queues: dict[str, str] = {}  # work item id -> the queue the customer came in through

    @property
    def store(self) -> RecordStore:
        return self.org.store

    def reset(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        self.agents.clear()
        self.transcripts.clear()
        self.customers.clear()
        self.entry_queues.clear()

    def state(self) -> dict[str, Any]:
        out = {}
        for user_id, agent in self.agents.items():
            status = self.store.get(agent.status_id) if agent.status_id else None
            out[user_id] = {
                "statusId": agent.status_id, "statusDeveloperName": status["DeveloperName"] if status else None,
                "presenceId": agent.presence_id, "tabs": [vars(t) for t in agent.tabs.values()],
                "workload": self.workload(user_id),
            }
        chats = {item_id: {"customerName": self.customers.get(item_id),
                           "messages": [vars(line) for line in lines]} for item_id, lines in self.transcripts.items()}
        return {"agents": out, "pendingPushTimeouts": sorted(self.timers), "chats": chats}

    # -- lookups ------------------------------------------------------------------------------------
    def agent(self, user_id: str) -> AgentState:
        state = self.agents.get(user_id)
        if state is None:
            state = self.agents[user_id] = AgentState(user_id)
        return state

    def _lookup(self, value: Any, arg: str) -> tuple[str, dict[str, Any] | None]:
        """The 18-character id given as `arg` and its record (None: no record); a malformed id is refused."""
        id18 = normalize_id(value)
        if id18 is None:
            raise malformed_id(arg, value)
        return id18, self.store.get(id18)

    def user(self, user_id: Any, arg: str = "userId") -> dict[str, Any]:
        id18, record = self._lookup(user_id, arg)
        if record is None or not id18.startswith("005"):
            raise refuse(f"{arg}: no user with id {user_id}", "INVALID_ID_FIELD")
        if not record["IsActive"] or record["UserType"] != "Standard":
            raise refuse(f"{arg}: the user {user_id} can't use Omni-Channel", "INVALID_ID_FIELD")
        return record

    def presence_status(self, status_id: Any) -> dict[str, Any]:
        id18, record = self._lookup(status_id, "statusId")
        if record is None or self.store.sobject_of(id18) != "ServicePresenceStatus":
            raise refuse(f"statusId: no presence status with id {status_id}", "INVALID_ID_FIELD")
        return record

    def status_channels(self, status_id: str | None) -> list[dict[str, Any]]:
        if status_id is None:
            return []
        out = []
        for link in self.store.find("ServiceChannelStatus", ServicePresenceStatusId=status_id):
            channel = self.store.get(link["ServiceChannelId"])
            if channel is not None:
                out.append(channel)
        return out

    def work(self, work_id: Any, user_id: str, arg: str = "workId") -> dict[str, Any]:
        id18, record = self._lookup(work_id, arg)
        if record is None or self.store.sobject_of(id18) != "AgentWork" or record["UserId"] != user_id:
            raise refuse(f"{arg}: no work {work_id} for this user", "INVALID_ID_FIELD")
        return record

    def work_item(self, work_item_id: Any, arg: str = "workItemId") -> dict[str, Any]:
        id18, record = self._lookup(work_item_id, arg)
        if record is None or self.store.sobject_of(id18) not in WORK_ITEM_KINDS:
            raise refuse(f"{arg}: no work item {work_item_id}", "INVALID_ID_FIELD")
        return record

    def kind_of(self, item: dict[str, Any]) -> WorkItemKind | None:
        """The medium of a work item record (None: not a routed conversation)."""
        return WORK_ITEM_KINDS.get(self.store.sobject_of(item["Id"]) or "")

    def queue(self, key: Any) -> dict[str, Any] | None:
        """A queue by id (15/18), developer name or name."""
        if not isinstance(key, str) or not key.strip():
            return None
        id18 = normalize_id(key)
        if id18 is not None and id18.startswith("00G"):
            record = self.store.get(id18)
            return record if record is not None and record["Type"] == "Queue" else None
        lowered = key.strip().lower()
        for group in self.store.all("Group"):
            if group["Type"] == "Queue" and lowered in ((group["DeveloperName"] or "").lower(), group["Name"].lower()):
                return group
        return None

    def routing_config(self, queue: dict[str, Any]) -> dict[str, Any] | None:
        config_id = queue.get("QueueRoutingConfigId")
        return self.store.get(config_id) if config_id else None

    def live_routing(self, work_item_id: str) -> dict[str, Any] | None:
        return self.store.find_one("PendingServiceRouting", WorkItemId=work_item_id)

    def works_for_item(self, work_item_id: str, *statuses: str) -> list[dict[str, Any]]:
        return [w for w in self.store.find("AgentWork", WorkItemId=work_item_id)
                if not statuses or w["Status"] in statuses]

    def capacity_units(self, work: dict[str, Any]) -> float:
        if work.get("CapacityWeight") is not None:
            return float(work["CapacityWeight"])
        if work.get("CapacityPercentage") is not None:
            return float(work["CapacityPercentage"]) / 100.0 * self.org.config.agent_capacity
        return 0.0

    def workload(self, user_id: str) -> float:
        return sum(self.capacity_units(w) for w in self.store.find("AgentWork", UserId=user_id)
                   if w["Status"] in ACTIVE_WORK)

    def now(self) -> float:
        return self.org.clock.time()

    def seconds_since(self, stamp: str | None) -> int | None:
        ts = parse_datetime(stamp) if stamp else None
        return None if ts is None else max(0, int(round(self.now() - ts)))

    def require_logged_in(self, user_id: str) -> AgentState:
        agent = self.agent(user_id)
        if agent.status_id is None:
            raise refuse("The agent isn't logged in to Omni-Channel.")
        return agent

    def cancel_timer(self, work_id: str) -> None:
        timer = self.timers.pop(work_id, None)
        if timer is not None:
            timer.cancel()

    def tab_event(self, user_id: str, tab: Tab, action: str) -> None:
        self.org.emit("console.tab", {"userId": user_id, "workId": tab.work_id, "workItemId": tab.work_item_id,
                                      "action": action})

    def message(self, work_item_id: str, sender: str, text: str, user_id: str | None = None) -> None:
        """One line of a chat's transcript (`chat.message`)."""
        self.transcripts.setdefault(work_item_id, []).append(
            ChatLine(sender, text, sf_datetime(self.now()), user_id))
        data: dict[str, Any] = {"workItemId": work_item_id, "from": sender, "text": text}
        if user_id:
            data["userId"] = user_id
        self.org.emit("chat.message", data)


def transcript_body(lines: list[ChatLine]) -> str | None:
    if not lines:
        return None
    return "".join(f"<p><b>{'Visitor' if line.sender == 'customer' else 'Agent'}</b>: {escape(line.text)}</p>"
                   for line in lines)
