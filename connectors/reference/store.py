"""The connector's own books: work item <-> conversation <-> routing request <-> AgentWork, kept in CONNECTOR_STATE_DIR.

Every change is written atomically (temporary file, then rename), so a connector killed at any moment restarts
from the last complete state and a restart mid-chat resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

from .events import LegState

WORK_ITEM_DIR = "work-items"
PRESENCE_FILE = "presence.json"
REPLAY_FILE = "replay.json"
FORMAT_VERSION = 1
KEEP_FINISHED = 100  # finished work items kept to recognise late or replayed events


class AgentWorkStatus(StrEnum):
    ASSIGNED = "Assigned"
    OPENED = "Opened"
    CLOSED = "Closed"
    DECLINED = "Declined"
    DECLINED_ON_PUSH_TIMEOUT = "DeclinedOnPushTimeout"
    UNAVAILABLE = "Unavailable"
    CANCELED = "Canceled"
    TRANSFERRED = "Transferred"

    @property
    def terminal(self) -> bool:
        return self not in (AgentWorkStatus.ASSIGNED, AgentWorkStatus.OPENED)

    @classmethod
    def parse(cls, value: Any) -> AgentWorkStatus | None:
        for member in cls:
            if isinstance(value, str) and member.value.lower() == value.lower():
                return member
        return None


class WorkOrigin(StrEnum):
    PICKUP = "pickup"  # inserted by the connector when the agent picked up in Genesys Cloud
    TRANSFER = "transfer"  # created by Omni-Channel when an agent transferred the chat to another agent


class TransferState(StrEnum):
    REQUESTED = "requested"  # receiver's AgentWork seen, Genesys transfer asked for
    ACCEPTED = "accepted"  # receiver connected in Genesys, work accepted in Salesforce
    DECLINED = "declined"  # receiver declined or let the alert time out; the sender keeps the chat
    FAILED = "failed"  # Genesys refused the transfer


@dataclass
class AgentWorkRecord:
    id: str
    user_id: str
    origin: WorkOrigin
    status: AgentWorkStatus = AgentWorkStatus.ASSIGNED
    participant_id: str | None = None
    accepted: bool = False
    close_requested: bool = False
    decline_requested: bool = False

    @property
    def active(self) -> bool:
        return not self.status.terminal


@dataclass
class LegRecord:
    """One agent participant of a Genesys conversation."""

    participant_id: str
    conversation_id: str
    genesys_user_id: str
    state: LegState = LegState.NEW
    disconnect_type: str | None = None
    agent_work_id: str | None = None
    insert_started: bool = False
    disconnect_requested: bool = False
    transferred_out: bool = False  # the connector moved the chat away from this leg (agent or queue transfer)


@dataclass
class TransferRecord:
    agent_work_id: str
    receiver_user_id: str
    receiver_genesys_user_id: str | None
    sender_participant_id: str | None
    state: TransferState = TransferState.REQUESTED
    receiver_participant_id: str | None = None


@dataclass
class WorkItemRecord:
    work_item_id: str
    media: str = "chat"  # the sync settings' medium: "chat" (LiveChatTranscript) or "messaging" (MessagingSession)
    psr_id: str | None = None
    service_channel_id: str | None = None
    salesforce_queue_id: str | None = None
    genesys_queue_id: str | None = None
    conversation_id: str | None = None
    creating: bool = False
    conversation_ended: bool = False
    agent_works: dict[str, AgentWorkRecord] = field(default_factory=dict)
    legs: dict[str, LegRecord] = field(default_factory=dict)
    transfer: TransferRecord | None = None
    routed_psrs: list[str] = field(default_factory=list)
    finished: bool = False
    updated: float = field(default_factory=time.time)
    # Messaging: the customer (MessagingEndUser) whose open messages carry this session, whether the connector
    # already showed Genesys that the customer left, and the later session of the same customer that took the
    # conversation over (Genesys keeps one conversation per customer for 72 hours).
    messaging_end_user_id: str | None = None
    customer_left: bool = False
    superseded_by: str | None = None

    def active_work_for_user(self, user_id: str) -> AgentWorkRecord | None:
        for work in self.agent_works.values():
            if work.user_id == user_id and work.active:
                return work
        return None

    def owner_work(self) -> AgentWorkRecord | None:
        """The Opened work of the agent who has the chat now (the sender, during a transfer)."""
        opened = [w for w in self.agent_works.values() if w.status is AgentWorkStatus.OPENED]
        if self.transfer and self.transfer.state is TransferState.REQUESTED:
            opened = [w for w in opened if w.id != self.transfer.agent_work_id] or opened
        return opened[-1] if opened else None

    def leg_for_work(self, work_id: str) -> LegRecord | None:
        for leg in self.legs.values():
            if leg.agent_work_id == work_id:
                return leg
        return None

    def connected_leg_of(self, genesys_user_id: str) -> LegRecord | None:
        for leg in self.legs.values():
            if leg.genesys_user_id == genesys_user_id and leg.state is LegState.CONNECTED:
                return leg
        return None


# -- (de)serialisation ---------------------------------------------------------------------------
def _enum_values(obj: Any) -> Any:
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {k: _enum_values(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_enum_values(v) for v in obj]
    return obj


def record_to_json(record: WorkItemRecord) -> dict[str, Any]:
    return _enum_values(asdict(record))


def record_from_json(data: dict[str, Any]) -> WorkItemRecord:
    works = {}
    for wid, w in (data.get("agent_works") or {}).items():
        works[wid] = AgentWorkRecord(
            id=w["id"], user_id=w["user_id"], origin=WorkOrigin(w["origin"]),
            status=AgentWorkStatus(w.get("status", "Assigned")), participant_id=w.get("participant_id"),
            accepted=bool(w.get("accepted")), close_requested=bool(w.get("close_requested")),
            decline_requested=bool(w.get("decline_requested")))
    legs = {}
    for pid, leg in (data.get("legs") or {}).items():
        legs[pid] = LegRecord(
            participant_id=leg["participant_id"], conversation_id=leg["conversation_id"],
            genesys_user_id=leg["genesys_user_id"], state=LegState(leg.get("state", "new")),
            disconnect_type=leg.get("disconnect_type"), agent_work_id=leg.get("agent_work_id"),
            insert_started=bool(leg.get("insert_started")), disconnect_requested=bool(leg.get("disconnect_requested")),
            transferred_out=bool(leg.get("transferred_out")))
    transfer = None
    if data.get("transfer"):
        t = data["transfer"]
        transfer = TransferRecord(
            agent_work_id=t["agent_work_id"], receiver_user_id=t["receiver_user_id"],
            receiver_genesys_user_id=t.get("receiver_genesys_user_id"),
            sender_participant_id=t.get("sender_participant_id"), state=TransferState(t.get("state", "requested")),
            receiver_participant_id=t.get("receiver_participant_id"))
    return WorkItemRecord(
        work_item_id=data["work_item_id"], media=data.get("media") or "chat", psr_id=data.get("psr_id"), service_channel_id=data.get("service_channel_id"),
        salesforce_queue_id=data.get("salesforce_queue_id"), genesys_queue_id=data.get("genesys_queue_id"),
        conversation_id=data.get("conversation_id"), creating=bool(data.get("creating")),
        conversation_ended=bool(data.get("conversation_ended")), agent_works=works, legs=legs, transfer=transfer,
        routed_psrs=list(data.get("routed_psrs") or []), finished=bool(data.get("finished")),
        updated=float(data.get("updated") or time.time()),
        messaging_end_user_id=data.get("messaging_end_user_id"), customer_left=bool(data.get("customer_left")),
        superseded_by=data.get("superseded_by"))


def write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temporary file, then rename over the target: a reader (or a restart after the process was
    killed) sees the old content or the new, never half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, separators=(",", ":"))
    os.replace(tmp, path)


class Books:
    """All work items the connector tracks, with indexes by conversation, routing request and AgentWork id.

    On disk: one file per work item under `work-items/` (a change rewrites only that file) and one file for
    the presence each agent last had.
    """

    def __init__(self, state_dir: Path) -> None:
        self.dir = Path(state_dir) / WORK_ITEM_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.presence_path = Path(state_dir) / PRESENCE_FILE
        self.lock = threading.RLock()
        self.work_items: dict[str, WorkItemRecord] = {}
        self.presence: dict[str, str] = {}  # Genesys user id -> last system presence acted on
        self.presence_at: dict[str, float] = {}  # Genesys user id -> modifiedDate of that presence (epoch)
        self._by_conversation: dict[str, str] = {}
        self._by_psr: dict[str, str] = {}
        self._by_work: dict[str, str] = {}
        self._by_leg: dict[str, str] = {}  # agent participant id -> the work item it served
        self.load()

    # -- persistence ----------------------------------------------------------------------------
    def load(self) -> None:
        with self.lock:
            self.work_items.clear()
            self.presence.clear()
            self.presence_at.clear()
            for path in sorted(self.dir.glob("*.json")):
                try:
                    rec = record_from_json(json.loads(path.read_text(encoding="utf-8")))
                except (ValueError, KeyError, TypeError):
                    continue  # unreadable leftovers are ignored, never fatal
                self.work_items[rec.work_item_id] = rec
            if self.presence_path.exists():
                data = json.loads(self.presence_path.read_text(encoding="utf-8"))
                self.presence.update(data.get("presence") or {})
                self.presence_at.update(data.get("presenceAt") or {})
            self._by_conversation.clear()
            self._by_psr.clear()
            self._by_work.clear()
            self._by_leg.clear()
            for rec in self.work_items.values():
                self._index(rec)

    def _file(self, work_item_id: str) -> Path:
        return self.dir / f"{work_item_id}.json"

    def save(self, rec: WorkItemRecord | None = None) -> None:
        """Persist one work item (or all of them, and the presences, when `rec` is None)."""
        with self.lock:
            records = [rec] if rec is not None else list(self.work_items.values())
            for r in records:
                if r.work_item_id in self.work_items:
                    write_json_atomic(self._file(r.work_item_id), {"version": FORMAT_VERSION, **record_to_json(r)})
            if rec is None:
                self._save_presence()
            self._prune()

    def _save_presence(self) -> None:
        write_json_atomic(self.presence_path, {"version": FORMAT_VERSION, "presence": self.presence,
                                               "presenceAt": self.presence_at})

    @contextmanager
    def edit(self, rec: WorkItemRecord | None = None) -> Iterator[Books]:
        """Change `rec` (or the presences, when None) under the lock; it is on disk when the block ends."""
        with self.lock:
            try:
                yield self
            finally:
                if rec is None:
                    self._save_presence()
                else:
                    rec.updated = time.time()
                    self._index(rec)
                    self.save(rec)

    def _prune(self) -> None:
        finished = [r for r in self.work_items.values() if r.finished]
        if len(finished) <= KEEP_FINISHED:
            return
        finished.sort(key=lambda r: r.updated)
        for rec in finished[:len(finished) - KEEP_FINISHED]:
            del self.work_items[rec.work_item_id]
            self._file(rec.work_item_id).unlink(missing_ok=True)

    # -- indexes ---------------------------------------------------------------------------------
    def _index(self, rec: WorkItemRecord) -> None:
        wid = rec.work_item_id
        # A session superseded by the same customer's later one no longer speaks for the conversation.
        if rec.conversation_id and not rec.superseded_by:
            self._by_conversation[rec.conversation_id] = wid
        for psr in rec.routed_psrs + ([rec.psr_id] if rec.psr_id else []):
            self._by_psr[psr] = wid
        for work_id in rec.agent_works:
            self._by_work[work_id] = wid
        for leg in rec.legs.values():
            self._by_leg.setdefault(leg.participant_id, wid)
            if not rec.superseded_by:
                self._by_conversation.setdefault(leg.conversation_id, wid)

    def get(self, work_item_id: str | None) -> WorkItemRecord | None:
        if not work_item_id:
            return None
        with self.lock:
            return self.work_items.get(work_item_id)

    def ensure(self, work_item_id: str, media: str = "chat") -> WorkItemRecord:
        with self.lock:
            rec = self.work_items.get(work_item_id)
            if rec is None:
                rec = WorkItemRecord(work_item_id, media)
                self.work_items[work_item_id] = rec
            return rec

    def work_item_for_conversation(self, conversation_id: str) -> str | None:
        with self.lock:
            return self._by_conversation.get(conversation_id)

    def work_item_for_psr(self, psr_id: str) -> str | None:
        with self.lock:
            return self._by_psr.get(psr_id)

    def work_item_for_leg(self, participant_id: str) -> str | None:
        with self.lock:
            return self._by_leg.get(participant_id)

    def holding_conversation(self, conversation_id: str) -> list[WorkItemRecord]:
        """Every tracked work item whose conversation this is (one, unless a messaging customer came back)."""
        with self.lock:
            return [r for r in self.work_items.values() if r.conversation_id == conversation_id]

    def work_item_for_work(self, work_id: str) -> str | None:
        with self.lock:
            return self._by_work.get(work_id)

    def active(self) -> list[WorkItemRecord]:
        with self.lock:
            return [r for r in self.work_items.values() if not r.finished]


class ReplayLedger:
    """The replay id to resume each streaming channel from: the newest event with every earlier one processed.

    Events are handled concurrently, so an event may finish before an older one; the mark only moves past an
    event once everything received before it on that channel is done, and a restart replays the rest.
    """

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / REPLAY_FILE
        self.lock = threading.Lock()
        self.marks: dict[str, int] = {}
        self._pending: dict[str, deque[list[Any]]] = {}
        if self.path.exists():
            try:
                self.marks = {k: int(v) for k, v in json.loads(self.path.read_text(encoding="utf-8")).items()}
            except (ValueError, TypeError, AttributeError):
                self.marks = {}

    def resume_id(self, channel: str) -> int | None:
        with self.lock:
            return self.marks.get(channel)

    def received(self, channel: str, replay_id: int) -> None:
        with self.lock:
            self._pending.setdefault(channel, deque()).append([replay_id, False])

    def processed(self, channel: str, replay_id: int) -> None:
        with self.lock:
            pending = self._pending.get(channel)
            if not pending:
                return
            for entry in pending:
                if entry[0] == replay_id and not entry[1]:
                    entry[1] = True
                    break
            moved = None
            while pending and pending[0][1]:
                moved = pending.popleft()[0]
            if moved is not None and moved != self.marks.get(channel):
                self.marks[channel] = moved
                write_json_atomic(self.path, self.marks)

    def forget_pending(self) -> None:
        """After a reconnect the server replays from the mark; what was in flight arrives again."""
        with self.lock:
            self._pending.clear()
