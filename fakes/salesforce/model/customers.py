"""Chat visitors (the control API's customer actions): opening a chat in a queue, messages, leaving."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import control_bad_request, control_conflict, control_not_found
from .console import ConsoleBackend
from .omni import ENDED_CHAT, ChatLine, ChatStatus, EndedBy, OmniState, WorkStatus, transcript_body
from .org import SalesforceOrg
from .routing import RoutingBackend
from .store import normalize_id, sf_datetime


@dataclass(frozen=True)
class Chat:
    """A chat as its visitor sees it: the LiveChatTranscript, the visitor's name and the transcript lines."""

    item: dict[str, Any]
    customer_name: str | None
    lines: list[ChatLine]


class CustomerBackend:
    """What a chat visitor does; each method is one atomic operation under the org's lock."""

    def __init__(self, org: SalesforceOrg, omni: OmniState, routing: RoutingBackend, console: ConsoleBackend) -> None:
        self.org = org
        self.omni = omni
        self.routing = routing
        self.console = console

    def chat(self, work_item_id: Any) -> Chat:
        with self.org.lock:
            item = self.chat_item(work_item_id)
            return Chat(dict(item), self.omni.customers.get(item["Id"]), list(self.omni.transcripts.get(item["Id"], [])))

    def open_chat(self, queue_key: Any, customer_name: str, text: str | None) -> dict[str, str]:
        """A customer opens a chat in a queue; the Omni-Channel flow raises the external routing request."""
        with self.org.lock:
            queue = self.omni.queue(queue_key)
            if queue is None:
                raise control_not_found(f"no queue {queue_key!r}")
            config = self.omni.routing_config(queue)
            if config is None or config["RoutingModel"] != "ExternalRouting":
                raise control_bad_request(f"the queue {queue['DeveloperName']} doesn't use external routing")
            channel = self.omni.store.find_one("ServiceChannel", RelatedEntity="LiveChatTranscript")
            if channel is None:
                raise control_conflict("the org has no chat service channel")
            with self.org.transaction(None) as tx:
                visitor = tx.create("LiveChatVisitor", {"SessionKey": self.org.ids.uuid()})
                item = tx.create("LiveChatTranscript", {
                    "LiveChatVisitorId": visitor["Id"], "ChatKey": self.org.ids.uuid(),
                    "Status": ChatStatus.WAITING.value, "RequestTime": sf_datetime(self.omni.now()),
                    "VisitorMessageCount": 0, "OperatorMessageCount": 0, "IsChatbotSession": False},
                    owner_id=queue["Id"])
                psr = self.routing.raise_routing(tx, item, channel["Id"], queue)
            self.omni.transcripts[item["Id"]] = []
            self.omni.customers[item["Id"]] = customer_name
            if text:
                self.omni.message(item["Id"], "customer", text)
            return {"workItemId": item["Id"], "pendingServiceRoutingId": psr["Id"]}

    def send_message(self, work_item_id: Any, text: Any) -> dict[str, Any]:
        with self.org.lock:
            item = self.chat_item(work_item_id)
            if item["Status"] in ENDED_CHAT:
                raise control_conflict(f"the chat {item['Id']} has ended")
            if not isinstance(text, str) or not text:
                raise control_bad_request("text must be a non-empty string")
            self.omni.message(item["Id"], "customer", text)
            return {"workItemId": item["Id"], "messages": len(self.omni.transcripts[item["Id"]])}

    def leave(self, work_item_id: Any) -> dict[str, Any]:
        """The visitor leaves: a waiting chat is missed (request deleted, pushed work canceled); a chat in progress
        is completed, while the agent's work stays Opened and the tab open until the agent closes it."""
        with self.org.lock:
            item = self.chat_item(work_item_id)
            if item["Status"] in ENDED_CHAT:
                raise control_conflict(f"the chat {item['Id']} has already ended")
            now = sf_datetime(self.omni.now())
            with self.org.transaction(None) as tx:
                if item["Status"] == ChatStatus.IN_PROGRESS:
                    self.console.end_chat_record(tx, item, EndedBy.VISITOR)
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
                    lines = self.omni.transcripts.get(item["Id"], [])
                    # Missed chats go to the last assigned agent, else the Automated Process user (reference §4).
                    tx.update(item, {"Status": ChatStatus.MISSED.value, "EndTime": now, "EndedBy": EndedBy.VISITOR.value,
                                     "Abandoned": self.omni.seconds_since(item["RequestTime"]),
                                     "OwnerId": last_agent or self.org.automated_process_user_id,
                                     "Body": transcript_body(lines),
                                     "VisitorMessageCount": sum(1 for x in lines if x.sender == "customer")})
            return {"workItemId": item["Id"], "status": item["Status"]}

    def chat_item(self, work_item_id: Any) -> dict[str, Any]:
        id18 = normalize_id(work_item_id)
        item = self.omni.store.get(id18) if id18 else None
        if item is None or self.omni.store.sobject_of(item["Id"]) != "LiveChatTranscript":
            raise control_not_found(f"no chat {work_item_id!r}")
        self.omni.transcripts.setdefault(item["Id"], [])
        return item
