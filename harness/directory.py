"""Who and what exists on both platforms: the seeded people matched by email, the linked queues, the statuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .genesys import GenesysApi, normalise_presence
from .salesforce import SalesforceApi


@dataclass(frozen=True)
class Person:
    """One agent, the same person on both platforms (matched by email)."""

    index: int
    name: str
    email: str
    genesys_user_id: str
    salesforce_user_id: str


@dataclass(frozen=True)
class QueuePair:
    """A Salesforce queue that uses external routing and the Genesys queue that routes its work."""

    index: int
    genesys_name: str
    genesys_id: str
    salesforce_developer_name: str
    salesforce_id: str
    media: str = "chat"
    open_messaging_integration: str | None = None  # messaging: the Genesys Open Messaging integration's name


class DirectoryError(RuntimeError):
    """The platforms do not hold what the seed plan says; the message names what is missing."""


@dataclass
class Directory:
    people: list[Person]
    queue_pairs: list[QueuePair]
    web_chat_queue_name: str
    web_chat_queue_id: str
    presence_ids: dict[str, str]  # normalised system presence -> definition id
    omni_statuses: dict[str, str]  # ServicePresenceStatus DeveloperName -> 18-character id
    chat_channel_id: str | None = None
    all_genesys_queue_ids: list[str] = field(default_factory=list)
    messaging_queue_pairs: list[QueuePair] = field(default_factory=list)
    web_messaging_queue_name: str | None = None
    web_messaging_queue_id: str | None = None
    messaging_channel_id: str | None = None

    def web_queue_id(self, medium: str) -> str:
        """The Genesys-only queue of plain interactions of a medium (ROUTE-2): Web Chat / Web Messaging Queue."""
        if medium == "messaging":
            if not self.web_messaging_queue_id:
                raise DirectoryError("Genesys has no Web Messaging Queue")
            return self.web_messaging_queue_id
        return self.web_chat_queue_id

    def channel_id(self, medium: str) -> str | None:
        return self.messaging_channel_id if medium == "messaging" else self.chat_channel_id

    def presence_id(self, system_presence: str) -> str:
        key = normalise_presence(system_presence)
        if key not in self.presence_ids:
            raise DirectoryError(f"Genesys has no presence definition {system_presence!r}")
        return self.presence_ids[key]

    def omni_status_name(self, status_id: str | None) -> str | None:
        if not status_id:
            return None
        for name, sid in self.omni_statuses.items():
            if sid[:15] == status_id[:15]:
                return name
        return status_id

    def person_by_salesforce_id(self, user_id: str) -> Person | None:
        return next((p for p in self.people if p.salesforce_user_id[:15] == (user_id or "")[:15]), None)

    def person_by_genesys_id(self, user_id: str) -> Person | None:
        return next((p for p in self.people if p.genesys_user_id == user_id), None)

    @classmethod
    def discover(cls, plan: dict[str, Any], genesys: GenesysApi, salesforce: SalesforceApi) -> Directory:
        """Reads both platforms through their APIs and pairs what the seed plan names."""
        g_users = {(u.get("email") or "").lower(): u["id"] for u in genesys.users()}
        s_users = {(u.get("Email") or "").lower(): u["Id"] for u in salesforce.query("SELECT Id, Email FROM User")}
        people = []
        for p in plan["people"]:
            email = p["email"].lower()
            if email not in g_users or email not in s_users:
                side = "Genesys" if email not in g_users else "Salesforce"
                raise DirectoryError(f"{side} has no user with the email {p['email']}")
            people.append(Person(p["index"], p["name"], p["email"], g_users[email], s_users[email]))
        g_queues = {q["name"]: q["id"] for q in genesys.queues()}
        s_queues = {q["DeveloperName"]: q["Id"] for q in
                    salesforce.query("SELECT Id, DeveloperName FROM Group WHERE Type = 'Queue'")}
        def pairs_of(entries: list[dict[str, Any]]) -> list[QueuePair]:
            out = []
            for q in entries:
                if q["genesys_name"] not in g_queues:
                    raise DirectoryError(f"Genesys has no queue named {q['genesys_name']!r}")
                if q["salesforce_developer_name"] not in s_queues:
                    raise DirectoryError(f"Salesforce has no queue {q['salesforce_developer_name']!r}")
                out.append(QueuePair(q["index"], q["genesys_name"], g_queues[q["genesys_name"]],
                                     q["salesforce_developer_name"], s_queues[q["salesforce_developer_name"]],
                                     q.get("media", "chat"), q.get("open_messaging_integration")))
            return out

        pairs = pairs_of(plan["queuePairs"])
        messaging_pairs = pairs_of(plan.get("messagingQueuePairs") or [])
        web = plan["webChatQueue"]
        if web not in g_queues:
            raise DirectoryError(f"Genesys has no queue named {web!r}")
        web_messaging = plan.get("webMessagingQueue")
        presence_ids: dict[str, str] = {}
        for d in genesys.presence_definitions():
            if d.get("type", "System") == "System" or d.get("primary", True):
                presence_ids.setdefault(normalise_presence(d.get("systemPresence")), d["id"])
        statuses = {s["DeveloperName"]: s["Id"] for s in
                    salesforce.query("SELECT Id, DeveloperName FROM ServicePresenceStatus")}
        channels = salesforce.query("SELECT Id, DeveloperName FROM ServiceChannel")
        chat = next((c["Id"] for c in channels if c["DeveloperName"] == "sfdc_livechat"), None)
        messaging = next((c["Id"] for c in channels if c["DeveloperName"] == "sfdc_livemessage"), None)
        return cls(people, pairs, web, g_queues[web], presence_ids, statuses, chat, list(g_queues.values()),
                   messaging_pairs, web_messaging, g_queues.get(web_messaging or ""), messaging)
