"""Open Messaging bodies: `OpenIntegration`, the normalized answers of the inbound calls and `MessageData`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..model.conversations import Conversation, Message, MessageDirection
from .serialize import compact, message_uri

if TYPE_CHECKING:
    from ..model.base import OrgRoot
    from ..model.messaging import OpenIntegration

INTEGRATIONS_PATH = "/api/v2/conversations/messaging/integrations/open"


def platform_time(fake: OrgRoot, sent: str) -> str:
    """A client's date-time (`Z` or an offset, validated by the request schema) in the platform's own form."""
    return fake.clock.iso(datetime.fromisoformat(sent.replace("Z", "+00:00")).timestamp())


def _ref(ident: str | None) -> dict[str, Any] | None:
    return {"id": ident} if ident else None


def integration(fake: OrgRoot, i: OpenIntegration) -> dict[str, Any]:
    """`OpenIntegration`. inferred: `recipient` names the stand-in flow by the queue it routes to; the webhook URL
    and secret read back as set (empty while none is set: the seeded integrations have no webhook)."""
    queue = fake.org.queues.get(i.queue_id or "")
    return compact({
        "id": i.id, "name": i.name, "supportedContent": i.supported_content, "messagingSetting": i.messaging_setting,
        "outboundNotificationWebhookUrl": i.webhook_url,
        "outboundNotificationWebhookSignatureSecretToken": i.secret,
        "webhookHeaders": dict(i.webhook_headers) if i.webhook_headers else None,
        "status": "Active", "createStatus": i.create_status.value,
        "recipient": compact({"id": queue.id, "name": f"{queue.name} inbound message flow"}) if queue else None,
        "dateCreated": fake.clock.iso(i.date_created), "dateModified": fake.clock.iso(i.date_modified),
        "createdBy": _ref(i.created_by), "modifiedBy": _ref(i.modified_by),
        "selfUri": f"{INTEGRATIONS_PATH}/{i.id}",
    })


def _from_customer(conv: Conversation) -> dict[str, Any]:
    assert conv.open is not None
    return compact({"nickname": conv.open.nickname, "id": conv.open.from_id, "idType": conv.open.from_id_type,
                    "firstName": conv.open.first_name, "lastName": conv.open.last_name})


def _channel(fake: OrgRoot, integration_id: str, sender: dict[str, Any], to: dict[str, Any], time: str,
             message_id: str | None) -> dict[str, Any]:
    return compact({"id": integration_id, "platform": "Open", "type": "Private", "messageId": message_id,
                    "to": to, "from": sender, "time": time})


def inbound_message(fake: OrgRoot, i: OpenIntegration, m: Message, sender: dict[str, Any],
                    conversation_id: str | None) -> dict[str, Any]:
    """`OpenMessageNormalizedMessage`: the customer's message as the platform took it; `conversationId` only when
    it was asked for (`prefetchConversationId=true`)."""
    channel = _channel(fake, i.id, sender, {"id": i.id}, fake.clock.iso(m.time), m.channel_message_id)
    return compact({"id": m.id, "channel": channel, "type": "Text", "text": m.text,
                    "content": [{"contentType": "Attachment", "attachment": c["attachment"]}
                                for c in m.content if c.get("attachment")] or None,
                    "metadata": dict(m.metadata) or None, "conversationId": conversation_id})


def inbound_event(fake: OrgRoot, i: OpenIntegration, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`OpenEventNormalizedMessage`. inferred: a typing event is shown as On for 5 s."""
    channel = body["channel"]
    events = [{"eventType": e["eventType"], "typing": {"type": "On", "duration": 5000}} for e in body["events"]]
    return {"id": event_id,
            "channel": _channel(fake, i.id, channel["from"], {"id": i.id}, platform_time(fake, channel["time"]), None),
            "type": "Event", "events": events}


def inbound_receipt(fake: OrgRoot, i: OpenIntegration, body: dict[str, Any]) -> dict[str, Any]:
    """`OpenReceiptNormalizedMessage`: the receipt of an outbound message, sent by the integration."""
    channel = body["channel"]
    sender = {"nickname": i.name, "id": i.id, "idType": "Opaque"}
    time = platform_time(fake, channel["time"])
    return compact({"id": body["id"], "channel": _channel(fake, i.id, sender, channel["to"], time, None),
                    "type": "Receipt", "status": body["status"], "reasons": body.get("reasons"),
                    "isFinalReceipt": body.get("isFinalReceipt"), "direction": "Outbound"})


def message_data(fake: OrgRoot, conv: Conversation, m: Message, integration_name: str | None) -> dict[str, Any]:
    """`MessageData` (SDK 269: no `textBody`; the text is `normalizedMessage.text`)."""
    time = fake.clock.iso(m.time)
    inbound = m.direction is MessageDirection.INBOUND
    normalized: dict[str, Any] = {"id": m.id, "type": "Text", "text": m.text,
                                  "direction": "Inbound" if inbound else "Outbound",
                                  "originatingEntity": None if inbound else "Human"}
    if conv.open is not None:
        integration = {"nickname": integration_name, "id": conv.open.integration_id, "idType": "Opaque"}
        customer = _from_customer(conv)
        sender, to = (customer, {"id": conv.open.integration_id}) if inbound else (
            compact(integration), {"id": conv.open.from_id})
        normalized["channel"] = compact({"id": conv.open.integration_id, "platform": "Open", "type": "Private",
                                         "messageId": m.channel_message_id or m.id, "to": to, "from": sender,
                                         "time": time})
        normalized["metadata"] = dict(m.metadata) or None
    return compact({
        "id": m.id, "providerMessageId": m.channel_message_id, "timestamp": time,
        "fromAddress": conv.open.from_id if conv.open and inbound else (conv.open.integration_id if conv.open else None),
        "toAddress": (conv.open.integration_id if inbound else conv.open.from_id) if conv.open else None,
        "direction": m.direction.value, "messengerType": "open", "status": m.status.value,
        "normalizedMessage": compact(normalized), "conversationId": conv.id, "selfUri": message_uri(conv, m.id),
    })
