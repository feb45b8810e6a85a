"""Broken on purpose: on every Pick Up the AgentWork is inserted twice, concurrently."""

from __future__ import annotations

import threading
from typing import Any

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.logs import get_log
from omni_harness.connectors.reference.ports import PlatformError
from omni_harness.connectors.reference.store import AgentWorkRecord, LegRecord, WorkItemRecord

log = get_log("engine")


class Engine(SyncEngine):
    def _insert_work(self, rec: WorkItemRecord, leg: LegRecord, sf_user: str) -> AgentWorkRecord | None:
        fields: dict[str, Any] = {"ServiceChannelId": rec.service_channel_id or self.directory.service_channel_id(),
                                  "WorkItemId": rec.work_item_id, "UserId": sf_user}
        if rec.psr_id:
            fields["PendingServiceRoutingId"] = rec.psr_id
        # The mistake: the Pick Up is handled by two handlers (a retry that does not wait for the first answer),
        # each inserting the AgentWork; the platform refuses one of them, whichever comes second.
        twin = threading.Thread(target=self._insert_quietly, args=(fields,), daemon=True)
        twin.start()
        work = super()._insert_work(rec, leg, sf_user)
        twin.join()
        if work is None:
            # The twin won the race: its record is this Pick Up's work.
            with self.books.edit(rec):
                leg.insert_started = True
            work = self._existing_work(rec, leg, sf_user)
        return work

    def _insert_quietly(self, fields: dict[str, Any]) -> None:
        try:
            self.salesforce.insert_agent_work(dict(fields))
        except PlatformError as exc:
            log.warning("second agent work insert refused", workItemId=fields["WorkItemId"], status=exc.status)
