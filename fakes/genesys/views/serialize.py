"""REST bodies of the Genesys fake, in the Platform API's field names; None values are left out as the API does."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ..model.conversations import Conversation, Media, Participant, Purpose, State
from ..model.org import DIVISION, DIVISION_ID, Member, Queue, User, UserRoutingStatus, WrapupCode
from ..model.presence import BY_ID, SYSTEM_PRESENCES, SystemPresence

if TYPE_CHECKING:
    from ..model.base import OrgRoot
    from ..model.tokens import Principal


def compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def iso(fake: OrgRoot, ts: float | None) -> str | None:
    return None if ts is None else fake.clock.iso(ts)


def user_ref(fake: OrgRoot, user_id: str) -> dict[str, Any]:
    user = fake.org.users.get(user_id)
    return compact({"id": user_id, "name": user.name if user else None, "selfUri": f"/api/v2/users/{user_id}"})


def queue_ref(fake: OrgRoot, queue_id: str) -> dict[str, Any]:
    queue = fake.org.queues.get(queue_id)
    return compact({"id": queue_id, "name": queue.name if queue else None,
                    "selfUri": f"/api/v2/routing/queues/{queue_id}"})


# -- OAuth ----------------------------------------------------------------------------------------
def token(fake: OrgRoot, principal: Principal) -> dict[str, Any]:
    """`POST /oauth/token` (and the control API's agent tokens)."""
    return {"access_token": principal.token, "token_type": "bearer",
            "expires_in": max(0, round(principal.expires_at - fake.clock.time()))}


# -- paging ---------------------------------------------------------------------------------------
def page(items: list[Any], page_number: int, page_size: int, path: str, query: dict[str, Any] | None = None,
         full: bool = True) -> dict[str, Any]:
    """A classic `*EntityListing` page; `full=False` gives the partial shape (no total/pageCount/lastUri)."""
    total = len(items)
    page_count = max(1, math.ceil(total / page_size)) if page_size else 1
    start = (page_number - 1) * page_size
    entities = items[start:start + page_size]
    extra = {k: v for k, v in (query or {}).items() if v not in (None, "", [])}

    def uri(number: int) -> str:
        return f"{path}?{urlencode({'pageSize': page_size, 'pageNumber': number} | extra, doseq=True)}"

    out: dict[str, Any] = {"entities": entities, "pageSize": page_size, "pageNumber": page_number}
    if full:
        out["total"] = total
    out["firstUri"] = uri(1)
    out["selfUri"] = uri(page_number)
    if page_number < page_count:
        out["nextUri"] = uri(page_number + 1)
    if page_number > 1:
        out["previousUri"] = uri(page_number - 1)
    if full:
        out["lastUri"] = uri(page_count)
        out["pageCount"] = page_count
    return out


# -- users and presence ---------------------------------------------------------------------------
def user(fake: OrgRoot, u: User, expand: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": u.id, "name": u.name, "division": DIVISION, "chat": {"jabberId": f"{u.id}@omni-harness.orgspan.com"},
        "department": u.department, "email": u.email,
        "primaryContactInfo": [{"address": u.email, "mediaType": "EMAIL", "type": "PRIMARY"}],
        "addresses": [], "state": "active", "title": u.title, "username": u.username, "version": 1,
        "acdAutoAnswer": False, "selfUri": f"/api/v2/users/{u.id}",
    }
    expand = expand or []
    if "presence" in expand:
        out["presence"] = user_presence(fake, u)
    if "routingStatus" in expand:
        out["routingStatus"] = routing_status(fake, u.routing)
    return out


def presence_definition_ref(p: SystemPresence) -> dict[str, Any]:
    return {"id": p.id, "systemPresence": p.label, "selfUri": f"/api/v2/presencedefinitions/{p.id}"}


def user_presence(fake: OrgRoot, u: User) -> dict[str, Any]:
    return {"source": "PURECLOUD", "sourceId": "PURECLOUD", "primary": True,
            "presenceDefinition": presence_definition_ref(BY_ID[u.presence_id]), "message": u.presence_message,
            "modifiedDate": fake.clock.iso(u.presence_modified), "selfUri": f"/api/v2/users/{u.id}/presences"}


def routing_status(fake: OrgRoot, s: UserRoutingStatus) -> dict[str, Any]:
    return compact({"userId": s.user_id, "status": s.status.value, "startTime": iso(fake, s.start_time)})


def presence_definition(p: SystemPresence) -> dict[str, Any]:
    """`OrganizationPresenceDefinition` (`/api/v2/presence/definitions`)."""
    return {"id": p.id, "type": "System", "languageLabels": {"en_US": p.label}, "systemPresence": p.enum,
            "divisionId": "*", "deactivated": False, "selfUri": f"/api/v2/presence/definitions/{p.id}"}


def legacy_presence_definition(fake: OrgRoot, p: SystemPresence) -> dict[str, Any]:
    """`OrganizationPresence` (deprecated `/api/v2/presencedefinitions`)."""
    return {"id": p.id, "name": p.label, "languageLabels": {"en_US": p.label}, "systemPresence": p.label,
            "deactivated": False, "primary": True, "createdDate": "2016-01-01T00:00:00.000Z",
            "selfUri": f"/api/v2/presencedefinitions/{p.id}"}


def system_presences() -> list[dict[str, Any]]:
    # inferred: ids of `/api/v2/systempresences` are the upper snake case names
    return [{"id": p.upper, "name": p.label, "selfUri": f"/api/v2/systempresences/{p.upper}"}
            for p in SYSTEM_PRESENCES]


# -- routing ------------------------------------------------------------------------------------
def queue(fake: OrgRoot, q: Queue) -> dict[str, Any]:
    created = fake.clock.iso(q.created)
    joined = sum(1 for m in q.members.values() if m.joined)
    chat_settings = {"enableAutoAnswer": False, "alertingTimeoutSeconds": q.alerting_timeout_seconds,
                     "serviceLevel": {"percentage": 0.8, "durationMs": 20000},
                     "autoAnswerAlertToneSeconds": 0.0, "manualAnswerAlertToneSeconds": 0.0}
    other = {"enableAutoAnswer": False, "alertingTimeoutSeconds": 8,
             "serviceLevel": {"percentage": 0.8, "durationMs": 20000}}
    message_settings = other | {"alertingTimeoutSeconds": q.message_alerting_timeout_seconds}
    acw = compact({"wrapupPrompt": q.wrapup_prompt.value, "timeoutMs": q.acw_timeout_ms})
    return {
        "id": q.id, "name": q.name, "division": DIVISION, "description": q.description,
        "dateCreated": created, "dateModified": created,
        "memberCount": len(q.members), "userMemberCount": len(q.members), "joinedMemberCount": joined,
        "mediaSettings": {"call": other, "callback": other, "chat": chat_settings, "email": other,
                          "message": message_settings},
        "routingRules": [], "bullseye": {"rings": [{"expansionTimeoutSeconds": 0.0}]},
        "scoringMethod": "TimestampAndPriority", "lastAgentRoutingMode": "Disabled",
        "acwSettings": acw, "skillEvaluationMethod": "ALL", "memberGroups": [],
        "autoAnswerOnly": False, "enableTranscription": False, "enableAudioMonitoring": False,
        "enableManualAssignment": False, "suppressInQueueCallRecording": True,
        "selfUri": f"/api/v2/routing/queues/{q.id}",
    }


def queue_member(fake: OrgRoot, q: Queue, m: Member, expand: list[str]) -> dict[str, Any]:
    u = fake.org.users[m.user_id]
    user_body = user(fake, u, [e for e in expand if e in ("presence", "routingStatus")])
    out = {"id": u.id, "name": u.name, "user": user_body, "ringNumber": m.ring_number, "joined": m.joined,
           "memberBy": "user", "selfUri": f"/api/v2/users/{u.id}"}
    if "routingStatus" in expand:
        out["routingStatus"] = routing_status(fake, u.routing)
    return out


def user_queue(fake: OrgRoot, q: Queue, m: Member) -> dict[str, Any]:
    body = queue(fake, q)
    body["joined"] = m.joined
    return body


def user_queues(fake: OrgRoot, user_id: str, queues: list[Queue]) -> list[dict[str, Any]]:
    """`UserQueue` of each of `queues`, the user being a member of each."""
    return [user_queue(fake, q, q.members[user_id]) for q in queues]


def wrapup_code(c: WrapupCode, iso_created: str | None = None) -> dict[str, Any]:
    return compact({"id": c.id, "name": c.name, "division": DIVISION, "description": c.description or None,
                    "dateCreated": iso_created, "dateModified": iso_created, "createdBy": None,
                    "selfUri": f"/api/v2/routing/wrapupcodes/{c.id}"})


def wrapup_code_full(fake: OrgRoot, c: WrapupCode) -> dict[str, Any]:
    return wrapup_code(c, fake.clock.iso(c.created))


# -- conversations --------------------------------------------------------------------------------
def rest_wrapup(p: Participant) -> dict[str, Any] | None:
    if p.wrapup is None:
        return None
    return compact({k: p.wrapup.get(k) for k in ("code", "name", "notes", "tags", "durationSeconds", "endTime",
                                                  "provisional")})


def assigned_wrapup(p: Participant) -> dict[str, Any]:
    """`AssignedWrapupCode` for `GET .../wrapup`; an empty object while none is assigned (inferred)."""
    if p.wrapup is None:
        return {}
    return compact({k: p.wrapup.get(k) for k in ("code", "notes", "tags", "durationSeconds", "endTime")})


def media_participant(fake: OrgRoot, conv: Conversation, p: Participant) -> dict[str, Any]:
    """`ChatMediaParticipant` / `MessageMediaParticipant`."""
    out = compact({
        "id": p.id, "name": p.name, "startTime": iso(fake, p.start_time),
        "startAlertingTime": iso(fake, p.start_alerting_time), "connectedTime": iso(fake, p.connected_time),
        "endTime": iso(fake, p.end_time), "purpose": p.purpose.value, "state": p.state.value,
        "direction": p.direction, "disconnectType": p.disconnect_type.value if p.disconnect_type else None,
        "held": False, "wrapupRequired": p.wrapup_required, "wrapupPrompt": p.wrapup_prompt,
        "user": user_ref(fake, p.user_id) if p.user_id else None,
        "queue": queue_ref(fake, p.queue_id) if p.queue_id else None,
        "attributes": dict(p.attributes), "wrapupTimeoutMs": p.wrapup_timeout_ms,
        "wrapupSkipped": p.wrapup_skipped if p.purpose is Purpose.AGENT else None,
        "alertingTimeoutMs": p.alerting_timeout_ms, "provider": p.provider, "wrapup": rest_wrapup(p),
        "conversationRoutingData": routing_data(fake, p) if p.purpose is Purpose.ACD else None,
        "startAcwTime": iso(fake, p.start_acw_time), "endAcwTime": iso(fake, p.end_acw_time),
    })
    if conv.media is Media.MESSAGE:
        out.update({"toAddress": to_address(conv), "fromAddress": from_address(conv),
                    "messages": message_details(fake, conv, p), "type": "open"})
    return out


def from_address(conv: Conversation) -> dict[str, Any]:
    """The customer's address on the integration (`Address`), empty for a conversation raised otherwise."""
    if conv.open is None:
        return {}
    return compact({"name": conv.open.nickname, "addressNormalized": conv.open.from_id,
                    "addressRaw": conv.open.from_id})


def to_address(conv: Conversation) -> dict[str, Any]:
    # inferred: the integration id is the address the customer writes to
    if conv.open is None:
        return {}
    return {"addressNormalized": conv.open.integration_id, "addressRaw": conv.open.integration_id}


def message_uri(conv: Conversation, message_id: str) -> str:
    return f"/api/v2/conversations/messages/{conv.id}/messages/{message_id}"


def message_details(fake: OrgRoot, conv: Conversation, p: Participant) -> list[dict[str, Any]]:
    """`MessageDetails` of the messages this leg sent (the customer's inbound ones, an agent's outbound ones)."""
    return [{"messageId": m.id, "messageURI": message_uri(conv, m.id), "messageStatus": m.status.value,
             "messageSegmentCount": 1, "messageTime": fake.clock.iso(m.time)} for m in conv.messages_of(p.id)]


def routing_data(fake: OrgRoot, p: Participant) -> dict[str, Any]:
    return {"queue": queue_ref(fake, p.queue_id or ""), "priority": 0, "skills": [], "scoredAgents": []}


def divisions(conv: Conversation) -> list[dict[str, Any]]:
    return [{"division": {"id": DIVISION_ID, "selfUri": DIVISION["selfUri"]},
             "entities": [{"id": p.queue_id, "selfUri": f"/api/v2/routing/queues/{p.queue_id}"}
                          for p in conv.participants if p.purpose is Purpose.ACD][:1]}]


def media_conversation(fake: OrgRoot, conv: Conversation) -> dict[str, Any]:
    """`ChatConversation` / `MessageConversation` (`/api/v2/conversations/chats/{id}`)."""
    return {"id": conv.id, "participants": [media_participant(fake, conv, p) for p in conv.participants],
            "otherMediaUris": [], "recentTransfers": list(conv.recent_transfers), "divisions": divisions(conv),
            "selfUri": f"/api/v2/conversations/{conv.media.collection}/{conv.id}"}


def communication(fake: OrgRoot, conv: Conversation, p: Participant) -> dict[str, Any]:
    """`ConversationChat` / `Message` inside a generic participant."""
    state = p.state if p.state in (State.ALERTING, State.CONNECTED, State.DISCONNECTED) else State.NONE
    out = compact({
        "state": state.value, "id": p.comm_id, "held": False, "direction": p.direction,
        "disconnectType": p.disconnect_type.value if p.disconnect_type else None,
        "startAlertingTime": iso(fake, p.start_alerting_time), "connectedTime": iso(fake, p.connected_time),
        "disconnectedTime": iso(fake, p.end_time), "provider": p.provider, "segments": [],
        "wrapup": rest_wrapup(p), "afterCallWorkRequired": p.wrapup_required if p.purpose is Purpose.AGENT else None,
    })
    if conv.media is Media.MESSAGE:
        out.update({"type": "open", "messages": message_details(fake, conv, p)})
    return out


def participant(fake: OrgRoot, conv: Conversation, p: Participant) -> dict[str, Any]:
    """Generic `Participant` (`/api/v2/conversations/{id}`)."""
    queue = fake.org.queues.get(p.queue_id or "")
    key = conv.media.collection
    return compact({
        "id": p.id, "startTime": iso(fake, p.start_time), "endTime": iso(fake, p.end_time),
        "connectedTime": iso(fake, p.connected_time), "name": p.name,
        "userUri": f"/api/v2/users/{p.user_id}" if p.user_id else None, "userId": p.user_id,
        "queueId": p.queue_id, "queueName": queue.name if queue else None, "purpose": p.purpose.value,
        "wrapupRequired": p.wrapup_required, "wrapupPrompt": p.wrapup_prompt,
        "wrapupTimeoutMs": p.wrapup_timeout_ms,
        "wrapupSkipped": p.wrapup_skipped if p.purpose is Purpose.AGENT else None, "wrapup": rest_wrapup(p),
        "conversationRoutingData": routing_data(fake, p) if p.purpose is Purpose.ACD else None,
        "alertingTimeoutMs": p.alerting_timeout_ms, "attributes": dict(p.attributes),
        "calls": [], "callbacks": [], "chats": [], "emails": [], "messages": [],
        "startAcwTime": iso(fake, p.start_acw_time), "endAcwTime": iso(fake, p.end_acw_time),
    }) | {key: [communication(fake, conv, p)]}


def conversation(fake: OrgRoot, conv: Conversation) -> dict[str, Any]:
    """Generic `Conversation`."""
    return compact({
        "id": conv.id, "startTime": iso(fake, conv.start_time), "endTime": iso(fake, conv.end_time),
        "participants": [participant(fake, conv, p) for p in conv.participants],
        "conversationIds": [], "maxParticipants": 0, "recordingState": "NONE",
        "state": "disconnected" if conv.ended else "connected",
        "divisions": divisions(conv), "recentTransfers": list(conv.recent_transfers),
        "selfUri": f"/api/v2/conversations/{conv.id}",
    })
