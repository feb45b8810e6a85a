"""Open Messaging: integrations (`/conversations/messaging/integrations/open`), the middleware's inbound message,
event and receipt calls, and the agent's messages and typing events on a message conversation's communication.

The message conversation itself (participants, pick-up, wrap-up, transfer) is served by `routes.conversations`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.routes import Api, empty, reply
from ..views import messaging as views
from ..views import serialize
from .conversations import viewable
from .parse import authenticate, authorize, bool_arg, json_body, list_arg, paging

if TYPE_CHECKING:
    from ..model.conversations import Conversation
    from ..model.fake import GenesysFake

INTEGRATIONS = views.INTEGRATIONS_PATH
INBOUND = "/api/v2/conversations/messages/<integration_id>/inbound/open"
MESSAGES = "/api/v2/conversations/messages/<cid>"
# Integrations are admin calls and the inbound calls are the middleware's (the integration's token); an agent's own
# token makes none of them. inferred: the permission names of the inbound calls.
INTEGRATION_VIEW = ("messaging:integration:view",)
INTEGRATION_ADD = ("messaging:integration:add",)
INTEGRATION_EDIT = ("messaging:integration:edit",)
INTEGRATION_DELETE = ("messaging:integration:delete",)
MESSAGE_RECEIVE = ("conversation:message:receive",)


def _integration_routes(api: Api, fake: GenesysFake) -> None:
    @api.route("GET", INTEGRATIONS, response="open-integration-entity-listing", name="open_integrations")
    def list_integrations():
        authorize(fake, authenticate(fake), INTEGRATION_VIEW)
        number, size = paging(max_size=500)
        list_arg("expand")  # inferred: nothing to expand in the fake's integrations
        content_ids = set(list_arg("supportedContent.id"))
        setting_ids = set(list_arg("messagingSetting.id"))
        with fake.lock:
            found = [i for i in fake.messaging.list_integrations()
                     if (not content_ids or (i.supported_content or {}).get("id") in content_ids)
                     and (not setting_ids or (i.messaging_setting or {}).get("id") in setting_ids)]
            items = [views.integration(fake, i) for i in found]
        return reply(serialize.page(items, number, size, INTEGRATIONS,
                                    {"supportedContent.id": sorted(content_ids) or None,
                                     "messagingSetting.id": sorted(setting_ids) or None}))

    @api.route("POST", INTEGRATIONS, request="open-integration-request", response="open-integration",
               name="open_integrations")
    def create_integration():
        principal = authenticate(fake)
        authorize(fake, principal, INTEGRATION_ADD)
        body = json_body("open-integration-request")
        integration = fake.messaging.create_integration(principal, body)
        with fake.lock:
            return reply(views.integration(fake, integration))

    @api.route("GET", f"{INTEGRATIONS}/<integration_id>", response="open-integration", name="open_integration")
    def get_integration(integration_id: str):
        authorize(fake, authenticate(fake), INTEGRATION_VIEW)
        list_arg("expand")
        with fake.lock:
            return reply(views.integration(fake, fake.messaging.get_integration(integration_id)))

    @api.route("PATCH", f"{INTEGRATIONS}/<integration_id>", request="open-integration-update-request",
               response="open-integration", name="open_integration")
    def patch_integration(integration_id: str):
        principal = authenticate(fake)
        authorize(fake, principal, INTEGRATION_EDIT)
        body = json_body("open-integration-update-request")
        integration = fake.messaging.patch_integration(principal, integration_id, body)
        with fake.lock:
            return reply(views.integration(fake, integration))

    @api.route("DELETE", f"{INTEGRATIONS}/<integration_id>", status=204, name="open_integration")
    def delete_integration(integration_id: str):
        authorize(fake, authenticate(fake), INTEGRATION_DELETE)
        fake.messaging.delete_integration(integration_id)
        return empty(204)


def _inbound_routes(api: Api, fake: GenesysFake) -> None:
    @api.route("POST", f"{INBOUND}/message", request="open-inbound-message-request",
               response="open-message-normalized-message", name="inbound_open_message")
    def inbound_message(integration_id: str):
        principal = authenticate(fake)
        authorize(fake, principal, MESSAGE_RECEIVE)
        prefetch = bool_arg("prefetchConversationId", False)
        body = json_body("open-inbound-message-request")
        integration, message, conversation_id = fake.messaging.inbound_message(principal, integration_id, body)
        with fake.lock:
            return reply(views.inbound_message(fake, integration, message, body["channel"]["from"],
                                               conversation_id if prefetch else None))

    @api.route("POST", f"{INBOUND}/event", request="open-inbound-event-request",
               response="open-event-normalized-message", name="inbound_open_event")
    def inbound_event(integration_id: str):
        principal = authenticate(fake)
        authorize(fake, principal, MESSAGE_RECEIVE)
        body = json_body("open-inbound-event-request")
        integration, event_id = fake.messaging.inbound_event(principal, integration_id, body)
        with fake.lock:
            return reply(views.inbound_event(fake, integration, event_id, body))

    @api.route("POST", f"{INBOUND}/receipt", request="open-inbound-receipt-request",
               response="open-receipt-normalized-message", name="inbound_open_receipt")
    def inbound_receipt(integration_id: str):
        principal = authenticate(fake)
        authorize(fake, principal, MESSAGE_RECEIVE)
        body = json_body("open-inbound-receipt-request")
        integration = fake.messaging.inbound_receipt(principal, integration_id, body)
        with fake.lock:
            return reply(views.inbound_receipt(fake, integration, body))


def _agent_routes(api: Api, fake: GenesysFake) -> None:
    @api.route("POST", f"{MESSAGES}/communications/<comm_id>/messages", request="additional-message",
               response="message-data", name="messages_communication_messages")
    def send_message(cid: str, comm_id: str):
        principal = authenticate(fake)
        body = json_body("additional-message")
        conv, message = fake.messaging.send_message(principal, cid, comm_id, body["textBody"])
        with fake.lock:
            return reply(views.message_data(fake, conv, message, _integration_name(fake, conv)))

    @api.route("POST", f"{MESSAGES}/communications/<comm_id>/typing", request="message-typing-event-request",
               status=202, name="messages_communication_typing")
    def send_typing(cid: str, comm_id: str):
        principal = authenticate(fake)
        body = json_body("message-typing-event-request")
        fake.messaging.send_typing(principal, cid, comm_id, body["typing"])
        return empty(202)

    @api.route("GET", f"{MESSAGES}/messages/<message_id>", response="message-data", name="messages_message")
    def get_message(cid: str, message_id: str):
        principal = authenticate(fake)
        bool_arg("useNormalizedMessage", False)
        conv, message = fake.messaging.get_message(cid, message_id)
        with fake.lock:
            viewable(fake, principal, conv)
            return reply(views.message_data(fake, conv, message, _integration_name(fake, conv)))


def _integration_name(fake: GenesysFake, conv: Conversation) -> str | None:
    if conv.open is None:
        return None
    integration = fake.messaging.integrations.get(conv.open.integration_id)
    return integration.name if integration else None


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_messaging")
    _integration_routes(api, fake)
    _inbound_routes(api, fake)
    _agent_routes(api, fake)
    return api
