"""Streaming channels: which channels a record change is published on (the event bodies are views/events.py).

Change Data Capture (`/data/ChangeEvents`, `/data/<Entity>ChangeEvent`, custom `/data/<Name>__chn` channels) and
PushTopics (`/topic/<Name>`, read from the org's PushTopic records, their SOQL applied with `soql.parse/matches`).
The input is the `sobject.change` journal event (briefs: journal event catalogue).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..model import soql

log = logging.getLogger(__name__)

ALL_CHANGE_EVENTS = "/data/ChangeEvents"
CHANGE_EVENT_TYPE = "sobject.change"

# The entities selected for Change Data Capture in the seeded org (reference §5: PSR, AgentWork and USP;
# LiveChatTranscript for transfers; MessagingSession and MessagingEndUser for Enhanced Chat, DESIGN §4.7).
DEFAULT_CDC_ENTITIES = ("PendingServiceRouting", "AgentWork", "UserServicePresence", "LiveChatTranscript",
                        "MessagingSession", "MessagingEndUser")

@dataclass(frozen=True)
class RecordChange:
    """One `sobject.change` journal event, with the virtual time it was committed."""

    entity: str
    change_type: str  # CREATE | UPDATE | DELETE | UNDELETE
    record_id: str
    record: dict[str, Any]
    changed_fields: tuple[str, ...]
    commit_user: str
    transaction_key: str
    change_origin: str
    at: float

    @classmethod
    def from_entry(cls, entry: Any) -> RecordChange | None:
        data = entry.data if isinstance(entry.data, dict) else {}
        entity, record = data.get("entity"), data.get("record")
        if not isinstance(entity, str) or not isinstance(record, dict):
            return None
        try:
            at = datetime.strptime(entry.time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
        except (TypeError, ValueError):
            at = 0.0
        return cls(
            entity=entity,
            change_type=str(data.get("changeType") or "UPDATE"),
            record_id=str(data.get("recordId") or record.get("Id") or ""),
            record=record,
            changed_fields=tuple(f for f in data.get("changedFields") or () if isinstance(f, str)),
            commit_user=str(data.get("commitUser") or ""),
            # A change without a key is a transaction of its own.
            transaction_key=str(data.get("transactionKey") or f"seq-{entry.seq}"),
            change_origin=str(data.get("changeOrigin") or ""),
            at=at,
        )


# -- Change Data Capture ----------------------------------------------------------------------------------

# A custom channel's member filter: (changeType, record) -> member of the channel.
MemberFilter = Callable[[str, dict[str, Any]], bool]


def external_routing_filters() -> dict[str, MemberFilter]:
    """Member filters of the external-routing custom channel (reference §5, current guide).

    inferred: filters are evaluated on the whole record, so an update event passes on fields it did not change.
    """
    return {
        "PendingServiceRouting": lambda change, rec: rec.get("RoutingModel") == "ExternalRouting"
        and rec.get("IsReadyForRouting") is True,
        "UserServicePresence": lambda change, rec: change == "CREATE" or rec.get("IsCurrentState") is False,
        "AgentWork": lambda change, rec: change == "UPDATE" and rec.get("RoutingModel") == "ExternalRouting",
    }


@dataclass
class Transaction:
    """Header values shared by the change events of one transaction."""

    commit_number: int
    commit_timestamp: int
    count: int = 0


@dataclass
class ChangeEvents:
    """Change Data Capture: the channels of a change."""

    entities: tuple[str, ...] = DEFAULT_CDC_ENTITIES
    custom_channels: dict[str, dict[str, MemberFilter]] = field(default_factory=dict)

    def channel_names(self) -> set[str]:
        names = {ALL_CHANGE_EVENTS}
        names.update(f"/data/{entity}ChangeEvent" for entity in self.entities)
        names.update(self.custom_channels)
        return names

    def channels_for(self, change: RecordChange) -> tuple[str, ...]:
        if change.entity not in self.entities:
            return ()
        out = [ALL_CHANGE_EVENTS, f"/data/{change.entity}ChangeEvent"]
        for name, filters in self.custom_channels.items():
            member = filters.get(change.entity)
            if member is not None and member(change.change_type, change.record):
                out.append(name)
        return tuple(out)

# -- PushTopics -------------------------------------------------------------------------------------------

_OPERATIONS = {
    "CREATE": ("NotifyForOperationCreate", "created"),
    "UPDATE": ("NotifyForOperationUpdate", "updated"),
    "DELETE": ("NotifyForOperationDelete", "deleted"),
    "UNDELETE": ("NotifyForOperationUndelete", "undeleted"),
}


def _where_paths(cond: Any) -> Iterable[tuple[str, ...]]:
    if cond is None:
        return
    if isinstance(cond, soql.Comparison):
        yield cond.path.parts
    elif isinstance(cond, soql.Logical):
        for operand in cond.operands:
            yield from _where_paths(operand)
    elif isinstance(cond, soql.Not):
        yield from _where_paths(cond.operand)


@dataclass
class PushTopic:
    """One PushTopic record, its query resolved against the org's schema."""

    id: str
    name: str
    query_text: str
    is_active: bool
    notify: dict[str, bool]
    notify_for_fields: str
    query: soql.Query | None = None
    sobject: str | None = None
    select_fields: list[str] = field(default_factory=list)  # canonical names, SELECT order
    where_fields: set[str] = field(default_factory=set)  # lower-cased

    @classmethod
    def from_record(cls, record: dict[str, Any], source: Any) -> PushTopic:
        topic = cls(
            id=str(record.get("Id") or ""),
            name=str(record.get("Name") or ""),
            query_text=str(record.get("Query") or ""),
            is_active=record.get("IsActive") is not False,
            notify={op: record.get(flag) is not False for op, (flag, _) in _OPERATIONS.items()},
            notify_for_fields=str(record.get("NotifyForFields") or "Referenced"),
        )
        topic._resolve(source)
        return topic

    def _resolve(self, source: Any) -> None:
        try:
            query = soql.parse(self.query_text)
            sobject = soql.check(query, source)
        except Exception as exc:  # a topic the org accepted but this fake cannot evaluate
            log.warning("PushTopic %s: query not usable (%s)", self.name, exc)
            return
        self.query, self.sobject = query, sobject
        for item in query.select:
            if item.path is None or len(item.path.parts) != 1:
                continue  # PushTopic queries have plain fields only
            info = source.field(sobject, item.path.parts[0])
            self.select_fields.append(info.name if info is not None else item.path.parts[0])
        self.where_fields = {".".join(parts).lower() for parts in _where_paths(query.where)}

    def notification(self, change: RecordChange, source: Any) -> dict[str, Any] | None:
        """The event's `sobject` and `type`, or None when this change notifies nothing on the topic."""
        if not self.is_active or self.query is None or change.entity != self.sobject:
            return None
        if not self.notify.get(change.change_type, False):
            return None
        if change.change_type == "UPDATE" and not self._fields_trigger(change.changed_fields):
            return None
        try:
            if not soql.matches(self.query, change.record, source, now=change.at):
                return None
        except Exception as exc:  # evaluation must never break the event feed
            log.warning("PushTopic %s: WHERE not evaluable (%s)", self.name, exc)
            return None
        sobject = {name: change.record.get(name) for name in self.select_fields}
        return {"type": _OPERATIONS[change.change_type][1], "sobject": sobject}

    def _fields_trigger(self, changed: Iterable[str]) -> bool:
        """NotifyForFields (Streaming API guide, "Notifications")."""
        lowered = {f.lower() for f in changed}
        selected = {f.lower() for f in self.select_fields}
        mode = self.notify_for_fields
        if mode == "All":
            return bool(lowered)
        if mode == "Select":
            return bool(lowered & selected)
        if mode == "Where":
            return bool(lowered & self.where_fields)
        return bool(lowered & (selected | self.where_fields))  # Referenced (the default)


class PushTopics:
    """The org's PushTopics by record id, kept in step with the PushTopic record changes."""

    def __init__(self) -> None:
        self._by_id: dict[str, PushTopic] = {}

    def clear(self) -> None:
        self._by_id.clear()

    def load(self, records: Iterable[dict[str, Any]], source: Any) -> None:
        self._by_id.clear()
        for record in records:
            topic = PushTopic.from_record(record, source)
            self._by_id[topic.id] = topic

    def apply(self, change: RecordChange, source: Any) -> None:
        if change.entity != "PushTopic":
            return
        if change.change_type == "DELETE":
            self._by_id.pop(change.record_id, None)
        else:
            topic = PushTopic.from_record(change.record, source)
            self._by_id[topic.id] = topic

    def by_name(self, name: str) -> PushTopic | None:
        for topic in self._by_id.values():
            if topic.name == name:
                return topic
        return None

    def notifications(self, change: RecordChange, source: Any) -> list[tuple[str, dict[str, Any]]]:
        """(channel, {"type", "sobject"}) for every topic this change notifies."""
        out = []
        for topic in self._by_id.values():
            found = topic.notification(change, source)
            if found is not None:
                out.append((f"/topic/{topic.name}", found))
        return out

    def state(self) -> list[dict[str, Any]]:
        return [{"id": t.id, "name": t.name, "sobject": t.sobject, "active": t.is_active,
                 "usable": t.query is not None} for t in self._by_id.values()]
