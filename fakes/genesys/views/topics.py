"""Notification topic deliveries `{"topicName", "eventBody"}` in the wire shape of each topic (reference §6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model.conversations import Conversation, Participant, Purpose
from ..model.presence import BY_ID, ON_QUEUE
from .serialize import compact, iso

if TYPE_CHECKING:
    from ..model.base import OrgRoot
    from ..model.org import User


def delivery(topic: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"topicName": topic, "eventBody": body}


# -- users --------------------------------------------------------------------------------------
def user_presence(fake: OrgRoot, u: User) -> dict[str, Any]:
    p = BY_ID[u.presence_id]
    return delivery(f"v2.users.{u.id}.presence", {
        "source": "PURECLOUD", "presenceDefinition": {"id": p.id, "systemPresence": p.upper}, "primary": True,
        "message": u.presence_message, "modifiedDate": fake.clock.iso(u.presence_modified),
    })


def user_routing_status(fake: OrgRoot, u: User) -> dict[str, Any]:
    return delivery(f"v2.users.{u.id}.routingStatus", {
        "id": u.id, "routingStatus": {"status": u.routing_status.value, "startTime": fake.clock.iso(u.routing_start)},
    })


def user_activity(fake: OrgRoot, u: User) -> dict[str, Any]:
    p = BY_ID[u.presence_id]
    # inferred: activeQueueIds are the joined queues while the user is On Queue
    active = [q.id for q in fake.org.queues_of(u.id, joined=True)] if p.id == ON_QUEUE.id else []
    return delivery(f"v2.users.{u.id}.activity", {
        "id": u.id,
        "routingStatus": {"status": u.routing_status.value, "startTime": fake.clock.iso(u.routing_start)},
        "presence": {"presenceDefinition": {"id": p.id, "systemPresence": p.upper},
                     "presenceMessage": u.presence_message, "modifiedDate": fake.clock.iso(u.presence_modified)},
        "outOfOffice": {"active": False},
        "activeQueueIds": active,
        "dateActiveQueuesChanged": fake.clock.iso(u.presence_modified),
    })


# -- conversations ------------------------------------------------------------------------------
def _event_wrapup(fake: OrgRoot, p: Participant) -> dict[str, Any] | None:
    if p.wrapup is None:
        return None
    # The notification wrap-up carries the code's name (SDK 269 docs).
    return compact({"code": p.wrapup.get("name") or p.wrapup.get("code"), "notes": p.wrapup.get("notes"),
                    "tags": p.wrapup.get("tags"), "durationSeconds": p.wrapup.get("durationSeconds"),
                    "endTime": p.wrapup.get("endTime")})


def _queue_media_settings(fake: OrgRoot, conv: Conversation, p: Participant) -> dict[str, Any] | None:
    queue = fake.org.queues.get(p.queue_id or "")
    if queue is None:
        return None
    return {"alertingTimeoutSeconds": queue.alerting_timeout_for(conv.media.value), "enableAutoAnswer": False}


def _message_details(fake: OrgRoot, conv: Conversation, p: Participant) -> list[dict[str, Any]]:
    """`ConversationMessageEventTopicMessageDetails` of the messages this leg sent (the customer's inbound ones,
    an agent's outbound ones)."""
    return [{"message": {"id": m.id}, "messageTime": fake.clock.iso(m.time), "messageStatus": m.status.value,
             "messageSegmentCount": 1} for m in conv.messages_of(p.id)]


def _ref(fake: OrgRoot, kind: str, ident: str | None) -> dict[str, Any] | None:
    if not ident:
        return None
    entity = (fake.org.users if kind == "user" else fake.org.queues).get(ident)
    return compact({"id": ident, "name": entity.name if entity else None})


def media_participant(fake: OrgRoot, conv: Conversation, p: Participant) -> dict[str, Any]:
    """`ConversationChatEventTopicChatMediaParticipant` (and its message equivalent)."""
    out = compact({
        "id": p.id, "name": p.name, "startTime": iso(fake, p.start_time), "connectedTime": iso(fake, p.connected_time),
        "endTime": iso(fake, p.end_time), "purpose": p.purpose.value, "state": p.state.value,
        "initialState": "alerting" if p.purpose is Purpose.AGENT else "connected", "direction": p.direction,
        "disconnectType": p.disconnect_type.value if p.disconnect_type else None, "held": False,
        "wrapupRequired": p.wrapup_required, "wrapupPrompt": p.wrapup_prompt,
        "user": _ref(fake, "user", p.user_id), "queue": _ref(fake, "queue", p.queue_id),
        "attributes": dict(p.attributes), "wrapupTimeoutMs": p.wrapup_timeout_ms,
        "wrapupSkipped": p.wrapup_skipped if p.purpose is Purpose.AGENT else None,
        "alertingTimeoutMs": p.alerting_timeout_ms, "provider": p.provider, "wrapup": _event_wrapup(fake, p),
        "startAcwTime": iso(fake, p.start_acw_time), "endAcwTime": iso(fake, p.end_acw_time),
        "queueMediaSettings": _queue_media_settings(fake, conv, p),
    })
    if conv.media.value == "message":
        out.update({"messages": _message_details(fake, conv, p), "type": "open"})
    return out


def media_conversation(fake: OrgRoot, conv: Conversation) -> dict[str, Any]:
    """`ConversationChatEventTopicChatConversation` / `ConversationMessageEventTopicMessageConversation`."""
    return {"id": conv.id, "participants": [media_participant(fake, conv, p) for p in conv.participants],
            "otherMediaUris": [], "divisions": [{"division": {"id": "*"}, "entities": []}]}


def _communication(fake: OrgRoot, conv: Conversation, p: Participant) -> dict[str, Any]:
    return compact({
        "state": p.state.value, "initialState": "alerting" if p.purpose is Purpose.AGENT else "connected",
        "id": p.comm_id, "provider": p.provider, "held": False, "direction": p.direction,
        "disconnectType": p.disconnect_type.value if p.disconnect_type else None,
        "connectedTime": iso(fake, p.connected_time), "disconnectedTime": iso(fake, p.end_time),
        "wrapup": _event_wrapup(fake, p),
        "afterCallWorkRequired": p.wrapup_required if p.purpose is Purpose.AGENT else None,
        "queueMediaSettings": _queue_media_settings(fake, conv, p),
    })


def participant(fake: OrgRoot, conv: Conversation, p: Participant) -> dict[str, Any]:
    """`ConversationEventTopicParticipant`."""
    key = conv.media.collection
    return compact({
        "id": p.id, "connectedTime": iso(fake, p.connected_time), "endTime": iso(fake, p.end_time),
        "userId": p.user_id, "name": p.name, "queueId": p.queue_id, "purpose": p.purpose.value,
        "wrapupRequired": p.wrapup_required, "wrapupExpected": p.in_acw if p.purpose is Purpose.AGENT else None,
        "wrapupPrompt": p.wrapup_prompt, "wrapupTimeoutMs": p.wrapup_timeout_ms, "wrapup": _event_wrapup(fake, p),
        "startAcwTime": iso(fake, p.start_acw_time), "endAcwTime": iso(fake, p.end_acw_time),
        "alertingTimeoutMs": p.alerting_timeout_ms, "attributes": dict(p.attributes),
        "calls": [], "callbacks": [], "chats": [], "emails": [], "messages": [],
    }) | {key: [_communication(fake, conv, p)]}


def conversation(fake: OrgRoot, conv: Conversation) -> dict[str, Any]:
    """`ConversationEventTopicConversation`."""
    return {"id": conv.id, "maxParticipants": 0,
            "participants": [participant(fake, conv, p) for p in conv.participants],
            "recentTransfers": [_transfer(t) for t in conv.recent_transfers],
            "divisions": [{"division": {"id": "*"}, "entities": []}]}


def _transfer(t: dict[str, Any]) -> dict[str, Any]:
    return compact({"id": t.get("id"), "state": (t.get("state") or "").lower() or None,
                    "dateIssued": t.get("dateIssued"), "initiator": t.get("initiator"),
                    "destination": t.get("destination"), "transferType": t.get("transferType")})


def conversation_topics(fake: OrgRoot, conv: Conversation, previous_queue_id: str | None = None) -> list[dict[str, Any]]:
    """Deliveries for every agent user on the conversation (any state) and for its queue (and, when it just moved,
    for the queue it left)."""
    generic = conversation(fake, conv)
    media = media_conversation(fake, conv)
    suffix = conv.media.collection
    out = []
    for uid in conv.agent_user_ids():
        out.append(delivery(f"v2.users.{uid}.conversations", generic))
        out.append(delivery(f"v2.users.{uid}.conversations.{suffix}", media))
    queues = [q for q in (previous_queue_id, conv.queue_id) if q]
    for qid in dict.fromkeys(queues):
        out.append(delivery(f"v2.routing.queues.{qid}.conversations", generic))
        out.append(delivery(f"v2.routing.queues.{qid}.conversations.{suffix}", media))
    return out
