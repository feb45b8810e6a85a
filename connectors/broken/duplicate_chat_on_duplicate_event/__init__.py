"""Broken on purpose: raises a Genesys Cloud interaction for every routing event, also a duplicated one."""

from __future__ import annotations

from typing import Any

from omni_harness.connectors.reference.engine import EXTERNAL_ROUTING, SyncEngine
from omni_harness.connectors.reference.ids import sf_id18


class Engine(SyncEngine):
    def route(self, psr_id: str, fields: dict[str, Any], verify: bool = True) -> None:
        if fields.get("IsTransfer") or fields.get("RoutingModel") not in (None, EXTERNAL_ROUTING):
            super().route(psr_id, fields, verify)
            return
        group_id = sf_id18(fields.get("GroupId") or fields.get("QueueId"))
        genesys_queue = self.directory.genesys_queue_for_group(group_id)
        wid = sf_id18(fields.get("WorkItemId"))
        if genesys_queue and wid:
            # The mistake: no look in the books for a chat already raised for this routing request, so an
            # event delivered twice raises the chat twice.
            self._create_conversation(wid, psr_id, group_id, genesys_queue, fields)
