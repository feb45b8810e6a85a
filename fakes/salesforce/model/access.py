"""Record access of an agent's session: what an agent profile may edit or delete of the Omni-Channel records.

The integration user (the connector's login) has the system permissions (Modify All Data); every other user's
session is an agent's, held to its own routing requests, work, presence and conversations.
"""

from __future__ import annotations

from typing import Any

from ..errors import insufficient_access_or_readonly
from .org import SalesforceOrg

# inferred (sharing): the objects whose records an agent profile may change only when they are the agent's own.
GUARDED = ("PendingServiceRouting", "AgentWork", "UserServicePresence", "LiveChatTranscript", "MessagingSession")
USER_PREFIX = "005"


class RecordAccess:
    """Which records a session's user may change (the caller holds the org's lock)."""

    def __init__(self, org: SalesforceOrg) -> None:
        self.org = org

    def is_agent(self, user_id: str) -> bool:
        return user_id != self.org.integration_user_id

    def check(self, sobject: str, record: dict[str, Any], user_id: str) -> None:
        """INSUFFICIENT_ACCESS_OR_READONLY when an agent's session updates or deletes another agent's record."""
        if not self.org.config.agent_record_access or not self.is_agent(user_id) or sobject not in GUARDED:
            return
        if not self._owns(sobject, record, user_id):
            raise insufficient_access_or_readonly(self.org.config.record_access_status)

    def _works(self, user_id: str, **match: Any) -> bool:
        return any(w["UserId"] == user_id for w in self.org.store.find("AgentWork", **match))

    def _owns(self, sobject: str, record: dict[str, Any], user_id: str) -> bool:
        if sobject in ("AgentWork", "UserServicePresence"):
            return record.get("UserId") == user_id
        if sobject == "PendingServiceRouting":
            # inferred: an agent profile manages no routing requests but those of work routed to it
            return record.get("PreferredUserId") == user_id or self._works(user_id, WorkItemId=record["WorkItemId"])
        # a conversation: the agent's own, one routed to it, or one still owned by a queue (queue members share it)
        owner = record.get("OwnerId") or ""
        if owner == user_id or self._works(user_id, WorkItemId=record["Id"]):
            return True
        return not owner.startswith(USER_PREFIX)
