"""Broken on purpose: mirrors a transfer to an agent as an unattended Genesys Cloud transfer."""

from __future__ import annotations

import PureCloudPlatformClientV2 as gc

from omni_harness.connectors.reference.genesys_rest import GenesysRest


class Genesys(GenesysRest):
    def transfer_to_agent(self, conversation_id: str, participant_id: str, user_id: str) -> None:
        body = gc.TransferToAgentRequest()
        body.user_id = user_id
        # The mistake: no transferType, so Genesys Cloud's default (Unattended) ends the sender's leg at once,
        # before the receiver accepts; a declined or missed transfer then leaves nobody with the chat.
        self.call("transfer to agent", lambda: self.conversations.post_conversation_participant_replace_agent(
            conversation_id, participant_id, body))
