"""Broken on purpose: never shows in Genesys Cloud that the messaging customer left."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.events import ChangeEvent


class Engine(SyncEngine):
    def _on_messaging_session(self, event: ChangeEvent) -> None:
        # The mistake: the session's end by the customer is ignored. The agent's client keeps showing a customer
        # who is gone (the customer's leg stays connected) until the agent closes the tab.
        return
