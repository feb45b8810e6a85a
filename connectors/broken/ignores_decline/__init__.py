"""Broken on purpose: a transfer the receiver declines or lets time out is never declined in Salesforce."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.store import TransferRecord, TransferState, WorkItemRecord


class Engine(SyncEngine):
    def _transfer_declined(self, rec: WorkItemRecord, t: TransferRecord, disconnect_type: str | None) -> None:
        # The mistake: the transfer ends in the books only; the receiver's AgentWork stays Assigned in Salesforce.
        self._end_transfer(rec, t, TransferState.DECLINED)
