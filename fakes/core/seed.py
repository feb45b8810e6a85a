"""The seed plan both fakes build their orgs from: the same people (same emails) and linked queues."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from faker import Faker

DEFAULT_AGENTS = 8


@dataclass(frozen=True)
class Person:
    """An agent who exists in both platforms, matched by email."""

    index: int
    first_name: str
    last_name: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def username(self) -> str:
        # Salesforce usernames are globally unique and look like emails.
        return self.email.replace("@", ".agent@", 1)


class SeedMedia:
    """The media a queue pair carries (DESIGN §4.7): its own queues on both sides, so the media never share work."""

    CHAT = "chat"
    MESSAGING = "messaging"


@dataclass(frozen=True)
class QueuePair:
    """A Salesforce queue that uses external routing and the Genesys queue that routes its work.

    A messaging pair also names the Genesys Open Messaging integration whose inbound message flow routes new
    conversations to its Genesys queue (the stand-in for an Architect inbound message flow).
    """

    index: int
    genesys_name: str
    salesforce_developer_name: str
    salesforce_label: str
    media: str = SeedMedia.CHAT
    open_messaging_integration: str | None = None


@dataclass(frozen=True)
class Credentials:
    genesys_client_id: str
    genesys_client_secret: str
    salesforce_client_id: str
    salesforce_client_secret: str
    salesforce_username: str
    salesforce_password: str
    salesforce_security_token: str


@dataclass
class SeedPlan:
    """Deterministic from (seed, agents, queues): names from Faker with a fixed seed."""

    seed: int = 0
    agents: int = DEFAULT_AGENTS
    queues: int = 0  # 0 = one chat queue per two agents, at least 2
    people: list[Person] = field(init=False)
    queue_pairs: list[QueuePair] = field(init=False)
    messaging_queue_pairs: list[QueuePair] = field(init=False)
    web_chat_queue: str = field(init=False, default="Web Chat Queue")
    # A Genesys-only messaging queue: a plain web message (no Salesforce work item) alerts there (ROUTE-2).
    web_messaging_queue: str = field(init=False, default="Web Messaging Queue")
    credentials: Credentials = field(init=False)

    def __post_init__(self) -> None:
        if self.agents < 1:
            raise ValueError("agents must be at least 1")
        if self.queues <= 0:
            self.queues = max(2, (self.agents + 1) // 2)
        fake = Faker("en_US")
        fake.seed_instance(self.seed)
        people = []
        seen: set[str] = set()
        for i in range(1, self.agents + 1):
            first, last = fake.first_name(), fake.last_name()
            local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
            email = f"{local}@example.com"
            if email in seen:
                email = f"{local}{i}@example.com"
            seen.add(email)
            people.append(Person(i, first, last, email))
        self.people = people
        self.queue_pairs = [QueuePair(i, f"Chat Queue {i}", f"Chat_Queue_{i}", f"Chat Queue {i}")
                            for i in range(1, self.queues + 1)]
        self.messaging_queue_pairs = [
            QueuePair(i, f"Messaging Queue {i}", f"Messaging_Queue_{i}", f"Messaging Queue {i}", SeedMedia.MESSAGING,
                      f"Salesforce Messaging {i}")
            for i in range(1, self.queues + 1)]
        tag = f"{self.seed:04d}"
        self.credentials = Credentials(
            genesys_client_id=f"omni-harness-genesys-{tag}",
            genesys_client_secret=f"genesys-secret-{tag}",
            salesforce_client_id=f"3MVG9omniharness{tag}",
            salesforce_client_secret=f"salesforce-secret-{tag}",
            salesforce_username=f"integration.{tag}@omni-harness.example",
            salesforce_password=f"integration-password-{tag}",
            salesforce_security_token=f"TOKEN{tag}",
        )

    def to_json(self) -> dict:
        return {
            "seed": self.seed,
            "agents": self.agents,
            "queues": self.queues,
            "people": [asdict(p) | {"name": p.name, "username": p.username} for p in self.people],
            "queuePairs": [asdict(q) for q in self.queue_pairs],
            "messagingQueuePairs": [asdict(q) for q in self.messaging_queue_pairs],
            "webChatQueue": self.web_chat_queue,
            "webMessagingQueue": self.web_messaging_queue,
        }


# -- the Omni-Channel sync settings a connector reads (DESIGN §4.3, §4.7) -----------------------------------------

# The presence mapping the suite certifies against: On Queue is Online; leaving On Queue for Available, Busy or
# Offline logs the agent out of Omni-Channel; the away-type presences are Away.
PRESENCE_MAPPING: dict[str, str | None] = {
    "ON_QUEUE": "Online", "AWAY": "Away", "BREAK": "Away", "MEAL": "Away", "TRAINING": "Away", "MEETING": "Away",
    "AVAILABLE": None, "BUSY": None, "OFFLINE": None, "IDLE": None,
}
SERVICE_CHANNELS = {SeedMedia.CHAT: "sfdc_livechat", SeedMedia.MESSAGING: "sfdc_livemessage"}


def sync_settings(plan: dict, media: tuple[str, ...] | list[str] | str = (SeedMedia.CHAT,)) -> dict:
    """The sync settings file for `plan` (its JSON form, `SeedPlan.to_json()`) and the media the connector bridges.

    One medium keeps the original shape (`"media": "chat"`, one top-level `serviceChannel`); two media list them
    (`"media": ["chat", "messaging"]`) and every queue entry says its own medium and service channel, which a
    one-medium file carries too. A messaging queue names its Genesys Open Messaging integration."""
    chosen = [media] if isinstance(media, str) else list(media)
    unknown = [m for m in chosen if m not in SERVICE_CHANNELS]
    if unknown or not chosen:
        raise ValueError(f"unknown media {unknown or chosen!r}; the media are {', '.join(SERVICE_CHANNELS)}")
    queues = []
    if SeedMedia.CHAT in chosen:
        queues += [{"salesforce": q["salesforce_developer_name"], "genesys": q["genesys_name"],
                    "media": SeedMedia.CHAT, "serviceChannel": SERVICE_CHANNELS[SeedMedia.CHAT]}
                   for q in plan["queuePairs"]]
    if SeedMedia.MESSAGING in chosen:
        queues += [{"salesforce": q["salesforce_developer_name"], "genesys": q["genesys_name"],
                    "media": SeedMedia.MESSAGING, "serviceChannel": SERVICE_CHANNELS[SeedMedia.MESSAGING],
                    "openMessagingIntegration": q["open_messaging_integration"]}
                   for q in plan.get("messagingQueuePairs") or []]
    out: dict = {"media": chosen[0] if len(chosen) == 1 else chosen}
    if len(chosen) == 1:
        out["serviceChannel"] = SERVICE_CHANNELS[chosen[0]]
    out["presence"] = dict(PRESENCE_MAPPING)
    out["queues"] = queues
    return out
