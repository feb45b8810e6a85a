"""Broken on purpose: closing the work item in Salesforce leaves the chat connected in the client."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.store import AgentWorkStatus


class Engine(SyncEngine):
    def _agent_work_status(self, aw_id: str, status: AgentWorkStatus) -> None:
        rec = self.books.get(self.books.work_item_for_work(aw_id))
        work = rec.agent_works.get(aw_id) if rec is not None else None
        if status is AgentWorkStatus.CLOSED and work is not None and not work.close_requested:
            # The mistake: every Closed AgentWork is taken for the connector's own closeAgentWork, so a work
            # item the agent closes in Salesforce never disconnects the client.
            with self.books.edit(rec):
                work.close_requested = True
        super()._agent_work_status(aw_id, status)
