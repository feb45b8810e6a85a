"""Open Messaging: what the connector sends Genesys Cloud to raise a Salesforce messaging session as an interaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .config import CHAT, MESSAGING

MESSAGING_SESSION_PREFIX = "0Mw"  # key prefix of MessagingSession ids
ENDED_BY_END_USER = "EndUser"  # MessagingSession.EndedByType when the customer left


def media_of_work_item(work_item_id: str) -> str:
    """A work item's medium from its key prefix: a MessagingSession is messaging, anything else (a chat
    transcript) is chat."""
    return MESSAGING if work_item_id.startswith(MESSAGING_SESSION_PREFIX) else CHAT


def inbound_text(session: dict[str, Any]) -> str:
    # inferred: the routing step carries no transcript (the conversation stays in Salesforce), so the message
    # that raises the interaction names the session rather than repeating what the customer wrote.
    return f"Salesforce messaging session {session.get('Name') or session.get('Id')}"


def open_message_body(end_user_id: str, nickname: str | None, message_id: str, work_item_id: str, text: str,
                      now: datetime | None = None) -> dict[str, Any]:
    """The inbound open message that raises a messaging interaction (DESIGN §4.7).

    A plain dict on purpose: Genesys documents custom attributes at `channel.metadata.customAttributes`, but the
    SDK's `ConversationChannelMetadata` knows only `subType`, so a model would silently drop them. The work item
    id is given in the top-level `metadata` map as well (`# inferred:` that Genesys reads custom attributes
    there too; the fake does).
    """
    sender: dict[str, Any] = {"id": end_user_id, "idType": "Opaque"}
    if nickname:
        sender["nickname"] = nickname
    stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "channel": {"from": sender, "time": stamp, "messageId": message_id,
                    "metadata": {"customAttributes": {"workItemId": work_item_id}}},
        "text": text,
        "metadata": {"workItemId": work_item_id},
    }
