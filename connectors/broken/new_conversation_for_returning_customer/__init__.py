"""Broken on purpose: a messaging customer who comes back gets a new Genesys conversation, not the one they had."""

from __future__ import annotations

from typing import Any

from omni_harness.connectors.reference.genesys_rest import GenesysRest


class Genesys(GenesysRest):
    def send_open_message(self, integration_id: str, body: dict[str, Any]) -> str:
        # The mistake: the sender is the messaging session, not the customer (the MessagingEndUser). Each session
        # is a stranger to Genesys Cloud, so a customer who writes again starts a new conversation instead of
        # joining the one they had within the 72-hour window.
        work_item = ((body.get("metadata") or {}).get("workItemId")
                     or body["channel"]["metadata"]["customAttributes"]["workItemId"])
        body = {**body, "channel": {**body["channel"], "from": {**body["channel"]["from"], "id": work_item}}}
        return super().send_open_message(integration_id, body)
