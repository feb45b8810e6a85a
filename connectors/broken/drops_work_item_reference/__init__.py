"""Broken on purpose: raises the Genesys Cloud interaction without the workItemId attribute."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as gc

from omni_harness.connectors.reference.genesys_rest import PROVIDER, GenesysRest


class Genesys(GenesysRest):
    def create_chat(self, queue_id: str, work_item_id: str, customer_name: str | None = None) -> str:
        body = gc.CreateWebChatRequest()
        body.queue_id = queue_id
        body.provider = PROVIDER
        if customer_name:
            body.customer_name = customer_name
        # The mistake: the work item id is kept in the connector's books only. The interaction carries no
        # workItemId, so the agent's alert does not show the work item and Genesys Cloud takes it for a web chat.
        chat = self.call("create chat", lambda: self.conversations.post_conversations_chats(body))
        return chat.id

    def send_open_message(self, integration_id: str, body: dict[str, Any]) -> str:
        # The same mistake on messaging: the inbound open message carries no custom attribute.
        channel = {k: v for k, v in body["channel"].items() if k != "metadata"}
        return super().send_open_message(integration_id, {k: v for k, v in body.items() if k != "metadata"}
                                         | {"channel": channel})
