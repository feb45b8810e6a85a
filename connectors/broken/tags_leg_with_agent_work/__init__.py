"""Broken on purpose: the agent's leg is tagged with the AgentWork id as `workItemId` once the work is accepted."""

from __future__ import annotations

import PureCloudPlatformClientV2 as gc

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.logs import get_log
from omni_harness.connectors.reference.ports import PlatformError
from omni_harness.connectors.reference.store import AgentWorkRecord, WorkItemRecord

log = get_log("engine")


class Engine(SyncEngine):
    def _accept(self, rec: WorkItemRecord, work: AgentWorkRecord) -> bool:
        accepted = super()._accept(rec, work)
        leg = rec.legs.get(work.participant_id or "")
        if not accepted or leg is None:
            return accepted
        # The mistake: the AgentWork is taken for the work item. Its id goes on the agent's leg as `workItemId`;
        # Genesys Cloud carries the sender's attributes to a transfer, so the receiver is alerted with the wrong
        # work item.
        body = gc.ParticipantAttributes()
        body.attributes = {"workItemId": work.id}
        try:
            self.genesys.call("tag participant", lambda: self.genesys.conversations.patch_conversations_chat_participant_attributes(
                leg.conversation_id, leg.participant_id, body))
        except PlatformError as exc:
            log.warning("tagging refused", participantId=leg.participant_id, status=exc.status)
        return accepted
