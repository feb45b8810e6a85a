"""Conversation state: conversations, their participants (customer / acd / agent) and the enums they use."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Media(StrEnum):
    CHAT = "chat"
    MESSAGE = "message"

    @property
    def collection(self) -> str:
        """Path segment and topic suffix: `/conversations/chats`, `v2.users.{id}.conversations.chats`."""
        return "chats" if self is Media.CHAT else "messages"


class Purpose(StrEnum):
    CUSTOMER = "customer"
    ACD = "acd"
    AGENT = "agent"


class State(StrEnum):
    """`MediaParticipantRequest.state` / participant `state` (REST enum)."""

    ALERTING = "alerting"
    DIALING = "dialing"
    CONTACTING = "contacting"
    OFFERING = "offering"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    TERMINATED = "terminated"
    CONVERTING = "converting"
    UPLOADING = "uploading"
    TRANSMITTING = "transmitting"
    PARKED = "parked"
    NONE = "none"


class DisconnectType(StrEnum):
    ENDPOINT = "endpoint"
    CLIENT = "client"
    SYSTEM = "system"
    TRANSFER = "transfer"
    PEER = "peer"
    OTHER = "other"


class TransferType(StrEnum):
    ATTENDED = "Attended"
    UNATTENDED = "Unattended"


ACTIVE_STATES = (State.ALERTING, State.CONNECTED)
WEBCHAT_PROVIDER = "PureCloud Webchat v2"
MESSAGE_PROVIDER = "PureCloud Messaging"


@dataclass
class Participant:
    id: str
    purpose: Purpose
    comm_id: str  # the id of its single chat/message communication (`chats[0].id`)
    start_time: float
    state: State = State.CONNECTED
    name: str | None = None
    user_id: str | None = None
    queue_id: str | None = None
    direction: str = "inbound"
    provider: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    start_alerting_time: float | None = None
    connected_time: float | None = None
    end_time: float | None = None
    disconnect_type: DisconnectType | None = None
    wrapup_required: bool = False
    wrapup_prompt: str | None = None
    wrapup_timeout_ms: int | None = None
    alerting_timeout_ms: int | None = None
    wrapup: dict[str, Any] | None = None
    wrapup_skipped: bool = False
    start_acw_time: float | None = None
    end_acw_time: float | None = None
    # Attended transfer: the sender's participant id, whose leg ends when this one connects.
    consult_from: str | None = None
    transfer_id: str | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def in_acw(self) -> bool:
        """Disconnected after being connected, and the queue's wrap-up is still owed."""
        return (self.purpose is Purpose.AGENT and self.state is State.DISCONNECTED and self.connected_time is not None
                and self.wrapup_required and self.wrapup is None and not self.wrapup_skipped
                and self.end_acw_time is None)


class MessageDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(StrEnum):
    """`MessageData.status` / `MessageDetails.messageStatus`."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    RECEIVED = "received"
    DELIVERY_SUCCESS = "delivery-success"
    DELIVERY_FAILED = "delivery-failed"


@dataclass
class Message:
    """One message of an Open Messaging conversation: the customer's (inbound) or an agent's (outbound)."""

    id: str
    conversation_id: str
    participant_id: str  # who sent it: the customer leg, or the agent leg whose communication it went out on
    direction: MessageDirection
    time: float
    text: str | None = None
    status: MessageStatus = MessageStatus.RECEIVED
    channel_message_id: str | None = None  # the middleware's own id (`channel.messageId`) of an inbound message
    content: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class OpenThread:
    """What ties a message conversation to an Open Messaging integration and the customer's address on it."""

    integration_id: str
    from_id: str
    from_id_type: str
    nickname: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclass
class Conversation:
    id: str
    media: Media
    queue_id: str
    start_time: float
    participants: list[Participant] = field(default_factory=list)
    end_time: float | None = None
    recent_transfers: list[dict[str, Any]] = field(default_factory=list)
    order: int = 0  # creation order: breaks ties between interactions created at the same instant
    open: OpenThread | None = None  # set for an Open Messaging conversation
    messages: list[Message] = field(default_factory=list)  # in the order they were sent

    @property
    def age_key(self) -> tuple[float, int]:
        return self.start_time, self.order

    def participant(self, participant_id: str) -> Participant | None:
        return next((p for p in self.participants if p.id == participant_id), None)

    @property
    def customer(self) -> Participant | None:
        return next((p for p in self.participants if p.purpose is Purpose.CUSTOMER), None)

    @property
    def active_acd(self) -> Participant | None:
        return next((p for p in self.participants if p.purpose is Purpose.ACD and p.state is State.CONNECTED), None)

    def agents(self, *states: State) -> list[Participant]:
        return [p for p in self.participants if p.purpose is Purpose.AGENT and (not states or p.state in states)]

    def agent_user_ids(self) -> list[str]:
        """Every user on the conversation, in any state, in the order they joined."""
        out: list[str] = []
        for p in self.agents():
            if p.user_id and p.user_id not in out:
                out.append(p.user_id)
        return out

    def messages_of(self, participant_id: str) -> list[Message]:
        return [m for m in self.messages if m.participant_id == participant_id]

    def message(self, message_id: str) -> Message | None:
        return next((m for m in self.messages if m.id == message_id), None)

    @property
    def ended(self) -> bool:
        return self.end_time is not None

    @property
    def work_item_id(self) -> str | None:
        """The Salesforce work item an externally routed interaction carries (DESIGN §4.3)."""
        customer = self.customer
        return customer.attributes.get("workItemId") if customer else None
