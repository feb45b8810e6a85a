"""Customer actions on the control API (`/_fake/customers/`): open a chat in a queue, send a message, leave."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import Blueprint, jsonify, request

from fakes.core.errors import ControlError

if TYPE_CHECKING:
    from .models import SalesforceFake


def _body() -> dict[str, Any]:
    data = request.get_data(cache=True)
    if not data.strip():
        return {}
    try:
        body = json.loads(data)
    except ValueError as exc:
        raise ControlError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


def _text(body: dict[str, Any], name: str, required: bool) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ControlError(f"{name} must be a non-empty string")
    return value


def make_customers_blueprint(fake: SalesforceFake) -> Blueprint:
    bp = Blueprint("salesforce_customers", __name__)
    omni = fake.omni

    @bp.post("/chats")
    def open_chat():
        body = _body()
        queue = _text(body, "queue", True)
        name = _text(body, "customerName", False) or "Customer"
        text = _text(body, "text", False)
        return jsonify(omni.customer_chat(queue, name, text)), 201

    @bp.get("/chats/<work_item_id>")
    def chat(work_item_id: str):
        with fake.lock:
            item = omni._customer_chat_item(work_item_id)
            lines = omni.transcripts.get(item["Id"], [])
            return jsonify({"workItemId": item["Id"], "status": item["Status"],
                            "customerName": omni.customers.get(item["Id"]),
                            "messages": [{"from": x.sender, "text": x.text, "at": x.at, "userId": x.user_id}
                                         for x in lines]})

    @bp.post("/chats/<work_item_id>/messages")
    def message(work_item_id: str):
        body = _body()
        return jsonify(omni.customer_message(work_item_id, _text(body, "text", True))), 201

    @bp.post("/chats/<work_item_id>/leave")
    def leave(work_item_id: str):
        _body()
        return jsonify(omni.customer_leave(work_item_id))

    return bp
