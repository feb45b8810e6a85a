"""Broken on purpose: never syncs presence, so going On Queue in the client leaves Omni-Channel as it was."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.events import PresenceChange


class Engine(SyncEngine):
    def on_presence(self, change: PresenceChange) -> None:
        # The mistake: the presence is written down in the books and never passed on to Omni-Channel.
        self._remember_presence(change.user_id, change.system_presence, change.modified)
