"""The journal: every request with its response and every state change as an event, in one ordered feed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .clock import VirtualClock


@dataclass(frozen=True)
class Entry:
    """One line of the journal.

    kind "request": data = {method, path, query, status, requestBody, responseBody, actor, ...}.
    kind "event":   data = whatever the platform model says changed; `type` names the change.
    """

    seq: int
    time: str
    kind: str  # "request" | "event"
    source: str  # "genesys" | "salesforce" | "harness"
    type: str
    correlationId: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


Listener = Callable[[Entry], None]


class Journal:
    """Append-only, monotonically numbered; long-poll waits and synchronous listeners read it.

    Listeners run in append order on the appending thread, outside the journal lock, one append at
    a time, so a listener sees events exactly once and in sequence order. Listeners must be quick
    and must not append to the journal themselves.
    """

    def __init__(self, clock: VirtualClock, max_entries: int = 500_000) -> None:
        self.clock = clock
        self._cond = threading.Condition()
        self._dispatch = threading.Lock()
        self._entries: list[Entry] = []
        self._first_seq = 1
        self._next_seq = 1
        self._listeners: list[Listener] = []
        self._max = max_entries

    # -- writing ---------------------------------------------------------------------------------
    def append(self, kind: str, source: str, type: str, data: dict[str, Any], correlation_id: str = "") -> Entry:
        with self._dispatch:
            with self._cond:
                entry = Entry(self._next_seq, self.clock.iso(), kind, source, type, correlation_id, data)
                self._next_seq += 1
                self._entries.append(entry)
                if len(self._entries) > self._max:
                    drop = len(self._entries) - self._max
                    del self._entries[:drop]
                    self._first_seq += drop
                self._cond.notify_all()
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(entry)
                except Exception:
                    import logging

                    logging.getLogger(__name__).exception("journal listener failed")
        return entry

    def event(self, source: str, type: str, data: dict[str, Any], correlation_id: str = "") -> Entry:
        return self.append("event", source, type, data, correlation_id)

    def request(self, source: str, data: dict[str, Any], correlation_id: str = "") -> Entry:
        return self.append("request", source, "http", data, correlation_id)

    def add_listener(self, listener: Listener) -> None:
        with self._cond:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._cond:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def clear(self) -> None:
        """Forget all entries; sequence numbers keep increasing so old cursors stay valid."""
        with self._cond:
            self._first_seq = self._next_seq
            self._entries.clear()
            self._cond.notify_all()

    # -- reading ---------------------------------------------------------------------------------
    @property
    def last_seq(self) -> int:
        with self._cond:
            return self._next_seq - 1

    def since(self, after: int = 0, kinds: Iterable[str] | None = None, source: str | None = None,
              limit: int | None = None) -> list[Entry]:
        with self._cond:
            return self._select(after, kinds, source, limit)

    def _select(self, after: int, kinds: Iterable[str] | None, source: str | None, limit: int | None) -> list[Entry]:
        start = max(0, after + 1 - self._first_seq)
        wanted = set(kinds) if kinds else None
        out = []
        for entry in self._entries[start:]:
            if wanted is not None and entry.kind not in wanted:
                continue
            if source is not None and entry.source != source:
                continue
            out.append(entry)
            if limit is not None and len(out) >= limit:
                break
        return out

    def wait(self, after: int, timeout: float, kinds: Iterable[str] | None = ("event",),
             source: str | None = None, limit: int | None = None) -> list[Entry]:
        """Entries after `after`, waiting up to `timeout` real seconds for at least one."""
        import time

        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while True:
                found = self._select(after, kinds, source, limit)
                if found:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)
