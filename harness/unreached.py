"""Givens the connector already failed to reach in this run, so the next scenario that needs them fails at once.

A connector that never syncs presence fails "Alice is On Queue in the client" in its first scenario; every later
scenario that starts the same way would wait out the same time-out for the same reason. When a wait inside a Given
step times out, it is written here (per medium, with what was waited for, names and ids taken out); a later Given
that waits for the same thing checks the state once and, if it does not hold, fails at once naming the scenario
where it already failed. Only a run that has already failed is shortened: a wait that succeeds is never affected.

The file lives in the run folder and is shared by the pytest-xdist workers (appends under an flock).
"""

from __future__ import annotations

import fcntl
import json
from dataclasses import dataclass
from pathlib import Path

from .rootcause import normalize

FILE_NAME = "unreached-givens.ndjson"


@dataclass(frozen=True)
class Unreached:
    medium: str
    waited_for: str  # normalised
    scenario: str
    seen: str


class UnreachedGivens:
    def __init__(self, run_dir: str | Path) -> None:
        self.path = Path(run_dir) / FILE_NAME

    def record(self, medium: str, describe: str, scenario: str, seen: str) -> None:
        line = json.dumps({"medium": medium, "waitedFor": normalize(describe), "scenario": scenario, "seen": seen})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                fh.write(line + "\n")
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def find(self, medium: str, describe: str) -> Unreached | None:
        if not self.path.exists():
            return None
        key = normalize(describe)
        with open(self.path) as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
            try:
                lines = fh.read().splitlines()
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        for text in lines:
            try:
                item = json.loads(text)
            except ValueError:
                continue
            if item.get("medium") == medium and item.get("waitedFor") == key:
                return Unreached(medium, key, str(item.get("scenario")), str(item.get("seen")))
        return None
