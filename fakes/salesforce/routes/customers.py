"""Customer actions on the control API (`/_fake/customers/`): open a chat in a queue, send a message, leave."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.routes import Api, reply
from ..views import customers as view
from .parse import control_body, control_text

if TYPE_CHECKING:
    from ..model.fake import SalesforceFake

PREFIX = "/_fake/customers"


def build(fake: SalesforceFake) -> Api:
    api = Api("salesforce_customers")

    @api.route("POST", f"{PREFIX}/chats", request="customer-chat-request", response="customer-chat-created",
               status=201, error="control-error")
    def open_chat():
        body = control_body()
        queue = control_text(body, "queue", True)
        name = control_text(body, "customerName", False) or "Customer"
        text = control_text(body, "text", False)
        return reply(fake.customers.open_chat(queue, name, text), 201)

    @api.route("GET", f"{PREFIX}/chats/<work_item_id>", response="customer-chat", error="control-error")
    def chat(work_item_id: str):
        return reply(view.chat(fake.customers.chat(work_item_id)))

    @api.route("POST", f"{PREFIX}/chats/<work_item_id>/messages", request="customer-message-request",
               response="customer-message-answer", status=201, error="control-error")
    def message(work_item_id: str):
        body = control_body()
        return reply(fake.customers.send_message(work_item_id, control_text(body, "text", True)), 201)

    @api.route("POST", f"{PREFIX}/chats/<work_item_id>/leave", response="customer-leave-answer",
               error="control-error")
    def leave(work_item_id: str):
        control_body()
        return reply(fake.customers.leave(work_item_id))

    return api
