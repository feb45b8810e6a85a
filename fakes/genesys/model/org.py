"""Org state of the Genesys fake: users, queues, queue members, wrap-up codes, and how the seed plan builds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from .presence import OFFLINE, RoutingStatus

if TYPE_CHECKING:
    from omni_harness.fakes.core import IdFactory, SeedPlan

DIVISION_ID = "2f4cc6a4-0a4b-4f1e-9c0b-0d1c6f0f0a01"  # the org's Home division
DIVISION = {"id": DIVISION_ID, "name": "Home", "selfUri": f"/api/v2/authorization/divisions/{DIVISION_ID}"}
DEFAULT_ALERTING_TIMEOUT_SECONDS = 30  # a real fixture shows alertingTimeoutMs 30000 (secondary source)
DEFAULT_ACW_TIMEOUT_MS = 120_000


class WrapupPrompt(StrEnum):
    """Queue `acwSettings.wrapupPrompt`."""

    MANDATORY = "MANDATORY"
    OPTIONAL = "OPTIONAL"
    MANDATORY_TIMEOUT = "MANDATORY_TIMEOUT"
    MANDATORY_FORCED_TIMEOUT = "MANDATORY_FORCED_TIMEOUT"
    AGENT_REQUESTED = "AGENT_REQUESTED"

    @property
    def participant_value(self) -> str:
        # inferred: the queue setting -> participant `wrapupPrompt` mapping
        return {
            "MANDATORY": "mandatory", "OPTIONAL": "optional", "MANDATORY_TIMEOUT": "timeout",
            "MANDATORY_FORCED_TIMEOUT": "forcedTimeout", "AGENT_REQUESTED": "agentRequested",
        }[self.value]

    @property
    def required(self) -> bool:
        return self in (WrapupPrompt.MANDATORY, WrapupPrompt.MANDATORY_TIMEOUT, WrapupPrompt.MANDATORY_FORCED_TIMEOUT)

    @property
    def timed(self) -> bool:
        return self in (WrapupPrompt.MANDATORY_TIMEOUT, WrapupPrompt.MANDATORY_FORCED_TIMEOUT)


@dataclass(frozen=True)
class UserRoutingStatus:
    """A user's routing status since `start_time`; None for a user that does not exist (reference §3)."""

    user_id: str
    status: RoutingStatus
    start_time: float | None = None


@dataclass
class User:
    id: str
    name: str
    email: str
    department: str = "Customer Service"
    title: str = "Agent"
    presence_id: str = OFFLINE.id
    presence_message: str = ""
    presence_modified: float = 0.0
    routing_status: RoutingStatus = RoutingStatus.OFF_QUEUE
    routing_start: float = 0.0
    idle_since: float = 0.0  # when the user last became IDLE: the ACD offers to the longest idle first
    date_modified: float = 0.0
    # Holds the admin permissions (queue settings and members, other users, integrations); the seed's people are
    # agents, whose own tokens act only on themselves.
    admin: bool = False

    @property
    def username(self) -> str:
        return self.email

    @property
    def routing(self) -> UserRoutingStatus:
        return UserRoutingStatus(self.id, self.routing_status, self.routing_start)


@dataclass
class Member:
    user_id: str
    joined: bool = True
    ring_number: int = 1


@dataclass
class Queue:
    id: str
    name: str
    description: str
    created: float
    wrapup_prompt: WrapupPrompt = WrapupPrompt.MANDATORY
    acw_timeout_ms: int | None = None
    alerting_timeout_seconds: int = DEFAULT_ALERTING_TIMEOUT_SECONDS  # `mediaSettings.chat`
    # `mediaSettings.message` (inferred: the same default as chat)
    message_alerting_timeout_seconds: int = DEFAULT_ALERTING_TIMEOUT_SECONDS
    members: dict[str, Member] = field(default_factory=dict)  # by user id, in joining order
    wrapup_code_ids: list[str] = field(default_factory=list)

    def alerting_timeout_for(self, media: str) -> int:
        """The alerting timeout of `media` ("chat" or "message"): each media has its own in `mediaSettings`."""
        return self.message_alerting_timeout_seconds if media == "message" else self.alerting_timeout_seconds


@dataclass
class WrapupCode:
    id: str
    name: str
    created: float
    description: str = ""


# (name, description) of the org's wrap-up codes; the first four are in every chat queue's list,
# the others in none, so a refused code can be tested.
QUEUE_WRAPUP_CODES = (
    ("Resolved", "The customer's request was resolved"),
    ("Escalated", "Handed to a specialist team"),
    ("Follow-up Required", "The agent will contact the customer again"),
    ("Customer Abandoned", "The customer left before the agent could help"),
)
ORG_ONLY_WRAPUP_CODES = (
    ("Sales Lead", "Not used by the chat queues"),
    ("Billing Dispute", "Not used by the chat queues"),
)


@dataclass
class Org:
    users: dict[str, User] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    wrapup_codes: dict[str, WrapupCode] = field(default_factory=dict)

    def user_by_email(self, email: str) -> User | None:
        lowered = email.lower()
        return next((u for u in self.users.values() if u.email.lower() == lowered), None)

    def queue_by_name(self, name: str) -> Queue | None:
        return next((q for q in self.queues.values() if q.name == name), None)

    def wrapup_codes_of(self, queue: Queue) -> list[WrapupCode]:
        """The wrap-up codes of a queue's list, in its order."""
        return [self.wrapup_codes[c] for c in queue.wrapup_code_ids if c in self.wrapup_codes]

    def queues_of(self, user_id: str, joined: bool | None = None) -> list[Queue]:
        """The queues the user is a member of (with `joined`: only those the user has joined, or not)."""
        return [q for q in self.queues.values()
                if user_id in q.members and (joined is None or q.members[user_id].joined == joined)]


def build_org(plan: SeedPlan, ids: IdFactory, now: float) -> Org:
    """Every person as a user (same email), Offline and OFF_QUEUE; the chat queues with mandatory wrap-up,
    every agent a member of all of them; the org's wrap-up codes."""
    org = Org()
    for person in plan.people:
        user = User(id=ids.uuid(), name=person.name, email=person.email, presence_modified=now,
                    routing_start=now, date_modified=now)
        org.users[user.id] = user
    for name, description in QUEUE_WRAPUP_CODES + ORG_ONLY_WRAPUP_CODES:
        code = WrapupCode(id=ids.uuid(), name=name, created=now, description=description)
        org.wrapup_codes[code.id] = code
    queue_codes = [c.id for c in org.wrapup_codes.values() if c.name in dict(QUEUE_WRAPUP_CODES)]
    names = ([(pair.genesys_name, "chat") for pair in plan.queue_pairs] + [(plan.web_chat_queue, "chat")]
             + [(pair.genesys_name, "message") for pair in plan.messaging_queue_pairs]
             + [(plan.web_messaging_queue, "message")])
    for name, media in names:
        queue = Queue(id=ids.uuid(), name=name, description=f"{name} ({media})", created=now,
                      wrapup_prompt=WrapupPrompt.MANDATORY, wrapup_code_ids=list(queue_codes))
        for user_id in org.users:
            queue.members[user_id] = Member(user_id)
        org.queues[queue.id] = queue
    return org
