"""Broken on purpose: inserts the AgentWork on Pick Up but never accepts it, so it never opens in the console."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.logs import get_log
from omni_harness.connectors.reference.store import AgentWorkRecord, WorkItemRecord

log = get_log("engine")


class Engine(SyncEngine):
    def _accept(self, rec: WorkItemRecord, work: AgentWorkRecord) -> bool:
        # The mistake: the connector assumes Omni-Channel opens an inserted AgentWork by itself; it never calls
        # acceptAgentWork, so the work stays Assigned and the chat never opens in the agent's console.
        log.info("agent work left for Omni-Channel to open", workItemId=rec.work_item_id, agentWorkId=work.id)
        return False
