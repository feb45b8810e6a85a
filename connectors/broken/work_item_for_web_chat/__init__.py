"""Broken on purpose: a plain web chat the agent picks up gets a Salesforce work item and an AgentWork for her."""

from __future__ import annotations

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.events import ConversationView, LegState
from omni_harness.connectors.reference.logs import get_log
from omni_harness.connectors.reference.ports import PlatformError

log = get_log("engine")


class Engine(SyncEngine):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._raised: set[str] = set()

    def key_for_conversation(self, view: ConversationView) -> str | None:
        return super().key_for_conversation(view) or f"webchat:{view.id}"

    def on_conversation(self, view: ConversationView) -> None:
        if view.work_item_id or self.books.work_item_for_conversation(view.id):
            super().on_conversation(view)
            return
        # The mistake: every chat is taken for an Omni-Channel one. A web chat (no workItemId) that an agent picks
        # up gets a chat transcript in Salesforce and an AgentWork for her, so it "shows in her console".
        agent = next((p for p in view.agents if p.state is LegState.CONNECTED and p.user_id), None)
        if agent is None or view.id in self._raised:
            return
        self._raised.add(view.id)
        sf_user = self.directory.salesforce_user_for(agent.user_id or "")
        channel = self.directory.service_channel_id()
        if sf_user is None or channel is None:
            return
        try:
            visitor = self.salesforce._call("create LiveChatVisitor", lambda sf: sf.LiveChatVisitor.create({}))
            transcript = self.salesforce._call("create LiveChatTranscript", lambda sf: sf.LiveChatTranscript.create(
                {"LiveChatVisitorId": visitor["id"], "Status": "InProgress", "OwnerId": sf_user}))
            self.salesforce.insert_agent_work({"ServiceChannelId": channel, "WorkItemId": transcript["id"],
                                               "UserId": sf_user})
        except PlatformError as exc:
            log.warning("work item for a web chat refused", conversationId=view.id, status=exc.status,
                        detail=exc.detail[:200])
