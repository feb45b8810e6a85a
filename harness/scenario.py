"""One scenario's world: the platforms as seen from a worker, the lease, the agents by role name, the chats, cleanup."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from .actors import Agent, AgentClient, AgentConsole, Customer, CustomerChat, work_item_of
from .control import FakeControl
from .directory import Directory, Person, QueuePair
from .genesys import ClientCredentials, GenesysApi
from .http import ApiError, MintedToken, Response, Tagger
from .journal import mentions, slice_entries, timeline
from .lease import Lease, LeasePool
from .media import Medium
from .salesforce import API_VERSION, PasswordLogin, SalesforceApi
from .stackinfo import StackInfo
from .unreached import Unreached, UnreachedGivens
from .waits import EventFeed, WaitTimeout, wait_until

T = TypeVar("T")

ROLES = ("Alice", "Bob", "Carol")
QUEUE_LABELS = ("the chat queue", "the second chat queue")
CLEANUP_TIMEOUT = 5.0


class Platforms:
    """Both platforms as one pytest worker sees them: control APIs, the event feed, the harness's own sessions,
    the directory of people and queues, and every agent's client and console (tokens minted once)."""

    def __init__(self, info: StackInfo) -> None:
        self.info = info
        verify = info.verify
        env = info.env
        self.genesys_control = FakeControl(info.genesys_url, verify)
        self.salesforce_control = FakeControl(info.salesforce_url, verify)
        # Both fakes of a stack append to one journal; the Genesys control API serves the whole feed.
        self.feed = EventFeed(self.genesys_control)
        self.tagger = Tagger()
        self.genesys_auth = ClientCredentials(env["GENESYS_LOGIN_URL"], env["GENESYS_CLIENT_ID"],
                                              env["GENESYS_CLIENT_SECRET"], verify)
        self.genesys = GenesysApi(env["GENESYS_API_URL"], self.genesys_auth, verify, self.tagger)
        self.salesforce_auth = PasswordLogin(env["SALESFORCE_LOGIN_URL"], env["SALESFORCE_CLIENT_ID"],
                                             env["SALESFORCE_CLIENT_SECRET"], env["SALESFORCE_USERNAME"],
                                             env["SALESFORCE_PASSWORD"] + env.get("SALESFORCE_SECURITY_TOKEN", ""),
                                             verify)
        self.api_version = env.get("SALESFORCE_API_VERSION", API_VERSION)
        self.salesforce = SalesforceApi(env["SALESFORCE_INSTANCE_URL"], self.salesforce_auth, verify, self.tagger,
                                        self.api_version)
        self.directory = Directory.discover(info.plan, self.genesys, self.salesforce)
        self._screens: dict[int, tuple[AgentClient, AgentConsole]] = {}

    def screens(self, person: Person, medium: Medium = Medium.CHAT) -> tuple[AgentClient, AgentConsole]:
        """The agent's client (showing the medium's interactions) and console, with the agent's own tokens."""
        if person.index not in self._screens:
            verify = self.info.verify
            env = self.info.env
            g_token = MintedToken(lambda: self.genesys_control.mint_token(person.genesys_user_id))
            s_token = MintedToken(lambda: self.salesforce_control.mint_token(person.salesforce_user_id))
            client = AgentClient(person, GenesysApi(env["GENESYS_API_URL"], g_token, verify, self.tagger),
                                 self.directory)
            console = AgentConsole(person, SalesforceApi(env["SALESFORCE_INSTANCE_URL"], s_token, verify,
                                                         self.tagger, self.api_version))
            self._screens[person.index] = (client, console)
        client, console = self._screens[person.index]
        if client.medium is not medium:
            client = AgentClient(person, client.api, self.directory, medium)
        return client, console

    def pool(self, preferred: int = 0) -> LeasePool:
        return LeasePool(self.directory, f"{self.info.run_dir}/locks", preferred)

    def close(self) -> None:
        for client, console in self._screens.values():
            client.api.close()
            console.api.close()
        self.genesys.close()
        self.salesforce.close()
        self.genesys_control.close()
        self.salesforce_control.close()


@dataclass
class ScenarioRecord:
    """What the reports keep of one scenario (written by the worker, read by the controller)."""

    nodeid: str
    name: str
    feature: str
    requirements: list[str]
    profile: str
    medium: str = "chat"
    agents: dict[str, str] = field(default_factory=dict)
    queues: list[str] = field(default_factory=list)
    start_seq: int = 0
    end_seq: int = 0
    cleanup_seq: int = 0  # where the clean-up began: later refusals of the connector may be its doing
    lease_wait: float = 0.0
    began: float = 0.0  # wall clock, after the lease
    ended: float = 0.0
    ids: list[str] = field(default_factory=list)
    harness_requests: list[str] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)  # what a scenario measured (SCALE-1: latencies)
    names: dict[str, str] = field(default_factory=dict)  # id -> who or what it is ("Alice", "Chat Queue 3", ...)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ClientTransfer:
    """The agent's attempt to transfer in the client (XFER-1): the world just before, and the client's answer."""

    before: dict[str, Any]  # the conversation's legs, the chat's AgentWork and routing requests
    after_seq: int  # the journal's last number before the attempt
    answer: Response
    receiver: Agent


@dataclass
class WrapupAttempt:
    """A wrap-up code the agent selected and the client's answer to Done."""

    code: dict[str, Any]
    answer: Response


@dataclass
class InjectedFault:
    """A fault rule the scenario installed on one fake."""

    control: FakeControl
    rule_id: str


@dataclass
class ScaleRun:
    """SCALE-1: every agent of the pool, and the chat each one was offered."""

    agents: list[Agent]
    assigned: dict[str, str] = field(default_factory=dict)  # role -> chat label


@dataclass
class ScenarioState:
    """What one step saw or did that a later step reads, one named field each."""

    subject: Agent | None = None  # the agent the scenario spoke of last: "she", "he", "her", "his"
    offered: dict[str, str] = field(default_factory=dict)  # role -> label of the chat the agent was last offered
    sender: Agent | None = None  # who transferred the chat in Salesforce
    transfer_queue: QueuePair | None = None  # where it was transferred to, for a transfer to a queue
    window_closed_at: dict[str, int] = field(default_factory=dict)  # role -> journal number before closing the window
    client_transfer: ClientTransfer | None = None
    wrapped_up: dict[str, dict[str, Any]] = field(default_factory=dict)  # role -> the code selected, then Done
    wrapup_refused: dict[str, WrapupAttempt] = field(default_factory=dict)  # role -> a code outside the list
    rate_limit: InjectedFault | None = None  # RES-1's 429
    socket_closed_at: int | None = None  # RES-3: journal number before the socket was closed
    restart_seconds: float | None = None  # RES-5: how long the connector's restart took
    scale: ScaleRun | None = None


def needed(value: T | None, what: str) -> T:
    """A field of the scenario's state that an earlier step must have set; `what` says which step."""
    if value is None:
        raise RuntimeError(f"this scenario has no {what} (a step that sets it must come first)")
    return value


class ScenarioContext:
    """Everything the steps of one scenario share. Also the wait scope: feed, default time-out, evidence."""

    def __init__(self, platforms: Platforms, lease: Lease, record: ScenarioRecord, timeout: float,
                 pool: LeasePool | None = None, medium: Medium = Medium.CHAT) -> None:
        self.platforms = platforms
        self.medium = medium
        self.lease = lease
        self.pool = pool
        self.extra_leases: list[Lease] = []  # more slots, for a scenario that runs alone with many agents
        self.record = record
        self.default_timeout = timeout
        self.feed = platforms.feed
        self.directory: Directory = platforms.directory
        self.customer = Customer(platforms.salesforce_control, medium=medium)
        self.agents: dict[str, Agent] = {}
        for role, person in zip(ROLES, lease.agents, strict=False):
            client, console = platforms.screens(person, medium)
            self.agents[role] = Agent(role, person, client, console)
        self.queues: dict[str, QueuePair] = dict(zip(QUEUE_LABELS, lease.queue_pairs, strict=False))
        self.chats: dict[str, CustomerChat] = {}
        self.web_chats: dict[str, str] = {}  # label -> Genesys conversation id
        self.legs: dict[tuple[str, str], tuple[str, str]] = {}  # (role, chat label) -> (conversation, participant)
        self.state = ScenarioState()  # what one step saw or did, for the steps after it
        self.touched: set[str] = set()  # roles whose state the scenario changed: only they need cleaning up
        self.members: dict[str, set[str]] = {}  # Genesys queue id -> user ids the scenario made members
        self.faults: list[tuple[FakeControl, str]] = []  # fault rules to remove at the end
        self.start_seq = self.feed.last_seq()
        self.started = time.monotonic()
        record.start_seq = self.start_seq
        record.agents = {role: f"{a.person.name} <{a.person.email}>" for role, a in self.agents.items()}
        record.queues = [f"{q.genesys_name} <-> {q.salesforce_developer_name}" for q in lease.queue_pairs]
        record.lease_wait = lease.waited
        record.began = time.time()
        self._conversation_cursor = self.start_seq
        self._conversations_by_item: dict[str, list[str]] = {}
        self._all_conversations: set[str] = set()
        self.step_kind: str | None = None  # "given", "when" or "then" while a step runs (set by the plugin)
        self._unreached = UnreachedGivens(platforms.info.run_dir)

    # -- Givens the connector already failed to reach in this run (waits consult them) -------------------------
    def unreached(self, describe: str) -> Unreached | None:
        """In a Given step: the earlier time-out of the same wait in this run, on this medium."""
        return self._unreached.find(str(self.medium), describe) if self.step_kind == "given" else None

    def timed_out(self, describe: str, seen: str) -> None:
        """A wait timed out: in a Given step, later scenarios that need the same state fail at once."""
        if self.step_kind == "given":
            self._unreached.record(str(self.medium), describe, f"{self.record.name} [{self.medium}]", seen)

    # -- names used by the steps -------------------------------------------------------------------
    @property
    def requirement(self) -> str | None:
        """The requirement ids of this scenario ("END-3"), for the failure message of a step scenarios share."""
        return ", ".join(self.record.requirements) or None

    def agent(self, role: str) -> Agent:
        if role not in self.agents:
            raise KeyError(f"this scenario has no agent called {role}; the roles are {', '.join(self.agents)}")
        self.touched.add(role)
        return self.agents[role]

    def add_fault(self, control: FakeControl, rule: dict[str, Any]) -> dict[str, Any]:
        """Installs a fault rule on one fake for the rest of the scenario."""
        added = control.add_fault(rule)[0]
        if "id" in added:
            self.faults.append((control, added["id"]))
        return added

    def add_member(self, queue_id: str, agent: Agent) -> None:
        self.platforms.genesys.add_queue_members(queue_id, [agent.person.genesys_user_id])
        self.members.setdefault(queue_id, set()).add(agent.person.genesys_user_id)

    def queue(self, label: str = "the chat queue") -> QueuePair:
        return self.queues[label]

    def chat(self, label: str = "the chat") -> CustomerChat:
        if label not in self.chats:
            raise KeyError(f"no customer chat called {label!r} was started in this scenario")
        return self.chats[label]

    def remember_leg(self, agent: Agent, label: str, conversation_id: str, participant_id: str) -> None:
        self.legs[(agent.role, label)] = (conversation_id, participant_id)
        self._all_conversations.add(conversation_id)

    def leg(self, agent: Agent, label: str = "the chat") -> tuple[str, str]:
        if (agent.role, label) not in self.legs:
            raise KeyError(f"{agent.label} has not been offered {label} in this scenario")
        return self.legs[(agent.role, label)]

    # -- more slots, for a scenario that runs alone ------------------------------------------------
    @property
    def queue_pairs(self) -> list[QueuePair]:
        return list(self.lease.queue_pairs) + [q for extra in self.extra_leases for q in extra.queue_pairs]

    def lease_every_slot(self) -> list[Agent]:
        """Takes every other free slot of the pool as well (for a run-alone scenario, that is all of them); their
        agents join the scenario as "Agent 4", "Agent 5", ... and are cleaned up like the others. Answers every
        agent of the scenario."""
        if self.pool is None:
            raise RuntimeError("this scenario has no lease pool to take more slots from")
        while (extra := self.pool.try_lease(self.medium)) is not None:
            self.extra_leases.append(extra)
            for person in extra.agents:
                client, console = self.platforms.screens(person, self.medium)
                role = f"Agent {len(self.agents) + 1}"
                self.agents[role] = Agent(role, person, client, console)
        self.record.agents = {role: f"{a.person.name} <{a.person.email}>" for role, a in self.agents.items()}
        self.record.queues = [f"{q.genesys_name} <-> {q.salesforce_developer_name}" for q in self.queue_pairs]
        return list(self.agents.values())

    def release_extra_slots(self) -> None:
        while self.extra_leases:
            self.extra_leases.pop().release()

    # -- the journal as a source of ids ------------------------------------------------------------
    def conversations_for(self, work_item_id: str) -> list[str]:
        """Genesys interactions that carry the work item, in the order they were created (from the journal)."""
        entries = self.platforms.genesys_control.journal(since=self._conversation_cursor, kind="event",
                                                        source="genesys")
        for entry in entries:
            self._conversation_cursor = max(self._conversation_cursor, int(entry["seq"]))
            if entry.get("type") != "conversation.changed":
                continue
            data = entry.get("data", {})
            cid = data.get("conversationId")
            if not cid:
                continue
            if data.get("queueId") in self._queue_ids() or data.get("userId") in self._user_ids():
                self._all_conversations.add(cid)
            item = work_item_of(data.get("conversation") or {})
            if item:
                known = self._conversations_by_item.setdefault(item[:15], [])
                if cid not in known:
                    known.append(cid)
                if any(c.work_item_id[:15] == item[:15] for c in self.chats.values()):
                    self._all_conversations.add(cid)
        return list(self._conversations_by_item.get(work_item_id[:15], []))

    def _queue_ids(self) -> set[str]:
        ids = {q.genesys_id for q in self.queue_pairs}
        if self.lease.web_chat:
            ids.add(self.directory.web_queue_id(self.medium))
        return ids

    def _user_ids(self) -> set[str]:
        return {a.person.genesys_user_id for a in self.agents.values()}

    # -- evidence (wait scope) ---------------------------------------------------------------------
    def needles(self) -> list[str]:
        ids: list[str] = []
        for a in self.agents.values():
            ids += [a.person.genesys_user_id, a.person.salesforce_user_id]
        for q in self.queue_pairs:
            ids += [q.genesys_id, q.salesforce_id]
        for chat in self.chats.values():
            ids += [chat.work_item_id, chat.routing_request_id or ""]
        ids += list(self.web_chats.values())
        ids += sorted(self._all_conversations)
        return [i for i in ids if i]

    def names(self) -> dict[str, str]:
        """The scenario's ids by what the feature calls them, so its journal reads as a story."""
        out: dict[str, str] = {}
        for role, a in self.agents.items():
            out[a.person.genesys_user_id] = role
            out[a.person.salesforce_user_id] = role
        for q in self.queue_pairs:
            out[q.genesys_id] = q.genesys_name
            out[q.salesforce_id] = q.salesforce_developer_name
        for label, chat in self.chats.items():
            out[chat.work_item_id] = f"work item of {label}"
            if chat.routing_request_id:
                out[chat.routing_request_id] = f"routing request of {label}"
        for label, cid in self.web_chats.items():
            out[cid] = label
        return out

    def relevant(self, entry: dict[str, Any]) -> bool:
        """Whether a journal event may concern this scenario (it names one of its ids)."""
        return mentions(entry, self.needles())

    def evidence(self) -> str:
        try:
            entries = self.platforms.genesys_control.journal(since=self.start_seq)
        except Exception as exc:  # evidence must never hide the failure itself
            return f"(the journal could not be read: {exc})"
        needles = self.needles() + list(self.platforms.tagger.sent)
        return timeline(slice_entries(entries, needles), set(self.platforms.tagger.sent))

    # -- set-up and clean-up -----------------------------------------------------------------------
    def prepare(self) -> None:
        """Default memberships: Alice in the chat queue, Bob in the second chat queue, nobody else.

        A slot is handed over with empty queues (the run starts with every queue empty and each
        scenario's clean-up empties its own), so only additions are needed."""
        roles = list(self.agents)
        for index, pair in enumerate(self.lease.queue_pairs):
            if index < len(roles):
                agent = self.agents[roles[index]]
                self.add_member(pair.genesys_id, agent)

    def cleanup(self) -> None:
        """Leaves the slot as it was found: no queue member, every chat ended and wrapped up, everyone offline,
        logged out of Omni-Channel. The connector is given the chance to do its part; what it leaves
        undone is forced and noted."""
        notes = self.record.cleanup
        self.step_kind = None
        g = self.platforms.genesys
        self.record.cleanup_seq = self.feed.last_seq()
        for control, rule_id in self.faults:
            try:
                control.clear_faults(rule_id)
            except ApiError as exc:
                if exc.status != 404:  # 404: a counted rule that has already fired and gone
                    notes.append(f"remove fault {rule_id}: {exc}")

        def attempt(what: str, fn, *args) -> None:
            try:
                fn(*args)
            except (ApiError, OSError, KeyError, ValueError) as exc:
                notes.append(f"{what}: {exc}")

        for queue_id, users in self.members.items():
            attempt(f"empty queue {queue_id}", g.remove_queue_members, queue_id, sorted(users))
        # First the chats end in Genesys Cloud, as an agent's Disconnect would, and the connector closes
        # their work items; only then do the customers leave and the agents go offline, so the clean-up
        # does not race the connector into refusals of its own making.
        attempt("find conversations", self._collect_conversations)
        for cid in sorted(self._all_conversations):
            attempt(f"disconnect {cid}", self._disconnect_if_active, cid)
        for agent in self._touched_agents():
            attempt(f"wrap up for {agent.label}", self._finish_wrapups, agent)
        try:
            wait_until(self._works_closed, "the connector to close the scenario's work items (clean-up)",
                       CLEANUP_TIMEOUT, scope=self)
        except WaitTimeout as exc:
            notes.append("the connector did not close the work items: " + str(exc).splitlines()[0])
        for chat in self.chats.values():
            attempt(f"customer leaves {chat.label}", self._leave, chat)
        for agent in self._touched_agents():
            attempt(f"{agent.label} offline", agent.client.set_presence, "Offline")
        try:
            wait_until(self._settled, "the agents of the scenario to be idle on both platforms (clean-up)",
                       CLEANUP_TIMEOUT, scope=self)
        except WaitTimeout as exc:
            notes.append("the connector did not finish its part of the clean-up: " + str(exc).splitlines()[0])
            for agent in self._touched_agents():
                attempt(f"force {agent.label} idle", self._force_idle, agent)
        self.record.end_seq = self.feed.last_seq()
        self.record.ended = time.time()
        self.record.ids = self.needles()
        self.record.names = self.names()
        self.record.harness_requests = list(self.platforms.tagger.sent)

    def _leave(self, chat: CustomerChat) -> None:
        try:
            self.customer.leave(chat)
        except ApiError as exc:
            if exc.status != 409:  # 409: the chat has already ended, nothing to do
                raise

    def _collect_conversations(self) -> None:
        for chat in self.chats.values():
            self.conversations_for(chat.work_item_id)
        self._all_conversations.update(self.web_chats.values())

    def _disconnect_if_active(self, cid: str) -> None:
        collection = self.medium.genesys_collection
        conv = self.platforms.genesys.chat(cid, collection)
        if any(p.get("state") in ("alerting", "connected") for p in conv.get("participants", [])
               if p.get("purpose") in ("agent", "customer", "acd")):
            self.platforms.genesys.disconnect_conversation(cid, collection)

    def _finish_wrapups(self, agent: Agent) -> None:
        for conv in agent.client.chats():
            for p in conv.get("participants", []):
                if (p.get("user") or {}).get("id") != agent.person.genesys_user_id:
                    continue
                if p.get("state") in ("alerting", "connected"):
                    agent.client.disconnect(conv["id"], p["id"])
                if p.get("wrapupRequired") and not p.get("wrapup"):
                    codes = agent.client.wrapup_codes(conv["id"], p["id"])
                    if codes:
                        agent.client.wrap_up(conv["id"], p["id"], codes[0]["id"], "clean-up")

    def _works_closed(self) -> tuple[bool, str]:
        open_works = [f"{a.label}: {len(w)} work item(s)" for a in self._touched_agents() if (w := a.console.works())]
        return not open_works, "; ".join(open_works) or "none open"

    def _touched_agents(self) -> list[Agent]:
        return [a for role, a in self.agents.items() if role in self.touched]

    def _settled(self) -> tuple[bool, str]:
        busy = []
        for agent in self._touched_agents():
            status = agent.client.routing_status()
            chats = agent.client.chats()
            works = agent.console.works()
            omni = agent.console.status()
            if status != "OFF_QUEUE" or chats or works or omni:
                parts = [f"routing {status}"]
                if chats:
                    parts.append(f"{len(chats)} chat(s) in the client")
                if works:
                    parts.append(f"{len(works)} work item(s) in the console")
                if omni:
                    parts.append(f"Omni-Channel {omni.get('statusApiName') or omni.get('statusName')}")
                busy.append(f"{agent.label}: " + ", ".join(parts))
        return (not busy, "; ".join(busy) or "all idle")

    def _force_idle(self, agent: Agent) -> None:
        self._finish_wrapups(agent)
        for work in agent.console.works():
            agent.console.close_work(work.get("workId", ""))
        if agent.console.status():
            agent.console.logout()

    @property
    def duration(self) -> float:
        return time.monotonic() - self.started
