"""An agent (Genesys client + Salesforce console, with their own tokens) and a customer, for your own tests.

Every action is a call to the platforms' public APIs (the agent's own Genesys user token; the Salesforce
console bridge with the agent's console session) or to the Salesforce fake's customer actions, exactly the
calls a connector's test would make; nothing reaches into the fakes' memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..genesys import GenesysApi, normalise_presence
from ..http import ApiError, HttpClient, MintedToken
from ..salesforce import SalesforceApi, decode_works
from .platforms import GENESYS, SALESFORCE, Fakes

if TYPE_CHECKING:
    from omni_harness.fakes.core.seed import Person

ALERTING, CONNECTED, DISCONNECTED = "alerting", "connected", "disconnected"


def same_sf_id(a: str | None, b: str | None) -> bool:
    """Salesforce ids compare on their first 15 characters (the last 3 are a checksum)."""
    return bool(a) and bool(b) and a[:15] == b[:15]


def work_item_of(conversation: dict[str, Any]) -> str | None:
    """The Salesforce work item a Genesys interaction carries (customer participant attribute `workItemId`)."""
    for p in conversation.get("participants", []):
        if p.get("purpose") == "customer":
            return (p.get("attributes") or {}).get("workItemId")
    return None


class Agent:
    """One seeded person at their desk: the Genesys client (`go_on_queue`, `pick_up`, `disconnect`, `wrap_up`)
    and the Salesforce console (`set_omni_status`, `accept`, `close` ...), each with the agent's own token."""

    def __init__(self, fakes: Fakes, person: Person) -> None:
        self.fakes = fakes
        self.person = person
        g, s = fakes.control(GENESYS), fakes.control(SALESFORCE)
        self.genesys = GenesysApi(fakes.genesys_url, MintedToken(lambda: g.http.post("/_fake/tokens",
                                                                                      {"email": person.email})),
                                  fakes.verify)
        self._console_session: dict[str, Any] = {}

        def mint_console() -> dict[str, Any]:
            self._console_session = s.http.post("/_fake/tokens", {"email": person.email})
            return self._console_session

        self.salesforce = SalesforceApi(fakes.salesforce_url, MintedToken(mint_console), fakes.verify)
        self._genesys_user_id: str | None = None
        self._presence_ids: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"Agent({self.person.name} <{self.email}>)"

    @property
    def email(self) -> str:
        return self.person.email

    @property
    def name(self) -> str:
        return self.person.name

    @property
    def genesys_user_id(self) -> str:
        if self._genesys_user_id is None:
            self._genesys_user_id = self.genesys.get("/api/v2/users/me")["id"]  # as the client learns who it is
        return self._genesys_user_id

    @property
    def salesforce_user_id(self) -> str:
        if not self._console_session:
            self.salesforce.http.auth()  # type: ignore[misc]
        # The token response's identity URL ends with the User id, as Salesforce's does.
        return str(self._console_session["id"]).rsplit("/", 1)[-1]

    # -- the Genesys client: presence ----------------------------------------------------------------
    def set_presence(self, system_presence: str) -> None:
        """Pick a system presence in the client: "On Queue", "Available", "Away", "Break", "Offline" ..."""
        if not self._presence_ids:
            for d in self.genesys.presence_definitions():
                self._presence_ids.setdefault(normalise_presence(d.get("systemPresence")), d["id"])
        key = normalise_presence(system_presence)
        if key not in self._presence_ids:
            raise ValueError(f"Genesys has no system presence {system_presence!r} "
                             f"(it has {', '.join(sorted(self._presence_ids))})")
        self.genesys.set_presence(self.genesys_user_id, self._presence_ids[key])

    def go_on_queue(self) -> None:
        self.set_presence("ON_QUEUE")

    def go_off_queue(self) -> None:
        self.set_presence("AVAILABLE")

    def presence(self) -> str:
        """The system presence the client shows (`ON_QUEUE`, `AVAILABLE`, ...)."""
        return (self.genesys.presence(self.genesys_user_id).get("presenceDefinition") or {}).get("systemPresence", "")

    def routing_status(self) -> str:
        """`IDLE`, `INTERACTING`, `NOT_RESPONDING`, `OFF_QUEUE` ..."""
        return self.genesys.routing_status(self.genesys_user_id)

    # -- the Genesys client: interactions ------------------------------------------------------------------
    def chats(self) -> list[dict[str, Any]]:
        """The agent's chats, as the client lists them (`GET /api/v2/conversations/chats` with the user token)."""
        return self.genesys.my_chats()

    def my_leg(self, conversation: dict[str, Any]) -> dict[str, Any] | None:
        """The agent's latest participant on a conversation (a missed alert leaves an older one behind)."""
        mine = [p for p in conversation.get("participants", [])
                if p.get("purpose") == "agent" and (p.get("user") or {}).get("id") == self.genesys_user_id]
        return mine[-1] if mine else None

    def leg_state(self, conversation: dict[str, Any] | str) -> str | None:
        """The state of the agent's leg on a conversation, read again now (`alerting`, `connected`, `disconnected`)."""
        cid = conversation if isinstance(conversation, str) else conversation["id"]
        leg = self.my_leg(self.genesys.chat(cid))
        return leg.get("state") if leg else None

    def _with_leg(self, state: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        out = []
        for chat in self.chats():
            leg = self.my_leg(chat)
            if leg is not None and leg.get("state") == state:
                out.append((chat, leg))
        return out

    def alerting_chat(self) -> dict[str, Any] | None:
        """The chat alerting in the client, or None: a ready-made predicate for `wait_for`."""
        found = self._with_leg(ALERTING)
        return found[0][0] if found else None

    def connected_chat(self) -> dict[str, Any] | None:
        found = self._with_leg(CONNECTED)
        return found[0][0] if found else None

    def _leg(self, conversation: dict[str, Any] | str | None, state: str) -> tuple[str, str]:
        if conversation is None:
            found = self._with_leg(state)
            if not found:
                raise AssertionError(f"{self.name}'s client has no {state} chat; it shows "
                                     f"{[(c['id'], (self.my_leg(c) or {}).get('state')) for c in self.chats()]}")
            conversation = found[0][0]
        if isinstance(conversation, str):
            conversation = self.genesys.chat(conversation)
        leg = self.my_leg(conversation)
        if leg is None:
            raise AssertionError(f"{self.name} has no leg on conversation {conversation['id']}")
        return conversation["id"], leg["id"]

    def pick_up(self, conversation: dict[str, Any] | str | None = None) -> str:
        """Click Pick Up on the alerting chat (or the one given); answers its conversation id."""
        cid, pid = self._leg(conversation, ALERTING)
        self.genesys.patch_participant(cid, pid, {"state": CONNECTED})
        return cid

    def disconnect(self, conversation: dict[str, Any] | str | None = None) -> str:
        """Click Disconnect on the connected chat (or the one given); answers its conversation id."""
        cid, pid = self._leg(conversation, CONNECTED)
        self.genesys.patch_participant(cid, pid, {"state": DISCONNECTED})
        return cid

    def wrapup_codes(self, conversation: dict[str, Any] | str) -> list[dict[str, Any]]:
        """The codes the wrap-up window offers (the queue's codes)."""
        cid, pid = self._leg(conversation, DISCONNECTED)
        return self.genesys.participant_wrapup_codes(cid, pid)

    def wrap_up(self, conversation: dict[str, Any] | str, code: str | None = None, notes: str = "") -> dict[str, Any]:
        """Pick a wrap-up code (by name or id; the first offered when omitted) and click Done.

        Raises `ApiError` with the platform's body when it refuses (e.g. a code outside the queue's list)."""
        cid, pid = self._leg(conversation, DISCONNECTED)
        codes = self.genesys.participant_wrapup_codes(cid, pid)
        chosen = next((c for c in codes if code in (c.get("id"), c.get("name"))), None) if code else \
            (codes[0] if codes else None)
        code_id = chosen["id"] if chosen else code
        if not code_id:
            raise AssertionError(f"the wrap-up window of conversation {cid} offers no code")
        self.genesys.patch_participant(cid, pid, {"wrapup": {"code": code_id, "notes": notes}})
        return chosen or {"id": code_id}

    # -- the Salesforce console (Omni-Channel widget and tabs, through the console bridge) -----------------------
    def console(self, method: str, **args: Any) -> Any:
        """Any console bridge method (`getAgentWorks`, `transferChat` ...) with its toolkit arguments."""
        return self.salesforce.console(self.salesforce_user_id, method, args).body

    def set_omni_status(self, developer_name: str | None) -> None:
        """Pick an Omni-Channel status by developer name ("Online", "Away"); None logs out of Omni-Channel."""
        if developer_name is None:
            self.console("logout")
            return
        statuses = self.salesforce.query("SELECT Id, DeveloperName FROM ServicePresenceStatus")
        match = next((s["Id"] for s in statuses if s["DeveloperName"] == developer_name), None)
        if match is None:
            raise ValueError(f"Salesforce has no ServicePresenceStatus {developer_name!r} "
                             f"(it has {', '.join(s['DeveloperName'] for s in statuses)})")
        self.console("setServicePresenceStatus", statusId=match)

    def omni_status(self) -> str | None:
        """The Omni-Channel status's developer name, or None when logged out of Omni-Channel."""
        try:
            status = self.console("getServicePresenceStatusId")
        except ApiError:
            return None
        if not isinstance(status, dict) or not status.get("statusId"):
            return None
        return status.get("statusApiName") or status.get("statusName") or status["statusId"]

    def works(self) -> list[dict[str, Any]]:
        """The Omni-Channel widget's work items (`getAgentWorks`)."""
        return decode_works(self.console("getAgentWorks"))

    def work_for(self, work_item_id: str) -> dict[str, Any] | None:
        """The agent's work on a work item (a ready-made predicate for `wait_for`)."""
        return next((w for w in self.works() if same_sf_id(w.get("workItemId"), work_item_id)), None)

    def accept(self, work_id: str) -> Any:
        return self.console("acceptAgentWork", workId=work_id)

    def decline(self, work_id: str) -> Any:
        return self.console("declineAgentWork", workId=work_id)

    def end_chat(self, work_item_id: str) -> Any:
        """End the chat in the console; the conversation tab stays open (so does the work item)."""
        return self.console("endChat", workItemId=work_item_id)

    def close(self, work_item_id: str) -> Any:
        """Close the work item's conversation tab (which closes the AgentWork)."""
        work = self.work_for(work_item_id)
        if work is None:
            raise AssertionError(f"{self.name}'s console has no work for {work_item_id}; it has {self.works()}")
        return self.console("closeTab", workId=work["workId"])

    def close_sessions(self) -> None:
        self.genesys.close()
        self.salesforce.close()


@dataclass
class Chat:
    """A chat the customer opened: its work item (LiveChatTranscript) and routing request."""

    queue: str
    work_item_id: str
    routing_request_id: str | None
    left: bool = False


class Customer:
    """The customer on the website: opens a chat in a Salesforce queue, writes, leaves."""

    def __init__(self, fakes: Fakes, name: str = "Pat Customer") -> None:
        self.fakes = fakes
        self.name = name
        self.chats: list[Chat] = []

    @property
    def _http(self) -> HttpClient:
        return self.fakes.control(SALESFORCE).http

    def open_chat(self, queue: str | None = None, text: str = "Hello, I need help with my order.") -> Chat:
        """Open a chat in a Salesforce queue (developer name; the first linked queue when omitted)."""
        queue = queue or self.fakes.queue_pairs[0].salesforce_developer_name
        body = self._http.post("/_fake/customers/chats", {"queue": queue, "customerName": self.name, "text": text})
        chat = Chat(queue, body["workItemId"], body.get("pendingServiceRoutingId"))
        self.chats.append(chat)
        return chat

    def _chat(self, chat: Chat | None) -> Chat:
        if chat is not None:
            return chat
        if not self.chats:
            raise AssertionError("the customer has not opened a chat")
        return self.chats[-1]

    def say(self, text: str, chat: Chat | None = None) -> None:
        self._http.post(f"/_fake/customers/chats/{self._chat(chat).work_item_id}/messages", {"text": text})

    def transcript(self, chat: Chat | None = None) -> dict[str, Any]:
        """The chat as the customer sees it: status and messages."""
        return self._http.get(f"/_fake/customers/chats/{self._chat(chat).work_item_id}")

    def leave(self, chat: Chat | None = None) -> None:
        chat = self._chat(chat)
        if not chat.left:
            self._http.post(f"/_fake/customers/chats/{chat.work_item_id}/leave", {})
            chat.left = True
