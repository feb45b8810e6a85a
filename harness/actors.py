"""The people in a scenario, each acting over HTTP: the customer, and every agent's Genesys client and Salesforce console."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .control import FakeControl
from .directory import Directory, Person
from .genesys import GenesysApi
from .http import Response
from .media import Medium
from .salesforce import SalesforceApi, decode_works

ACTIVE = ("alerting", "connected")


@dataclass
class CustomerChat:
    """A conversation a customer opened in Salesforce: its work item (the LiveChatTranscript, or the
    MessagingSession on messaging) and routing request."""

    label: str
    queue: str
    work_item_id: str
    routing_request_id: str | None
    customer_name: str
    left: bool = False
    medium: Medium = Medium.CHAT
    end_user_id: str | None = None  # messaging: the MessagingEndUser, the same when the customer comes back


class Customer:
    """The customer on the website: starts a chat or an Enhanced Chat session in a Salesforce queue, writes,
    leaves, comes back (Salesforce control API)."""

    def __init__(self, control: FakeControl, name: str = "Pat Customer", medium: Medium = Medium.CHAT) -> None:
        self.control = control
        self.name = name
        self.medium = medium

    def start_chat(self, label: str, queue: str, text: str = "Hello, I need help with my order.") -> CustomerChat:
        body = self.control.customer_chat(queue, self.name, text, self.medium)
        return CustomerChat(label, queue, body["workItemId"], body.get("pendingServiceRoutingId"), self.name,
                            medium=self.medium, end_user_id=body.get("messagingEndUserId"))

    def say(self, chat: CustomerChat, text: str) -> None:
        self.control.customer_message(chat.work_item_id, text, chat.medium)

    def leave(self, chat: CustomerChat) -> None:
        if not chat.left:
            self.control.customer_leave(chat.work_item_id, chat.medium)
            chat.left = True

    def come_back(self, chat: CustomerChat, label: str, text: str = "Hello again, one more question.") -> CustomerChat:
        """Messaging: the customer writes again after the session ended; a new session of the same end user."""
        body = self.control.customer_return(chat.work_item_id, text)
        return CustomerChat(label, chat.queue, body["workItemId"], body.get("pendingServiceRoutingId"), self.name,
                            medium=chat.medium, end_user_id=body.get("messagingEndUserId") or chat.end_user_id)


def work_item_of(conversation: dict[str, Any]) -> str | None:
    """The Salesforce work item a Genesys interaction carries (customer participant attribute `workItemId`)."""
    for p in conversation.get("participants", []):
        if p.get("purpose") == "customer":
            return (p.get("attributes") or {}).get("workItemId")
    return None


def same_sf_id(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and a[:15] == b[:15]


class AgentClient:
    """An agent's Genesys Cloud client, with the agent's own user token."""

    def __init__(self, person: Person, api: GenesysApi, directory: Directory, medium: Medium = Medium.CHAT) -> None:
        self.person = person
        self.api = api
        self.directory = directory
        self.medium = medium
        self.collection = medium.genesys_collection

    @property
    def user_id(self) -> str:
        return self.person.genesys_user_id

    # -- presence ----------------------------------------------------------------------------------
    def set_presence(self, system_presence: str) -> None:
        self.api.set_presence(self.user_id, self.directory.presence_id(system_presence))

    def presence(self) -> str:
        return (self.api.presence(self.user_id).get("presenceDefinition") or {}).get("systemPresence", "")

    def routing_status(self) -> str:
        return self.api.routing_status(self.user_id)

    # -- conversations -----------------------------------------------------------------------------
    def chats(self) -> list[dict[str, Any]]:
        """The agent's interactions of the scenario's medium, as the client lists them."""
        return self.api.my_chats(self.collection)

    def conversation(self, conversation_id: str) -> dict[str, Any]:
        return self.api.chat(conversation_id, self.collection)

    def my_participant(self, conversation: dict[str, Any]) -> dict[str, Any] | None:
        """The agent's latest leg on the conversation (a missed alert leaves an older one behind)."""
        mine = [p for p in conversation.get("participants", [])
                if p.get("purpose") == "agent" and (p.get("user") or {}).get("id") == self.user_id]
        return mine[-1] if mine else None

    def pick_up(self, conversation_id: str, participant_id: str) -> None:
        self.api.patch_participant(conversation_id, participant_id, {"state": "connected"},
                                   collection=self.collection)

    def disconnect(self, conversation_id: str, participant_id: str) -> None:
        self.api.patch_participant(conversation_id, participant_id, {"state": "disconnected"},
                                   collection=self.collection)

    def decline(self, conversation_id: str, participant_id: str) -> None:
        """Decline an alert: the client disconnects the alerting leg."""
        self.api.patch_participant(conversation_id, participant_id, {"state": "disconnected"},
                                   collection=self.collection)

    def wrapup_codes(self, conversation_id: str, participant_id: str) -> list[dict[str, Any]]:
        return self.api.participant_wrapup_codes(conversation_id, participant_id, self.collection)

    def wrap_up(self, conversation_id: str, participant_id: str, code_id: str, notes: str = "") -> Response:
        """Select a code and click Done; answered as is so a refusal can be examined."""
        return self.api.patch_participant(conversation_id, participant_id,
                                          {"wrapup": {"code": code_id, "notes": notes}}, expect_error=True,
                                          collection=self.collection)

    def wrapup(self, conversation_id: str, participant_id: str) -> dict[str, Any] | None:
        return self.api.participant_wrapup(conversation_id, participant_id, self.collection)

    def try_transfer(self, conversation_id: str, participant_id: str, body: dict[str, Any]) -> Response:
        return self.api.replace(conversation_id, participant_id, body, self.collection)


class AgentConsole:
    """An agent's Salesforce console (Omni-Channel widget and chat tabs), with the agent's own session."""

    def __init__(self, person: Person, api: SalesforceApi) -> None:
        self.person = person
        self.api = api

    @property
    def user_id(self) -> str:
        return self.person.salesforce_user_id

    def call(self, method: str, args: dict[str, Any] | None = None, expect_error: bool = False) -> Response:
        return self.api.console(self.user_id, method, args, expect_error=expect_error)

    def works(self) -> list[dict[str, Any]]:
        return decode_works(self.call("getAgentWorks").body)

    def work_for(self, work_item_id: str) -> dict[str, Any] | None:
        return next((w for w in self.works() if same_sf_id(w.get("workItemId"), work_item_id)), None)

    def status(self) -> dict[str, Any] | None:
        """`getServicePresenceStatusId`; None when the agent is logged out of Omni-Channel."""
        resp = self.call("getServicePresenceStatusId", expect_error=True)
        if resp.status >= 300 or not isinstance(resp.body, dict) or not resp.body.get("statusId"):
            return None
        return resp.body

    def close_tab(self, work_id: str) -> Response:
        return self.call("closeTab", {"workId": work_id})

    def end_chat(self, work_item_id: str) -> Response:
        return self.call("endChat", {"workItemId": work_item_id})

    def transfer_to_user(self, work_item_id: str, user_id: str) -> Response:
        return self.call("transferChat", {"workItemId": work_item_id, "toUserId": user_id})

    def transfer_to_queue(self, work_item_id: str, queue: str) -> Response:
        return self.call("transferChat", {"workItemId": work_item_id, "toQueue": queue})

    def close_work(self, work_id: str) -> Response:
        return self.call("closeAgentWork", {"workId": work_id}, expect_error=True)

    def logout(self) -> Response:
        return self.call("logout", expect_error=True)


@dataclass
class Agent:
    """A scenario's agent: the role name the feature uses ("Alice"), the seeded person, their two screens."""

    role: str
    person: Person
    client: AgentClient
    console: AgentConsole

    @property
    def label(self) -> str:
        return f"{self.role} ({self.person.name})"

    def __str__(self) -> str:
        return self.label
