"""Bayeux (CometD) replies: each echoes its message's channel and id and says whether it succeeded."""

from __future__ import annotations

from typing import Any


def reply(message: dict[str, Any], error: str | None = None, advice: dict[str, Any] | None = None,
          **fields: Any) -> dict[str, Any]:
    """A reply echoing the message's channel and id, with `successful`."""
    out: dict[str, Any] = {}
    if isinstance(message.get("channel"), str):
        out["channel"] = message["channel"]
    if "id" in message:
        out["id"] = message["id"]
    out.update(fields)
    if advice is not None:
        out["advice"] = advice
    if error is not None:
        out["error"] = error
        out["successful"] = False
    else:
        out.setdefault("successful", True)
    return out


def batch_refused(messages: Any, error: str) -> list[dict[str, Any]]:
    """One failed reply per message of a batch that is refused as a whole."""
    items = messages if isinstance(messages, list) else [messages]
    out = []
    for message in items:
        one: dict[str, Any] = {}
        if isinstance(message, dict):
            if isinstance(message.get("channel"), str):
                one["channel"] = message["channel"]
            if "id" in message:
                one["id"] = message["id"]
        one.update({"error": error, "successful": False})
        out.append(one)
    return out or [{"error": error, "successful": False}]
