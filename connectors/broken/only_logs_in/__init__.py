"""Broken on purpose: presence sync only logs agents in and out; a change of status while logged in is dropped."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.events import PresenceChange


class Engine(SyncEngine):
    def on_presence(self, change: PresenceChange) -> None:
        with self.books.lock:
            previous = self.books.presence.get(change.user_id)
        mapping = self.settings.presence
        before, after = mapping.get(previous or ""), mapping.get(change.system_presence)
        if before is not None and after is not None and before != after:
            # The mistake: Omni-Channel is treated as logged in or out, nothing more, so an agent already logged
            # in (Away) who goes On Queue keeps her old status instead of becoming Online.
            self._remember_presence(change.user_id, change.system_presence, change.modified)
            return
        super().on_presence(change)
