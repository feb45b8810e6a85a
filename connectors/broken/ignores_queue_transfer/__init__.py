"""Broken on purpose: a transfer to a queue in Salesforce is taken for a duplicate routing request and ignored."""

from __future__ import annotations

from typing import Any

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.logs import get_log
from omni_harness.connectors.reference.store import WorkItemRecord

log = get_log("engine")


class Engine(SyncEngine):
    def _transfer_to_queue(self, rec: WorkItemRecord, genesys_queue: str, fields: dict[str, Any]) -> None:
        # The mistake: a routing request for a chat that is already up in Genesys Cloud is taken for a
        # duplicate, so the chat never moves to the new queue.
        log.info("routing request for a chat already in Genesys", workItemId=rec.work_item_id)
