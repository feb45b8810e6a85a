"""What the state machines share: the Hypothesis settings they run with, and reading the journal the way every
consumer does, over the control API.

The settings are fixed (no example database, derandomized) so that CI runs the same examples every time and a
failure found once is found again. A module of its own rather than part of conftest.py: `conftest` is the name of
other test folders' modules too."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings

# Each machine's budget; the whole folder stays well under a minute on two busy cores.
MACHINE_SETTINGS = settings(
    max_examples=20,
    stateful_step_count=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    print_blob=False,
)


@dataclass
class JournalReader:
    """`GET /_fake/journal?since=<cursor>` after each step; `read()` answers the entries new since the last call."""

    client: Any
    cursor: int = 0
    seen: int = field(default=0)

    def start(self) -> None:
        """Begin after what the journal holds now (a reset empties it but keeps numbering)."""
        body = self.client.get("/_fake/journal", query_string={"since": 0}).get_json()
        self.cursor = body["lastSeq"]

    def read(self) -> list[dict[str, Any]]:
        r = self.client.get("/_fake/journal", query_string={"since": self.cursor})
        assert r.status_code == 200, r.get_data(as_text=True)
        body = r.get_json()
        entries = body["entries"]
        expected = self.cursor + 1
        for entry in entries:
            assert entry["seq"] == expected, f"journal sequence jumped from {expected - 1} to {entry['seq']}"
            expected += 1
        assert body["lastSeq"] == expected - 1, f"journal lastSeq {body['lastSeq']} but entries end at {expected - 1}"
        self.cursor = expected - 1
        self.seen += len(entries)
        return entries


def events(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if e["kind"] == "event"]
