"""What the connector reads from each platform, normalised: conversation snapshots, presence changes, change events."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from .config import system_presence_key
from .ids import sf_id18

WORK_ITEM_ATTRIBUTE = "workItemId"
AGENT_PURPOSES = ("agent", "user")


class LegState(StrEnum):
    """An agent leg only ever moves forward through these, whatever order events arrive in."""

    NEW = "new"
    ALERTING = "alerting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"

    @property
    def rank(self) -> int:
        return _LEG_RANK[self]


_LEG_RANK = {LegState.NEW: 0, LegState.ALERTING: 1, LegState.CONNECTED: 2, LegState.DISCONNECTED: 3}
_STATE_MAP = {
    "alerting": LegState.ALERTING, "offering": LegState.ALERTING, "contacting": LegState.ALERTING,
    "dialing": LegState.ALERTING, "connected": LegState.CONNECTED, "disconnected": LegState.DISCONNECTED,
    "terminated": LegState.DISCONNECTED,
}


def leg_state(value: str | None) -> LegState | None:
    return _STATE_MAP.get((value or "").lower())


@dataclass(frozen=True)
class ParticipantView:
    id: str
    purpose: str
    state: LegState | None
    user_id: str | None
    queue_id: str | None
    disconnect_type: str | None
    was_connected: bool
    attributes: dict[str, str]

    @property
    def is_agent(self) -> bool:
        return self.purpose in AGENT_PURPOSES and bool(self.user_id)


@dataclass(frozen=True)
class ConversationView:
    """One conversation as a notification body or a REST GET shows it (chat topic, generic topic or REST)."""

    id: str
    participants: tuple[ParticipantView, ...]

    @property
    def work_item_id(self) -> str | None:
        # Attributes given at creation land on the customer participant; look there first, at the newest customer
        # leg still up first (a messaging customer who came back may have an older, disconnected leg).
        ranked = list(enumerate(self.participants))
        ranked.sort(key=lambda ip: (ip[1].purpose != "customer", ip[1].state is LegState.DISCONNECTED, -ip[0]))
        for _, p in ranked:
            value = p.attributes.get(WORK_ITEM_ATTRIBUTE)
            if value:
                return sf_id18(value)
        return None

    @property
    def agents(self) -> list[ParticipantView]:
        return [p for p in self.participants if p.is_agent]

    @property
    def ended(self) -> bool:
        customers = [p for p in self.participants if p.purpose == "customer"]
        return bool(customers) and all(p.state is LegState.DISCONNECTED for p in customers)

    @property
    def customers(self) -> list[ParticipantView]:
        return [p for p in self.participants if p.purpose == "customer"]

    def participant(self, participant_id: str) -> ParticipantView | None:
        for p in self.participants:
            if p.id == participant_id:
                return p
        return None

    def connected_agent(self) -> ParticipantView | None:
        for p in self.agents:
            if p.state is LegState.CONNECTED:
                return p
        return None


def _participant(raw: dict[str, Any]) -> ParticipantView | None:
    pid = raw.get("id")
    if not isinstance(pid, str):
        return None
    user = raw.get("user") if isinstance(raw.get("user"), dict) else {}
    queue = raw.get("queue") if isinstance(raw.get("queue"), dict) else {}
    state_text = raw.get("state")
    disconnect_type = raw.get("disconnectType")
    connected_time = raw.get("connectedTime")
    # The generic conversation shape keeps the media state in chats[]/messages[].
    for media_key in ("chats", "messages"):
        media = raw.get(media_key)
        if not state_text and isinstance(media, list) and media and isinstance(media[-1], dict):
            state_text = media[-1].get("state")
            disconnect_type = disconnect_type or media[-1].get("disconnectType")
            connected_time = connected_time or media[-1].get("connectedTime")
    attributes = raw.get("attributes") if isinstance(raw.get("attributes"), dict) else {}
    return ParticipantView(
        id=pid,
        purpose=str(raw.get("purpose") or "").lower(),
        state=leg_state(state_text),
        user_id=user.get("id") or raw.get("userId"),
        queue_id=queue.get("id") or raw.get("queueId"),
        disconnect_type=disconnect_type,
        was_connected=bool(connected_time),
        attributes={str(k): str(v) for k, v in attributes.items() if v is not None},
    )


def conversation_view(body: dict[str, Any]) -> ConversationView | None:
    cid = body.get("id")
    if not isinstance(cid, str):
        return None
    participants = tuple(p for p in (_participant(r) for r in body.get("participants") or [] if isinstance(r, dict))
                         if p is not None)
    return ConversationView(cid, participants)


_USER_TOPIC = re.compile(r"^v2\.users\.(?P<user>[^.]+)\.(?P<rest>.+)$")


@dataclass(frozen=True)
class PresenceChange:
    user_id: str
    system_presence: str  # UPPER_SNAKE
    modified: float | None = None  # epoch seconds of the presence's modifiedDate, when known
    snapshot: bool = False  # read back with GET (reconciliation), not pushed as a change


def epoch(value: Any) -> float | None:
    """An ISO-8601 string or datetime as epoch seconds (None when absent or unreadable)."""
    if isinstance(value, datetime):
        return value.timestamp() if value.tzinfo else value.replace(tzinfo=UTC).timestamp()
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.timestamp() if parsed.tzinfo else parsed.replace(tzinfo=UTC).timestamp()
    return None


def presence_change(topic: str, body: dict[str, Any]) -> PresenceChange | None:
    match = _USER_TOPIC.match(topic)
    if not match or match["rest"] != "presence":
        return None
    definition = body.get("presenceDefinition") or {}
    system = definition.get("systemPresence") if isinstance(definition, dict) else None
    if not isinstance(system, str) or not system:
        return None
    return PresenceChange(match["user"], system_presence_key(system), epoch(body.get("modifiedDate")))


def is_conversation_topic(topic: str) -> bool:
    match = _USER_TOPIC.match(topic)
    if match:
        return match["rest"] in ("conversations", "conversations.chats", "conversations.messages")
    return topic.startswith("v2.routing.queues.") and ".conversations" in topic


class ChangeType(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    UNDELETE = "UNDELETE"
    GAP = "GAP"


@dataclass(frozen=True)
class ChangeEvent:
    """One record of a Change Data Capture event (an event naming several records becomes several of these)."""

    entity: str
    change_type: ChangeType
    record_id: str
    fields: dict[str, Any]
    changed_fields: tuple[str, ...] = ()
    commit_user: str | None = None
    channel: str = ""
    replay_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.fields.get(name)


def change_events(message: dict[str, Any]) -> list[ChangeEvent]:
    """Split a CometD CDC message into one ChangeEvent per record id."""
    data = message.get("data") if isinstance(message.get("data"), dict) else {}
    payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
    header = payload.get("ChangeEventHeader") if isinstance(payload.get("ChangeEventHeader"), dict) else {}
    entity = header.get("entityName")
    raw_type = str(header.get("changeType") or "")
    if not entity or not raw_type:
        return []
    change_type = ChangeType.GAP if raw_type.startswith("GAP") else ChangeType(raw_type) \
        if raw_type in ChangeType.__members__ else None
    if change_type is None:
        return []
    fields = {k: v for k, v in payload.items() if k != "ChangeEventHeader"}
    event = data.get("event") if isinstance(data.get("event"), dict) else {}
    replay_id = event.get("replayId") if isinstance(event.get("replayId"), int) else None
    record_ids = [r for r in header.get("recordIds") or [] if isinstance(r, str)]
    if not record_ids and isinstance(fields.get("Id"), str):
        record_ids = [fields["Id"]]
    out = []
    for record_id in record_ids:
        rid = sf_id18(record_id) or record_id
        out.append(ChangeEvent(
            entity=str(entity), change_type=change_type, record_id=rid, fields=dict(fields, Id=rid),
            changed_fields=tuple(header.get("changedFields") or ()), commit_user=sf_id18(header.get("commitUser")),
            channel=str(message.get("channel") or ""), replay_id=replay_id,
        ))
    return out
