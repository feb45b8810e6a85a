"""Streaming replay store: every published event with its replay id, retained for a window of virtual time."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Family(StrEnum):
    """Channel families with their own retention (reference §8.2)."""

    CDC = "cdc"  # /data/... change events: 72 h
    TOPIC = "topic"  # /topic/... PushTopic events: 24 h


def family_of(channel: str) -> Family:
    return Family.TOPIC if channel.startswith("/topic/") else Family.CDC


@dataclass(frozen=True)
class StreamEvent:
    """One event on the bus. `data` is the Bayeux message's `data`, the same on every channel it is published on."""

    replay_id: int
    at: float  # virtual epoch seconds of the change (retention is counted from here)
    channels: tuple[str, ...]
    data: dict[str, Any]
    family: Family

    def message(self, channel: str) -> dict[str, Any]:
        return {"channel": channel, "data": self.data}


class ReplayLog:
    """Retained events per family, in replay-id order; the caller holds the streaming lock.

    Replay ids are increasing and never contiguous (a seeded step of 2..5), and keep increasing across a
    reset so an id from a previous world is recognisably stale: a subscriber cannot mistake it for a
    position in the new one.
    """

    def __init__(self, retention: dict[Family, float], seed: int = 0) -> None:
        self.retention = dict(retention)
        self._events: dict[Family, deque[StreamEvent]] = {f: deque() for f in Family}
        self._pruned: dict[str, int] = {}  # channel -> highest replay id dropped from retention
        self._floor = 0  # ids at or below it were issued before the last reset
        self._last = 0
        self._rng = random.Random(f"replay-{seed}")

    def reset(self, seed: int) -> None:
        for events in self._events.values():
            events.clear()
        self._pruned.clear()
        self._floor = self._last
        self._rng = random.Random(f"replay-{seed}")

    @property
    def last_replay_id(self) -> int:
        return self._last

    def next_id(self) -> int:
        self._last += self._rng.randint(2, 5)
        return self._last

    def append(self, event: StreamEvent) -> None:
        self._events[event.family].append(event)

    def prune(self, now: float) -> None:
        for family, events in self._events.items():
            horizon = now - self.retention[family]
            while events and events[0].at < horizon:
                gone = events.popleft()
                for channel in gone.channels:
                    self._pruned[channel] = max(self._pruned.get(channel, 0), gone.replay_id)

    def is_valid(self, channel: str, replay_id: int) -> bool:
        """A position this channel can replay from: issued in this world and still within retention."""
        return self._floor < replay_id <= self._last and replay_id > self._pruned.get(channel, 0)

    def after(self, channel: str, replay_id: int) -> list[StreamEvent]:
        """Retained events of `channel` with a replay id above `replay_id`, oldest first."""
        out = []
        for event in reversed(self._events[family_of(channel)]):
            if event.replay_id <= replay_id:
                break
            if channel in event.channels:
                out.append(event)
        out.reverse()
        return out

    def retained(self, channel: str) -> list[StreamEvent]:
        return self.after(channel, -1)

    def counts(self) -> dict[str, int]:
        return {str(f): len(events) for f, events in self._events.items()}
