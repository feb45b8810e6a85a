"""Broken on purpose: when the receiver of a transfer accepts in the client, their AgentWork is never accepted."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.store import LegRecord, TransferRecord, WorkItemRecord


class Engine(SyncEngine):
    def _accept_transfer(self, rec: WorkItemRecord, leg: LegRecord, t: TransferRecord) -> None:
        # The mistake: the connector only accepts AgentWork it inserted itself (Pick Up); the work Omni-Channel
        # created for the receiver of a transfer is noted and left Assigned.
        with self.books.edit(rec):
            t.receiver_participant_id = leg.participant_id
