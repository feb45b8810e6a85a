"""Customers on the control API: a chat visitor (Legacy Chat) or an Enhanced Chat end user opens a conversation in
a queue, writes, leaves; an end user comes back after the session ended (a new MessagingSession, same end user)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import control_bad_request, control_conflict, control_not_found
from .console import ConsoleBackend
from .omni import CHAT, MESSAGING, ChatLine, OmniState, Party, WorkItemKind, WorkStatus, transcript_body
from .org import SalesforceOrg
from .routing import RoutingBackend
from .store import Transaction, normalize_id, sf_datetime

# The Enhanced Chat (web) channel the seed creates; its end users and sessions are of this message type.
EMBEDDED_MESSAGING = "EmbeddedMessaging"
# inferred: the key prefix of Conversation (the Enhanced Chat conversation a session belongs to); the fake has no
# Conversation sObject, the id only ties the sessions of one end user's conversation together.
CONVERSATION_PREFIX = "0dw"


@dataclass(frozen=True)
class Chat:
    """A conversation as its customer sees it: the work item (LiveChatTranscript or MessagingSession), the
    customer's name and the lines written so far."""

    item: dict[str, Any]
    customer_name: str | None
    lines: list[ChatLine]


class CustomerBackend:
    """What a customer does; each method is one atomic operation under the org's lock."""

    def __init__(self, org: SalesforceOrg, omni: OmniState, routing: RoutingBackend, console: ConsoleBackend) -> None:
        self.org = org
        self.omni = omni
        self.routing = routing
        self.console = console

    # -- reading ------------------------------------------------------------------------------------
    def chat(self, work_item_id: Any, kind: WorkItemKind = CHAT) -> Chat:
        with self.org.lock:
            item = self.item(work_item_id, kind)
            return Chat(dict(item), self.omni.customers.get(item["Id"]), list(self.omni.transcripts.get(item["Id"], [])))

    def item(self, work_item_id: Any, kind: WorkItemKind = CHAT) -> dict[str, Any]:
        """The customer's work item of medium `kind` (the caller holds the lock); unknown ids are 404."""
        id18 = normalize_id(work_item_id)
        item = self.omni.store.get(id18) if id18 else None
        if item is None or self.omni.store.sobject_of(item["Id"]) != kind.sobject:
            raise control_not_found(f"no {kind.noun} {work_item_id!r}")
        self.omni.transcripts.setdefault(item["Id"], [])
        return item

    # -- opening ------------------------------------------------------------------------------------
    def _routed_queue(self, queue_key: Any, kind: WorkItemKind) -> tuple[dict[str, Any], dict[str, Any]]:
        """The queue (externally routed) and the medium's service channel (the caller holds the lock)."""
        queue = self.omni.queue(queue_key)
        if queue is None:
            raise control_not_found(f"no queue {queue_key!r}")
        config = self.omni.routing_config(queue)
        if config is None or config["RoutingModel"] != "ExternalRouting":
            raise control_bad_request(f"the queue {queue['DeveloperName']} doesn't use external routing")
        channel = self.omni.store.find_one("ServiceChannel", RelatedEntity=kind.sobject)
        if channel is None:
            raise control_conflict(f"the org has no {kind.noun} service channel")
        return queue, channel

    def _opened(self, item: dict[str, Any], queue: dict[str, Any], customer_name: str, text: str | None) -> None:
        self.omni.transcripts[item["Id"]] = []
        self.omni.customers[item["Id"]] = customer_name
        self.omni.entry_queues[item["Id"]] = queue["Id"]
        if text:
            self.omni.message(item["Id"], "customer", text)

    def open_chat(self, queue_key: Any, customer_name: str, text: str | None) -> dict[str, str]:
        """A customer opens a chat in a queue; the Omni-Channel flow raises the external routing request."""
        with self.org.lock:
            queue, channel = self._routed_queue(queue_key, CHAT)
            with self.org.transaction(None) as tx:
                visitor = tx.create("LiveChatVisitor", {"SessionKey": self.org.ids.uuid()})
                item = tx.create("LiveChatTranscript", {
                    "LiveChatVisitorId": visitor["Id"], "ChatKey": self.org.ids.uuid(),
                    "Status": CHAT.waiting, "RequestTime": sf_datetime(self.omni.now()),
                    "VisitorMessageCount": 0, "OperatorMessageCount": 0, "IsChatbotSession": False},
                    owner_id=queue["Id"])
                psr = self.routing.raise_routing(tx, item, channel["Id"], queue)
            self._opened(item, queue, customer_name, text)
            return {"workItemId": item["Id"], "pendingServiceRoutingId": psr["Id"]}

    def open_messaging(self, queue_key: Any, customer_name: str, text: str | None) -> dict[str, str]:
        """An Enhanced Chat customer writes first: a MessagingEndUser, a MessagingSession (New, then Waiting once the
        Omni-Channel flow routes it) and the external routing request."""
        with self.org.lock:
            queue, channel = self._routed_queue(queue_key, MESSAGING)
            messaging_channel = self._messaging_channel()
            with self.org.transaction(None) as tx:
                end_user = tx.create("MessagingEndUser", {
                    "Name": customer_name, "MessagingChannelId": messaging_channel["Id"],
                    "MessageType": EMBEDDED_MESSAGING, "MessagingPlatformKey": self.org.ids.uuid()})
                conversation_id = self.org.ids.sf_id(CONVERSATION_PREFIX)
                item, psr = self._new_session(tx, end_user, conversation_id, queue, channel)
            self._opened(item, queue, customer_name, text)
            return {"workItemId": item["Id"], "pendingServiceRoutingId": psr["Id"], "messagingEndUserId": end_user["Id"]}

    def _messaging_channel(self) -> dict[str, Any]:
        for channel in self.omni.store.all("MessagingChannel"):
            if channel["IsActive"] and channel["MessageType"] == EMBEDDED_MESSAGING:
                return channel
        raise control_conflict("the org has no active Enhanced Chat messaging channel")

    def _new_session(self, tx: Transaction, end_user: dict[str, Any], conversation_id: str, queue: dict[str, Any],
                     channel: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        item = tx.create("MessagingSession", {
            "MessagingEndUserId": end_user["Id"], "MessagingChannelId": end_user["MessagingChannelId"],
            "ConversationId": conversation_id, "Status": "New", "Origin": "InboundInitiated",
            "ChannelType": EMBEDDED_MESSAGING, "AgentType": "Agent", "StartTime": sf_datetime(self.omni.now()),
            "EndUserMessageCount": 0, "AgentMessageCount": 0}, owner_id=queue["Id"])
        # The Omni-Channel flow's Route Work action puts it in the queue (New -> Waiting), then the routing request.
        tx.update(item, {"Status": MESSAGING.waiting})
        return item, self.routing.raise_routing(tx, item, channel["Id"], queue)

    def come_back(self, work_item_id: Any, text: str | None) -> dict[str, str]:
        """The end user writes again after the session ended: a new session in the same conversation, routed to the
        queue the first one came in through."""
        with self.org.lock:
            previous = self.item(work_item_id, MESSAGING)
            end_user = self.omni.store.get(previous["MessagingEndUserId"])
            if end_user is None:
                raise control_conflict(f"the end user of {previous['Id']} no longer exists")
            open_sessions = [s["Id"] for s in self.omni.store.find("MessagingSession", MessagingEndUserId=end_user["Id"])
                             if not MESSAGING.is_finished(s)]
            if open_sessions:
                raise control_conflict(f"the messaging session {open_sessions[0]} of this end user hasn't ended")
            queue_id = self.omni.entry_queues.get(previous["Id"])
            queue, channel = self._routed_queue(queue_id or previous["OwnerId"], MESSAGING)
            with self.org.transaction(None) as tx:
                item, psr = self._new_session(tx, end_user, previous["ConversationId"], queue, channel)
            self._opened(item, queue, self.omni.customers.get(previous["Id"]) or end_user["Name"], text)
            return {"workItemId": item["Id"], "pendingServiceRoutingId": psr["Id"],
                    "messagingEndUserId": end_user["Id"], "previousWorkItemId": previous["Id"]}

    # -- talking and leaving ------------------------------------------------------------------------
    def send_message(self, work_item_id: Any, text: Any, kind: WorkItemKind = CHAT) -> dict[str, Any]:
        with self.org.lock:
            item = self.item(work_item_id, kind)
            if kind.is_finished(item):
                raise control_conflict(f"the {kind.noun} {item['Id']} has ended")
            if not isinstance(text, str) or not text:
                raise control_bad_request("text must be a non-empty string")
            self.omni.message(item["Id"], "customer", text)
            return {"workItemId": item["Id"], "messages": len(self.omni.transcripts[item["Id"]])}

    def leave(self, work_item_id: Any, kind: WorkItemKind = CHAT) -> dict[str, Any]:
        """The customer leaves: a conversation still waiting is abandoned (request deleted, pushed work canceled); one
        in progress ends, while the agent's work stays Opened and the tab open until the agent closes it."""
        with self.org.lock:
            item = self.item(work_item_id, kind)
            if kind.is_finished(item):
                raise control_conflict(f"the {kind.noun} {item['Id']} has already ended")
            now = sf_datetime(self.omni.now())
            with self.org.transaction(None) as tx:
                if kind.is_in_progress(item):
                    self.console.end_record(tx, item, Party.CUSTOMER)
                else:
                    last_agent = None
                    for work in self.omni.works_for_item(item["Id"]):
                        last_agent = work["UserId"]
                        if work["Status"] == WorkStatus.ASSIGNED:
                            self.omni.cancel_timer(work["Id"])
                            tx.update(work, {"Status": WorkStatus.CANCELED.value, "CancelDateTime": now})
                    psr = self.omni.live_routing(item["Id"])
                    if psr is not None:
                        tx.delete(psr)
                    tx.update(item, self._abandoned_values(kind, item, now, last_agent))
            return {"workItemId": item["Id"], "status": item["Status"]}

    def _abandoned_values(self, kind: WorkItemKind, item: dict[str, Any], now: str,
                          last_agent: str | None) -> dict[str, Any]:
        lines = self.omni.transcripts.get(item["Id"], [])
        customer_lines = sum(1 for x in lines if x.sender == "customer")
        values: dict[str, Any] = {"Status": kind.abandoned, "EndTime": now,
                                  kind.ended_by_field: kind.ended_by[Party.CUSTOMER]}
        if kind is CHAT:
            # Missed chats go to the last assigned agent, else the Automated Process user (reference §4).
            values.update({"Abandoned": self.omni.seconds_since(item["RequestTime"]),
                           "OwnerId": last_agent or self.org.automated_process_user_id,
                           "Body": transcript_body(lines), "VisitorMessageCount": customer_lines})
        else:
            # inferred: an unanswered session stays with its queue
            values["EndUserMessageCount"] = customer_lines
        return values
