"""Broken on purpose: disconnects the client as soon as the chat ends in Salesforce, while its window is still open."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.events import ChangeEvent, ChangeType

# The work item's end, per medium: a chat transcript Completed, a messaging session Ended.
ENDED = {"LiveChatTranscript": "Completed", "MessagingSession": "Ended"}


class Engine(SyncEngine):
    def key_for_change(self, event: ChangeEvent) -> str:
        if event.entity in ENDED:
            return f"wi:{event.record_id}"  # the transcript is the work item: same worker as the rest of the chat
        return super().key_for_change(event)

    def on_change(self, event: ChangeEvent) -> None:
        if event.entity in ENDED and event.change_type is ChangeType.UPDATE and \
                event.get("Status") == ENDED[event.entity]:
            # The mistake: the end of the chat is taken for the end of the interaction. The agent has not closed
            # the chat conversation window yet, and the seed article says the client must stay connected.
            rec = self.books.get(event.record_id)
            for work in list(rec.agent_works.values()) if rec is not None else []:
                if work.active:
                    self._disconnect_leg_of(rec, work, "chat ended in Salesforce")
            return
        super().on_change(event)
