"""Customer actions on the control API (`/_fake/customers/`): a chat visitor or an Enhanced Chat end user opens a
conversation in a queue, sends a message, leaves; an end user comes back after the session ended."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.routes import Api
from ..model.omni import CHAT, MESSAGING
from ..views import customers as view
from .parse import control_body, control_reply, control_text

if TYPE_CHECKING:
    from ..model.fake import SalesforceFake

PREFIX = "/_fake/customers"


def build(fake: SalesforceFake) -> Api:
    api = Api("salesforce_customers")

    # -- Legacy Chat --------------------------------------------------------------------------------
    @api.route("POST", f"{PREFIX}/chats", request="customer-chat-request", response="customer-chat-created",
               status=201, error="control-error")
    def open_chat():
        body = control_body()
        queue = control_text(body, "queue", True)
        name = control_text(body, "customerName", False) or "Customer"
        text = control_text(body, "text", False)
        return control_reply(fake.customers.open_chat(queue, name, text), 201)

    @api.route("GET", f"{PREFIX}/chats/<work_item_id>", response="customer-chat", error="control-error")
    def chat(work_item_id: str):
        return control_reply(view.chat(fake.customers.chat(work_item_id, CHAT)))

    @api.route("POST", f"{PREFIX}/chats/<work_item_id>/messages", request="customer-message-request",
               response="customer-message-answer", status=201, error="control-error")
    def message(work_item_id: str):
        body = control_body()
        return control_reply(fake.customers.send_message(work_item_id, control_text(body, "text", True), CHAT), 201)

    @api.route("POST", f"{PREFIX}/chats/<work_item_id>/leave", response="customer-leave-answer",
               error="control-error")
    def leave(work_item_id: str):
        control_body()
        return control_reply(fake.customers.leave(work_item_id, CHAT))

    # -- Enhanced Chat (MessagingSession) -----------------------------------------------------------
    @api.route("POST", f"{PREFIX}/messaging", request="customer-messaging-request",
               response="customer-messaging-created", status=201, error="control-error")
    def open_messaging():
        body = control_body()
        queue = control_text(body, "queue", True)
        name = control_text(body, "customerName", False) or "Customer"
        text = control_text(body, "text", False)
        return control_reply(fake.customers.open_messaging(queue, name, text), 201)

    @api.route("GET", f"{PREFIX}/messaging/<work_item_id>", response="customer-messaging", error="control-error")
    def messaging_session(work_item_id: str):
        return control_reply(view.messaging(fake.customers.chat(work_item_id, MESSAGING)))

    @api.route("POST", f"{PREFIX}/messaging/<work_item_id>/messages", request="customer-message-request",
               response="customer-message-answer", status=201, error="control-error")
    def messaging_message(work_item_id: str):
        body = control_body()
        return control_reply(fake.customers.send_message(work_item_id, control_text(body, "text", True), MESSAGING), 201)

    @api.route("POST", f"{PREFIX}/messaging/<work_item_id>/leave", response="customer-messaging-leave-answer",
               error="control-error")
    def messaging_leave(work_item_id: str):
        control_body()
        return control_reply(fake.customers.leave(work_item_id, MESSAGING))

    @api.route("POST", f"{PREFIX}/messaging/<work_item_id>/return", request="customer-messaging-return-request",
               response="customer-messaging-returned", status=201, error="control-error")
    def messaging_return(work_item_id: str):
        body = control_body()
        return control_reply(fake.customers.come_back(work_item_id, control_text(body, "text", False)), 201)

    return api
