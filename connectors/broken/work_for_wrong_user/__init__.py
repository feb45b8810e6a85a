"""Broken on purpose: the AgentWork goes to the first agent the chat was offered to, not to the one who picked it up."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.store import AgentWorkRecord, LegRecord, WorkItemRecord


class Engine(SyncEngine):
    def _insert_work(self, rec: WorkItemRecord, leg: LegRecord, sf_user: str) -> AgentWorkRecord | None:
        # The mistake: the agent is taken from the conversation's first agent leg instead of the leg that
        # connected. Right for a chat picked up at the first alert; wrong once the chat was offered to somebody
        # else before (a missed alert, a transfer to a queue).
        first = next(iter(rec.legs.values()), leg)
        user = self.directory.salesforce_user_for(first.genesys_user_id) or sf_user
        return super()._insert_work(rec, leg, user)
