"""Broken on purpose: on Pick Up the connector connects the agent's leg itself, answering in the client for her."""

from __future__ import annotations

import PureCloudPlatformClientV2 as gc

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.logs import get_log
from omni_harness.connectors.reference.ports import PlatformError
from omni_harness.connectors.reference.store import LegRecord, WorkItemRecord

log = get_log("engine")


class Engine(SyncEngine):
    def _leg_connected(self, rec: WorkItemRecord, leg: LegRecord) -> None:
        # The mistake: to "make sure" the chat is up before it opens the work item, the connector answers the
        # agent's leg with its own credentials: the client's answer is the agent's to give, never the connector's.
        body = gc.MediaParticipantRequest()
        body.state = "connected"
        try:
            self.genesys.call("connect participant", lambda: self.genesys.conversations.patch_conversations_chat_participant(
                leg.conversation_id, leg.participant_id, body))
        except PlatformError as exc:
            log.warning("connect refused", participantId=leg.participant_id, status=exc.status)
        super()._leg_connected(rec, leg)
