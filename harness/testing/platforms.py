"""`Fakes`: both platform fakes of one world as a test reaches them — base URLs, CA, control API, seed plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..control import FakeControl

if TYPE_CHECKING:
    from omni_harness.fakes.core import World
    from omni_harness.fakes.core.seed import Person, QueuePair, SeedPlan
    from omni_harness.fakes.runner import Stack

GENESYS = "genesys"
SALESFORCE = "salesforce"
PLATFORMS = (GENESYS, SALESFORCE)


@dataclass
class Fakes:
    """The two fakes, served on ports (`of_stack`) or answered in process (`mock_platforms`).

    Everything goes through the fakes' HTTP APIs (the control API `/_fake/` included), so a test written
    against this handle reads the same in both modes.
    """

    world: World
    urls: dict[str, str]
    verify: str | bool = True
    stack: Stack | None = None
    _controls: dict[str, FakeControl] = field(default_factory=dict, repr=False)

    @classmethod
    def of_stack(cls, stack: Stack) -> Fakes:
        verify: str | bool = str(stack.ca.ca_path) if stack.ca is not None else True
        return cls(stack.world, {name: stack.url(name) for name in stack.fakes}, verify, stack)

    # -- where things are --------------------------------------------------------------------------------
    @property
    def genesys_url(self) -> str:
        return self.urls[GENESYS]

    @property
    def salesforce_url(self) -> str:
        return self.urls[SALESFORCE]

    @property
    def plan(self) -> SeedPlan:
        return self.world.plan

    @property
    def people(self) -> list[Person]:
        """The seeded agents (the same person on both platforms, matched by email)."""
        return list(self.plan.people)

    @property
    def queue_pairs(self) -> list[QueuePair]:
        """The linked queues: a Salesforce queue with external routing and the Genesys queue that routes it."""
        return list(self.plan.queue_pairs)

    def control(self, platform: str = GENESYS) -> FakeControl:
        """One fake's control API. Both fakes share the world's journal, so either serves the whole feed."""
        if platform not in self.urls:
            raise KeyError(f"no fake {platform!r} is running (running: {', '.join(self.urls)})")
        if platform not in self._controls:
            self._controls[platform] = FakeControl(self.urls[platform], self.verify)
        return self._controls[platform]

    # -- the control API ----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Both fakes back to the seeded org; faults removed; journal emptied (`POST /_fake/reset`)."""
        self.control().http.post("/_fake/reset", {})

    def state(self, platform: str) -> dict[str, Any]:
        """`GET /_fake/state` of one fake: its whole org as JSON."""
        return self.control(platform).state()["org"]

    def journal(self, since: int = 0, kind: str | None = None, source: str | None = None) -> list[dict[str, Any]]:
        """Every request (with its response) and every state change since `since`, in order."""
        return self.control().journal(since=since, kind=kind, source=source)

    def requests(self, source: str | None = None, method: str | None = None, path: str | None = None,
                 status: int | None = None) -> list[dict[str, Any]]:
        """The journal's requests, filtered: `path` is a prefix, `status` an exact status."""
        out = []
        for entry in self.journal(kind="request", source=source):
            data = entry["data"]
            if method and data.get("method") != method.upper():
                continue
            if path and not str(data.get("path", "")).startswith(path):
                continue
            if status is not None and data.get("status") != status:
                continue
            out.append(entry)
        return out

    def events(self, type: str | None = None, source: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        """The journal's state changes, optionally of one type (`conversation.changed`, `sobject.change` ...)."""
        return [e for e in self.journal(since=since, kind="event", source=source) if type is None or e["type"] == type]

    def last_seq(self) -> int:
        return self.control().last_seq()

    def env(self) -> dict[str, str]:
        """The connector environment (the connector contract) of the running stack."""
        if self.stack is None:
            raise RuntimeError("the in-process fakes have no connector environment: a connector runs as a process")
        return self.stack.env()

    def close(self) -> None:
        for control in self._controls.values():
            control.close()
        self._controls.clear()
