"""Customer action answers on the control API (`/_fake/customers/`)."""

from __future__ import annotations

from typing import Any

from ..model.customers import Chat


def _lines(found: Chat) -> list[dict[str, Any]]:
    return [{"from": x.sender, "text": x.text, "at": x.at, "userId": x.user_id} for x in found.lines]


def chat(found: Chat) -> dict[str, Any]:
    return {"workItemId": found.item["Id"], "status": found.item["Status"], "customerName": found.customer_name,
            "messages": _lines(found)}


def messaging(found: Chat) -> dict[str, Any]:
    return {"workItemId": found.item["Id"], "status": found.item["Status"],
            "messagingEndUserId": found.item["MessagingEndUserId"], "customerName": found.customer_name,
            "messages": _lines(found)}
