"""What every rule owner (`*Backend`) and every view reads from the org root: lock, clock, ids, state, settings.

A protocol rather than the root's class, so the backends and views that the root is built from need not import
it: the root (`model.fake.GenesysFake`) satisfies it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from omni_harness.fakes.core import IdFactory, VirtualClock, World

    from ..config import GenesysConfig
    from .org import Org
    from .tokens import TokenStore


class OrgRoot(Protocol):
    world: World
    lock: Any  # threading.RLock: every state change happens under it
    ids: IdFactory
    config: GenesysConfig  # replaced as a whole by tests: read it through the root each time
    org: Org  # rebuilt by every reset: read it through the root each time
    tokens: TokenStore
    generation: int  # bumped by reset, so timers of a previous org do nothing

    @property
    def clock(self) -> VirtualClock: ...

    def emit_change(self, type: str, data: dict[str, Any]) -> None:
        """Append one state-change event under the current request's (or timer's) correlation id."""

    def emit(self, type: str, data: dict[str, Any], correlation_id: str = "") -> None:
        """Append one event under a given correlation id (work done off the request thread, e.g. a webhook)."""

    def correlation_id(self) -> str:
        """The current request's correlation id, or the one of the timer being fired."""

    def timer_context(self) -> AbstractContextManager[None]:
        """Run a timer's work under the lock with one correlation id for every change it causes."""
