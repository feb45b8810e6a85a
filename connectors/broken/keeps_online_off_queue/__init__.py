"""Broken on purpose: a presence the sync settings map to null leaves Omni-Channel Online instead of logging out."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.events import PresenceChange


class Engine(SyncEngine):
    def on_presence(self, change: PresenceChange) -> None:
        if self.settings.presence.get(change.system_presence, "") is None:
            # The mistake: `null` in the sync settings read as "leave Omni-Channel alone" instead of "log out",
            # so an agent who leaves On Queue stays Online (and keeps being offered work) in Salesforce.
            self._remember_presence(change.user_id, change.system_presence, change.modified)
            return
        super().on_presence(change)
