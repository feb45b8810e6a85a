"""Broken on purpose: the AgentWork is inserted as soon as the chat alerts in the client, not on Pick Up."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.store import LegRecord, TransferState, WorkItemRecord


class Engine(SyncEngine):
    def _leg_alerting(self, rec: WorkItemRecord, leg: LegRecord) -> None:
        super()._leg_alerting(rec, leg)
        t = rec.transfer
        if t and t.state is TransferState.REQUESTED and leg.genesys_user_id == t.receiver_genesys_user_id:
            return  # the receiver of a transfer already has the AgentWork Omni-Channel created
        sf_user = self.directory.salesforce_user_for(leg.genesys_user_id)
        if sf_user is None:
            return
        # The mistake: the work item is created on the alert, to "reserve" the agent; Pick Up then only accepts it.
        if self._existing_work(rec, leg, sf_user) is None:
            self._insert_work(rec, leg, sf_user)
