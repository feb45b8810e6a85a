"""Scenario isolation: leases of agents and queue pairs from the seeded pool, and the run-alone guard.

Locks are `flock`s on files in the run folder, so they hold across pytest-xdist workers and vanish with a
crashed process. The pool is cut into slots; a slot is AGENTS_PER_SLOT agents and QUEUES_PER_SLOT queue
pairs, and one scenario holds one slot. Scenarios that move the shared virtual clock or change the
whole world (faults, connector restarts) take the guard exclusively, so nothing else runs meanwhile;
the rest take it shared. The Genesys "Web Chat Queue" exists once, so it is a lock of its own.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .directory import Directory, Person, QueuePair
from .media import Medium

AGENTS_PER_SLOT = 3
QUEUES_PER_SLOT = 2


def pool_size(slots: int) -> tuple[int, int]:
    """(agents, queues) to seed for `slots` scenarios at once."""
    return slots * AGENTS_PER_SLOT, slots * QUEUES_PER_SLOT


class FileLock:
    """An advisory lock on one file: shared or exclusive, blocking or not."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fh: IO[bytes] | None = None

    def acquire(self, exclusive: bool = True, blocking: bool = True) -> bool:
        if self._fh is not None:
            raise RuntimeError(f"{self.path} is already held")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")  # noqa: SIM115 - held until release()
        flags = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if blocking else fcntl.LOCK_NB)
        try:
            fcntl.flock(fh.fileno(), flags)
        except BlockingIOError:
            fh.close()
            return False
        self._fh = fh
        return True

    def release(self) -> None:
        if self._fh is not None:
            try:
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            finally:
                self._fh.close()
                self._fh = None

    @property
    def held(self) -> bool:
        return self._fh is not None


class Guard:
    """A writer-preferring readers-writer lock across processes.

    A scenario passes the gate (held briefly by readers, for the whole wait by a writer) and then holds
    the world lock shared; a run-alone scenario holds the gate, then the world lock exclusively, so no new
    scenario starts while it waits for the running ones to finish.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    @contextmanager
    def hold(self, exclusive: bool):
        gate = FileLock(self.directory / "gate.lock")
        world = FileLock(self.directory / "world.lock")
        gate.acquire(exclusive=True)
        try:
            world.acquire(exclusive=exclusive)
        finally:
            if not exclusive:
                gate.release()
        try:
            yield
        finally:
            world.release()
            gate.release()


@dataclass
class Slot:
    """Agents, and queue pairs of each medium: a slot serves a chat or a messaging scenario alike."""

    index: int
    agents: list[Person]
    queue_pairs: list[QueuePair]  # chat
    messaging_queue_pairs: list[QueuePair] = field(default_factory=list)


@dataclass
class Lease:
    """What one scenario owns while it runs."""

    slot: Slot
    web_chat: bool = False
    waited: float = 0.0
    _locks: list[FileLock] = field(default_factory=list, repr=False)
    medium: Medium = Medium.CHAT

    @property
    def agents(self) -> list[Person]:
        return self.slot.agents

    @property
    def queue_pairs(self) -> list[QueuePair]:
        """The slot's queue pairs of the lease's medium."""
        return self.slot.messaging_queue_pairs if self.medium is Medium.MESSAGING else self.slot.queue_pairs

    def release(self) -> None:
        while self._locks:
            self._locks.pop().release()


class LeasePool:
    """Cuts the directory's people and queue pairs into slots and leases them through file locks."""

    def __init__(self, directory: Directory, lock_dir: str | Path, preferred: int = 0) -> None:
        self.directory = directory
        self.lock_dir = Path(lock_dir)
        self.preferred = preferred
        count = min(len(directory.people) // AGENTS_PER_SLOT, len(directory.queue_pairs) // QUEUES_PER_SLOT)
        if count < 1:
            raise RuntimeError(f"the seeded pool is too small for one scenario: it needs {AGENTS_PER_SLOT} agents "
                               f"and {QUEUES_PER_SLOT} queue pairs, it has {len(directory.people)} and "
                               f"{len(directory.queue_pairs)}")
        messaging = directory.messaging_queue_pairs
        self.slots = [Slot(i, directory.people[i * AGENTS_PER_SLOT:(i + 1) * AGENTS_PER_SLOT],
                           directory.queue_pairs[i * QUEUES_PER_SLOT:(i + 1) * QUEUES_PER_SLOT],
                           messaging[i * QUEUES_PER_SLOT:(i + 1) * QUEUES_PER_SLOT]) for i in range(count)]

    def lease(self, web_chat: bool = False, medium: Medium = Medium.CHAT) -> Lease:
        """A free slot (the worker's own first, so slots stay warm), waiting for one when all are taken."""
        started = time.monotonic()
        order = [(self.preferred + i) % len(self.slots) for i in range(len(self.slots))]
        locks: list[FileLock] = []
        if web_chat:
            # One Web Chat Queue and one Web Messaging Queue in the org: each is a lock of its own.
            web = FileLock(self.lock_dir / f"web-{medium}-queue.lock")
            web.acquire(exclusive=True)
            locks.append(web)
        for index in order:
            lock = FileLock(self.lock_dir / f"slot-{index}.lock")
            if lock.acquire(exclusive=True, blocking=False):
                return Lease(self.slots[index], web_chat, time.monotonic() - started, locks + [lock], medium)
        lock = FileLock(self.lock_dir / f"slot-{order[0]}.lock")
        lock.acquire(exclusive=True)
        return Lease(self.slots[order[0]], web_chat, time.monotonic() - started, locks + [lock], medium)

    def try_lease(self, medium: Medium = Medium.CHAT) -> Lease | None:
        """A free slot if there is one now, else None (never waits)."""
        for slot in self.slots:
            lock = FileLock(self.lock_dir / f"slot-{slot.index}.lock")
            if lock.acquire(exclusive=True, blocking=False):
                return Lease(slot, False, 0.0, [lock], medium)
        return None


def worker_index() -> int:
    """pytest-xdist's worker number (gw3 -> 3); 0 outside xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = "".join(ch for ch in name if ch.isdigit())
    return int(digits) if digits else 0
