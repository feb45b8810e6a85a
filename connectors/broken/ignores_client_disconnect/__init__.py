"""Broken on purpose: Disconnect in the client closes nothing in Salesforce."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.store import LegRecord, WorkItemRecord


class Engine(SyncEngine):
    def _leg_disconnected(self, rec: WorkItemRecord, leg: LegRecord, was_connected: bool) -> None:
        if was_connected:
            # The mistake: only an alert that ended unanswered (a declined transfer) is handled; an agent who
            # clicks Disconnect leaves the work item open in Salesforce.
            return
        super()._leg_disconnected(rec, leg, was_connected)
