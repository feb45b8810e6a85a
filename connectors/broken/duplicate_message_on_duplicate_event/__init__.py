"""Broken on purpose: sends the customer's inbound message again for a duplicated routing event, as a new message."""

from __future__ import annotations

import uuid
from typing import Any

from omni_harness.connectors.reference.engine import EXTERNAL_ROUTING, SyncEngine
from omni_harness.connectors.reference.ids import sf_id18
from omni_harness.connectors.reference.store import WorkItemRecord


class Engine(SyncEngine):
    def route(self, psr_id: str, fields: dict[str, Any], verify: bool = True) -> None:
        if fields.get("IsTransfer") or fields.get("RoutingModel") not in (None, EXTERNAL_ROUTING):
            super().route(psr_id, fields, verify)
            return
        group_id = sf_id18(fields.get("GroupId") or fields.get("QueueId"))
        genesys_queue = self.directory.genesys_queue_for_group(group_id)
        wid = sf_id18(fields.get("WorkItemId"))
        if genesys_queue and wid:
            # First mistake: no look in the books for a routing request already raised.
            self._create_conversation(wid, psr_id, group_id, genesys_queue, fields)

    def _raise_message(self, rec: WorkItemRecord, psr_id: str, integration: str | None) -> None:
        # Second mistake: a fresh message id for every attempt, so Genesys Cloud cannot tell a repeat from a new
        # message (the routing request's id would have made the repeat the same message).
        super()._raise_message(rec, f"{psr_id}-{uuid.uuid4().hex[:8]}", integration)
