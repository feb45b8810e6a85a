"""Broken on purpose: the connector completes the agent's wrap-up itself as soon as her chat is disconnected."""

from __future__ import annotations

import PureCloudPlatformClientV2 as gc

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.logs import get_log
from omni_harness.connectors.reference.ports import PlatformError
from omni_harness.connectors.reference.store import LegRecord, WorkItemRecord

log = get_log("engine")


class Engine(SyncEngine):
    def _leg_disconnected(self, rec: WorkItemRecord, leg: LegRecord, was_connected: bool) -> None:
        super()._leg_disconnected(rec, leg, was_connected)
        if not was_connected:
            return
        # The mistake: the work item is closed, so the chat is "done": the connector applies the queue's first
        # wrap-up code to the agent's leg, and the wrap-up window never waits for her code and Done.
        conversations = self.genesys.conversations
        messaging = rec.media == "messaging"
        list_codes = (conversations.get_conversations_message_participant_wrapupcodes if messaging
                      else conversations.get_conversations_chat_participant_wrapupcodes)
        patch = (conversations.patch_conversations_message_participant if messaging
                 else conversations.patch_conversations_chat_participant)
        try:
            codes = self.genesys.call("wrap-up codes", lambda: list_codes(leg.conversation_id, leg.participant_id))
            if not codes:
                return
            body = gc.MediaParticipantRequest()
            body.wrapup = gc.WrapupInput()
            body.wrapup.code = codes[0].id
            body.wrapup.notes = "Closed in Salesforce"
            self.genesys.call("wrap up", lambda: patch(leg.conversation_id, leg.participant_id, body=body))
        except PlatformError as exc:
            log.warning("wrap-up refused", participantId=leg.participant_id, status=exc.status)
