"""The world both fakes live in: one clock, one journal, one seed plan; each fake owns its org state."""

from __future__ import annotations

import random
import threading
import uuid
from abc import ABC, abstractmethod
from typing import Any

from .clock import VirtualClock
from .errors import FakeError
from .faults import FaultEngine
from .ids import IdFactory
from .journal import Journal
from .seed import DEFAULT_AGENTS, SeedPlan


class Fake(ABC):
    """One platform fake: its org state (guarded by `lock`), its ids, its fault rules.

    Every state change happens under `lock` and appends exactly one journal event per change, so
    notifications, streaming, waits and reports all read the same ordered feed.
    """

    name: str = "fake"

    # Subclasses call super().__init__(world), then self.reset(world.plan).
    def __init__(self, world: World) -> None:
        self.world = world
        self.lock = threading.RLock()
        self.faults = FaultEngine(world.plan.seed)
        self.ids = IdFactory(world.plan.seed)
        self._correlation_rng = random.Random(f"{self.name}-correlation-{world.plan.seed}")
        self._correlation_lock = threading.Lock()
        self.urls: dict[str, str] = {}
        world.register(self)

    @property
    def clock(self) -> VirtualClock:
        return self.world.clock

    @property
    def journal(self) -> Journal:
        return self.world.journal

    def new_correlation_id(self) -> str:
        with self._correlation_lock:
            return str(uuid.UUID(int=self._correlation_rng.getrandbits(128), version=4))

    def emit(self, type: str, data: dict[str, Any], correlation_id: str = "") -> None:
        """Append one state-change event from this fake to the journal."""
        self.journal.event(self.name, type, data, correlation_id)

    # -- what each platform provides -------------------------------------------------------------
    @abstractmethod
    def reset(self, plan: SeedPlan) -> None:
        """Throw away all state and build the org again from the plan."""

    @abstractmethod
    def state(self) -> dict[str, Any]:
        """A JSON dump of the org for `GET /_fake/state`."""

    @abstractmethod
    def mint_token(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /_fake/tokens`: an agent's own token / console session, in the platform's token shape."""

    @abstractmethod
    def expire_tokens(self) -> int:
        """Expire every token issued so far; returns how many."""

    @abstractmethod
    def error(self, status: int, message: str | None = None) -> FakeError:
        """The platform's generic error for an HTTP status (404 for an unknown path, 500, 429 ...)."""

    # Listeners whose app takes over the raw socket (a WebSocket upgrade): served by werkzeug, which hands it over.
    raw_socket_listeners: frozenset[str] = frozenset()

    @abstractmethod
    def listeners(self) -> dict[str, Any]:
        """The WSGI apps to serve: "api" (on the port asked for) and any others (ephemeral ports),
        e.g. a separate listener for long-lived sockets."""

    def bind(self, urls: dict[str, str]) -> None:
        """Told where each listener is served (base URLs by listener name), before the first request."""
        self.urls = dict(urls)

    def decorate_response(self, response, correlation_id: str) -> None:
        """Add platform headers to every response (e.g. Genesys `inin-correlation-id`); none by default."""
        return None

    def connector_env(self) -> dict[str, str]:
        """The connector environment variables this fake contributes (DESIGN §4.3), from its bound URLs."""
        return {}


class World:
    """Shared by the fakes running in one process; reseeding it rebuilds every fake."""

    def __init__(self, seed: int = 0, agents: int | None = None, queues: int = 0,
                 media: tuple[str, ...] = ("chat", "messaging")) -> None:
        # The media the fakes serve (`serve --media`): with chat off, the chat endpoints answer as today's API does;
        # the sync settings file names these media.
        self.media = tuple(media)
        self.clock = VirtualClock()
        self.journal = Journal(self.clock)
        self.plan = SeedPlan(seed=seed, agents=agents or DEFAULT_AGENTS, queues=queues)
        self.fakes: dict[str, Fake] = {}
        self._lock = threading.RLock()

    def register(self, fake: Fake) -> None:
        self.fakes[fake.name] = fake

    def reseed(self, seed: int | None = None, agents: int | None = None, queues: int | None = None) -> SeedPlan:
        with self._lock:
            plan = SeedPlan(
                seed=self.plan.seed if seed is None else seed,
                agents=self.plan.agents if agents is None else agents,
                queues=self.plan.queues if queues is None else queues,
            )
            self.plan = plan
            self.reset()
            return plan

    def reset(self) -> None:
        """Every fake back to the seeded org; clock back to real time; journal emptied."""
        with self._lock:
            self.clock.reset()
            self.journal.clear()
            for fake in self.fakes.values():
                with fake.lock:
                    fake.faults.clear()
                    fake.ids = IdFactory(self.plan.seed)
                    fake.reset(self.plan)
