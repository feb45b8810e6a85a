"""Open Messaging rules of the Genesys fake: integrations, inbound messages/events/receipts from the middleware, the
agent's messages and typing events, and their outbound webhook deliveries.

Held by the org root (`GenesysFake.messaging`). The conversation itself (customer, ACD and agent legs, pick-up,
wrap-up, transfer) is the message-media machinery of `ConversationBackend`; this module only raises it, keeps its
messages and ties it to the integration and the customer's address (`Conversation.open`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ..errors import (
    communication_not_found,
    configured,
    integration_not_found,
    message_not_found,
    message_text_or_content_required,
    no_active_conversation,
)
from .conversations import (
    Conversation,
    Media,
    Message,
    MessageDirection,
    MessageStatus,
    OpenThread,
    Participant,
    Purpose,
    State,
)
from .webhooks import Delivery, WebhookOutcome, WebhookSender

if TYPE_CHECKING:
    from omni_harness.fakes.core import SeedPlan

    from .base import OrgRoot
    from .conversation_backend import AddMessage, ConversationBackend
    from .tokens import Principal


class CreateStatus(StrEnum):
    """`OpenIntegration.createStatus`: creation is asynchronous, a client polls until Completed."""

    INITIATED = "Initiated"
    COMPLETED = "Completed"
    ERROR = "Error"


@dataclass
class OpenIntegration:
    """An Open Messaging integration. `queue_id` is the fake's stand-in for its inbound message flow (the flow a
    real org attaches through `recipient`): every new conversation of the integration is routed to that queue."""

    id: str
    name: str
    date_created: float
    date_modified: float
    webhook_url: str = ""
    secret: str = ""
    webhook_headers: dict[str, str] = field(default_factory=dict)
    queue_id: str | None = None
    create_status: CreateStatus = CreateStatus.COMPLETED
    completes_at: float | None = None  # an Initiated create completes once the clock reaches this
    supported_content: dict[str, Any] | None = None
    messaging_setting: dict[str, Any] | None = None
    created_by: str | None = None
    modified_by: str | None = None


@dataclass
class InboundAnswer:
    """What an inbound message was answered with, kept so a repeat of its `channel.messageId` gets it again."""

    message: Message
    conversation_id: str


class MessagingBackend:
    """Open Messaging of one org; raises and re-routes message conversations through `conversations`."""

    def __init__(self, root: OrgRoot, conversations: ConversationBackend) -> None:
        self.root = root
        self.conversations = conversations
        self.sender = WebhookSender(root, self._on_delivery)
        self.integrations: dict[str, OpenIntegration] = {}
        self.threads: dict[tuple[str, str], str] = {}  # (integration id, customer from.id) -> latest conversation
        self.seen: dict[tuple[str, str], InboundAnswer] = {}  # (integration id, channel.messageId) -> first answer

    def reset(self, plan: SeedPlan) -> None:
        """One Completed integration per messaging queue pair, its flow routing to the pair's queue."""
        self.sender.reset()
        now = self.root.clock.time()
        self.integrations = {}
        self.threads = {}
        self.seen = {}
        for pair in plan.messaging_queue_pairs:
            queue = self.root.org.queue_by_name(pair.genesys_name)
            integration = OpenIntegration(id=self.root.ids.uuid(), name=pair.open_messaging_integration or
                                          f"Salesforce Messaging {pair.index}", date_created=now, date_modified=now,
                                          queue_id=queue.id if queue else None)
            self.integrations[integration.id] = integration

    # -- integrations ----------------------------------------------------------------------------
    def _refresh(self, integration: OpenIntegration) -> None:
        """An Initiated create completes once its time has come (read lazily, so a frozen clock needs no timer)."""
        if (integration.create_status is CreateStatus.INITIATED and integration.completes_at is not None
                and self.root.clock.time() >= integration.completes_at):
            integration.create_status = CreateStatus.COMPLETED
            integration.completes_at = None
            self._emit_integration(integration, "completed")

    def _emit_integration(self, integration: OpenIntegration, change: str) -> None:
        self.root.emit_change("integration.changed", {
            "integrationId": integration.id, "name": integration.name, "change": change,
            "createStatus": integration.create_status.value, "queueId": integration.queue_id, "topics": []})

    def get_integration(self, integration_id: str) -> OpenIntegration:
        with self.root.lock:
            integration = self.integrations.get(integration_id)
            if integration is None:
                raise integration_not_found()
            self._refresh(integration)
            return integration

    def list_integrations(self) -> list[OpenIntegration]:
        with self.root.lock:
            for integration in self.integrations.values():
                self._refresh(integration)
            return sorted(self.integrations.values(), key=lambda i: (i.name.lower(), i.id))

    def create_integration(self, principal: Principal, body: dict[str, Any]) -> OpenIntegration:
        """`POST .../integrations/open`: answered Initiated; Completed once the create has run (on the clock)."""
        root = self.root
        with root.lock:
            now = root.clock.time()
            integration = OpenIntegration(
                id=root.ids.uuid(), name=body["name"], date_created=now, date_modified=now,
                webhook_url=body["outboundNotificationWebhookUrl"],
                secret=body["outboundNotificationWebhookSignatureSecretToken"],
                webhook_headers=dict(body.get("webhookHeaders") or {}), create_status=CreateStatus.INITIATED,
                completes_at=now + root.config.integration_create_seconds,
                supported_content=body.get("supportedContent"), messaging_setting=body.get("messagingSetting"),
                created_by=principal.user_id or principal.client_id, modified_by=principal.user_id or principal.client_id)
            self.integrations[integration.id] = integration
            self._emit_integration(integration, "created")
            generation = root.generation
            root.clock.call_at(integration.completes_at or now, lambda: self._on_create_due(generation, integration.id),
                               name=f"genesys open integration create {integration.id}")
            return integration

    def _on_create_due(self, generation: int, integration_id: str) -> None:
        with self.root.timer_context():
            if generation != self.root.generation:
                return
            integration = self.integrations.get(integration_id)
            if integration is not None:
                self._refresh(integration)

    def patch_integration(self, principal: Principal, integration_id: str, body: dict[str, Any]) -> OpenIntegration:
        """`PATCH .../integrations/open/{id}`: name, webhook URL, secret, headers (absent fields are kept)."""
        with self.root.lock:
            integration = self.get_integration(integration_id)
            integration.name = body["name"]
            if "outboundNotificationWebhookUrl" in body:
                integration.webhook_url = body["outboundNotificationWebhookUrl"]
            if "outboundNotificationWebhookSignatureSecretToken" in body:
                integration.secret = body["outboundNotificationWebhookSignatureSecretToken"]
            if "webhookHeaders" in body:
                integration.webhook_headers = dict(body["webhookHeaders"] or {})
            for key, attr in (("supportedContent", "supported_content"), ("messagingSetting", "messaging_setting")):
                if key in body:
                    setattr(integration, attr, body[key])
            integration.date_modified = self.root.clock.time()
            integration.modified_by = principal.user_id or principal.client_id
            self._emit_integration(integration, "updated")
            return integration

    def delete_integration(self, integration_id: str) -> None:
        with self.root.lock:
            integration = self.get_integration(integration_id)
            del self.integrations[integration.id]
            self._emit_integration(integration, "deleted")

    def set_flow(self, integration_id: str, queue_id: str | None) -> OpenIntegration:
        """The control API's stand-in for attaching an inbound message flow: new conversations go to `queue_id`."""
        with self.root.lock:
            integration = self.get_integration(integration_id)
            if queue_id is not None and queue_id not in self.root.org.queues:
                raise KeyError(queue_id)
            integration.queue_id = queue_id
            self._emit_integration(integration, "flow")
            return integration

    # -- inbound (middleware -> Genesys) -----------------------------------------------------------
    def _ready(self, integration_id: str) -> OpenIntegration:
        integration = self.get_integration(integration_id)
        if integration.create_status is not CreateStatus.COMPLETED:
            raise configured(self.root.config.integration_not_ready_error)
        return integration

    def inbound_message(self, principal: Principal, integration_id: str,
                        body: dict[str, Any]) -> tuple[OpenIntegration, Message, str]:
        """The customer's message: a new conversation, or part of the customer's existing one (72 h window).

        Returns the integration, the message and its conversation id. A repeat of a `channel.messageId` already
        taken on this integration changes nothing and answers the first message again (inferred).
        """
        root = self.root
        with root.lock:
            integration = self._ready(integration_id)
            channel = body["channel"]
            text, content = body.get("text"), list(body.get("content") or [])
            if not text and not content:
                raise message_text_or_content_required()
            channel_message_id = channel.get("messageId")
            if channel_message_id and (integration.id, channel_message_id) in self.seen:
                first = self.seen[(integration.id, channel_message_id)]
                return integration, first.message, first.conversation_id
            sender = channel["from"]
            attributes = self._custom_attributes(body)
            kept: list[Message] = []

            def add_message(conv: Conversation, customer: Participant) -> None:
                # Kept before the conversation's event goes out, so the alert already carries the message.
                message = Message(id=root.ids.uuid().replace("-", ""), conversation_id=conv.id,
                                  participant_id=customer.id, direction=MessageDirection.INBOUND,
                                  time=root.clock.time(), text=text, status=MessageStatus.RECEIVED,
                                  channel_message_id=channel_message_id, content=content,
                                  metadata=dict(body.get("metadata") or {}))
                conv.messages.append(message)
                kept.append(message)

            conv = self._conversation_for(integration, sender, attributes, add_message)
            message = kept[0]
            if channel_message_id:
                self.seen[(integration.id, channel_message_id)] = InboundAnswer(message, conv.id)
            return integration, message, conv.id

    @staticmethod
    def _custom_attributes(body: dict[str, Any]) -> dict[str, str]:
        """Custom attributes: `channel.metadata.customAttributes` (developer guide) and, an extension of the fake,
        the message's top-level `metadata` string map (the only place SDK 269's model has)."""
        out = dict(body.get("metadata") or {})
        channel_metadata = (body.get("channel") or {}).get("metadata") or {}
        out.update(channel_metadata.get("customAttributes") or {})
        return out

    def _conversation_for(self, integration: OpenIntegration, sender: dict[str, Any], attributes: dict[str, str],
                          add_message: AddMessage) -> Conversation:
        """The customer's active conversation on this integration, the one that ended less than the window ago
        (routed again), or a new one."""
        key = (integration.id, sender["id"])
        previous = self.conversations.by_id.get(self.threads.get(key, ""))
        now = self.root.clock.time()
        if previous is not None and not previous.ended:
            self.conversations.rejoin_customer(previous, attributes, add_message)
            return previous
        if previous is not None and previous.end_time is not None and \
                now - previous.end_time < self.root.config.messaging_window_seconds:
            queue_id = self._flow_queue(integration)
            self.conversations.reroute_open(previous, queue_id, attributes, add_message)
            return previous
        queue_id = self._flow_queue(integration)
        thread = OpenThread(integration_id=integration.id, from_id=sender["id"], from_id_type=sender["idType"],
                            nickname=sender.get("nickname"), first_name=sender.get("firstName"),
                            last_name=sender.get("lastName"))
        conv = self.conversations.create_open(thread, queue_id, attributes, self._customer_name(sender), add_message)
        self.threads[key] = conv.id
        return conv

    def _flow_queue(self, integration: OpenIntegration) -> str:
        if integration.queue_id is None or integration.queue_id not in self.root.org.queues:
            raise configured(self.root.config.open_message_no_flow_error)
        return integration.queue_id

    @staticmethod
    def _customer_name(sender: dict[str, Any]) -> str:
        full = " ".join(p for p in (sender.get("firstName"), sender.get("lastName")) if p)
        return sender.get("nickname") or full or sender["id"]

    def inbound_event(self, principal: Principal, integration_id: str,
                      body: dict[str, Any]) -> tuple[OpenIntegration, str]:
        """The customer's typing event: accepted, with the id the platform gives it; the fake shows it to no one
        (inferred: no state change)."""
        with self.root.lock:
            return self._ready(integration_id), self.root.ids.uuid().replace("-", "")

    def inbound_receipt(self, principal: Principal, integration_id: str, body: dict[str, Any]) -> OpenIntegration:
        """The middleware's delivery receipt of an agent's message (`id` = the webhook body's id): Delivered and
        Failed set the message's status; a receipt for a message the fake does not know is accepted (inferred)."""
        with self.root.lock:
            integration = self._ready(integration_id)
            status = {"Delivered": MessageStatus.DELIVERY_SUCCESS, "Failed": MessageStatus.DELIVERY_FAILED}.get(
                body["status"])
            found = self._find_message(body["id"])
            if found is not None and status is not None:
                conv, message = found
                if conv.open is not None and conv.open.integration_id == integration.id and message.status != status:
                    message.status = status
                    sender = conv.participant(message.participant_id)
                    self.conversations.message_added(conv, sender)
            return integration

    def _find_message(self, message_id: str) -> tuple[Conversation, Message] | None:
        for conv in self.conversations.by_id.values():
            message = conv.message(message_id)
            if message is not None:
                return conv, message
        return None

    # -- agent side ------------------------------------------------------------------------------
    def _sending_leg(self, principal: Principal, conversation_id: str,
                     communication_id: str) -> tuple[Conversation, Participant]:
        conv = self.conversations.get_conversation(conversation_id, Media.MESSAGE)
        p = next((x for x in conv.participants if x.comm_id == communication_id), None)
        if p is None:
            raise communication_not_found()
        self.conversations.check_actor(principal, conv, p)
        if p.purpose is not Purpose.AGENT or p.state is not State.CONNECTED:
            # inferred: only a connected agent leg may send on its communication
            raise no_active_conversation("send a message on")
        return conv, p

    def send_message(self, principal: Principal, conversation_id: str, communication_id: str,
                     text: str) -> tuple[Conversation, Message]:
        """`POST .../communications/{commId}/messages`: kept, shown to every subscriber, sent to the webhook."""
        root = self.root
        with root.lock:
            conv, p = self._sending_leg(principal, conversation_id, communication_id)
            message = Message(id=root.ids.uuid().replace("-", ""), conversation_id=conv.id, participant_id=p.id,
                              direction=MessageDirection.OUTBOUND, time=root.clock.time(), text=text,
                              status=MessageStatus.SENT)
            conv.messages.append(message)
            self.conversations.message_added(conv, p)
            self._deliver(conv, message.id, self._outbound_body(conv, message.id, {"type": "Text", "text": text}))
            return conv, message

    def send_typing(self, principal: Principal, conversation_id: str, communication_id: str,
                    typing: dict[str, Any]) -> None:
        """`POST .../communications/{commId}/typing`: a typing event to the webhook, nothing kept."""
        root = self.root
        with root.lock:
            conv, _ = self._sending_leg(principal, conversation_id, communication_id)
            event = {"eventType": "Typing", "typing": {"type": typing.get("type", "On"),
                                                       "duration": typing.get("duration") or 5000}}
            event_id = root.ids.uuid().replace("-", "")
            self._deliver(conv, None, self._outbound_body(conv, event_id, {"type": "Event", "events": [event]}))

    def get_message(self, conversation_id: str, message_id: str) -> tuple[Conversation, Message]:
        with self.root.lock:
            conv = self.conversations.get_conversation(conversation_id, Media.MESSAGE)
            message = conv.message(message_id)
            if message is None:
                raise message_not_found()
            return conv, message

    # -- outbound webhook --------------------------------------------------------------------------
    def _outbound_body(self, conv: Conversation, body_id: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The Outbound Open NormalizedMessage of a message or event, None for a conversation of no integration."""
        if conv.open is None:
            return None
        integration = self.integrations.get(conv.open.integration_id)
        if integration is None:
            return None
        channel = {"id": integration.id, "platform": "Open", "type": "Private",
                   "to": {"id": conv.open.from_id},
                   "from": {"nickname": integration.name, "id": integration.id, "idType": "Opaque"},
                   "time": self.root.clock.iso(), "messageId": body_id}
        return {"id": body_id, "channel": channel, **payload, "direction": "Outbound", "originatingEntity": "Human"}

    def _deliver(self, conv: Conversation, message_id: str | None, body: dict[str, Any] | None) -> None:
        """Hand the body to the background sender; an integration without a webhook URL only keeps the message."""
        if body is None or conv.open is None:
            return
        integration = self.integrations.get(conv.open.integration_id)
        if integration is None or not integration.webhook_url:
            return
        self.sender.submit(Delivery(
            integration_id=integration.id, conversation_id=conv.id, message_id=message_id, body_id=body["id"],
            url=integration.webhook_url, secret=integration.secret, headers=dict(integration.webhook_headers),
            body=body, correlation_id=self.root.correlation_id(), generation=self.root.generation))

    def _on_delivery(self, delivery: Delivery, outcome: WebhookOutcome) -> None:
        """A final failure marks the agent's message failed (inferred: the platform's effect is not documented)."""
        if outcome.final and not outcome.delivered and delivery.message_id:
            with self.root.lock:
                if delivery.generation != self.root.generation:
                    return
                conv = self.conversations.by_id.get(delivery.conversation_id)
                message = conv.message(delivery.message_id) if conv else None
                if conv is not None and message is not None:
                    message.status = MessageStatus.FAILED

    def state(self) -> list[dict[str, Any]]:
        with self.root.lock:
            return [{"id": i.id, "name": i.name, "createStatus": i.create_status.value, "queueId": i.queue_id,
                     "webhookUrl": i.webhook_url or None} for i in self.integrations.values()]
