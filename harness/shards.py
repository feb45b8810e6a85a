"""`certify --shard I/N`: one of N parts of a certification, the same split on every machine without talking.

The selected scenarios (each scenario once per medium it runs on) are split greedily, longest first, into N bins
balanced by their measured duration (`scenario_durations.json`, beside this module); ties go by name, then to the
lowest bin, so the split depends only on the selection, N and the table. A scenario missing from the table counts
`DEFAULT_SECONDS`. `omni-harness merge-reports` puts the shards' reports back together into one certification.

Regenerate the table from a full run's report (scenarios.json holds each scenario's measured duration):

    omni-harness certify --profile all --media all --workers 1 --report-dir full-report
    python -m omni_harness.harness.shards full-report [more report dirs...]

Also the pytest plugin (`-p omni_harness.harness.shards`) that gives the suite its `--omni-shard I/N` option.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

DURATIONS_FILE = Path(__file__).with_name("scenario_durations.json")
DEFAULT_SECONDS = 5.0  # a scenario the table does not know yet: about a core scenario's time
SHARD_OPTION = "omni_shard"


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `total` (1 <= index <= total)."""

    index: int
    total: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`2/4` as Shard(2, 4); ValueError (one line) for anything else."""
        head, sep, tail = str(text).strip().partition("/")
        try:
            index, total = int(head), int(tail)
        except ValueError:
            raise ValueError(f"--shard {text!r} is not I/N (e.g. 1/2): two whole numbers, 1 <= I <= N") from None
        if not sep or total < 1 or not 1 <= index <= total:
            raise ValueError(f"--shard {text!r} is not I/N with 1 <= I <= N (e.g. 1/2, 2/2)")
        return cls(index, total)

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    def to_json(self) -> dict[str, int]:
        return {"index": self.index, "total": self.total}


def shard_argument(text: str) -> Shard:
    """argparse `type=` for `--shard`: a bad value is argparse's usage error (exit 2)."""
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--shard ")) from None


@dataclass(frozen=True)
class PlannedScenario:
    """One selected scenario on one medium, the shard that runs it and the seconds it is expected to take."""

    name: str
    feature: str
    requirements: tuple[str, ...]
    medium: str
    shard: int
    seconds: float

    @property
    def key(self) -> str:
        """`Scenario name [chat]`: as the durations table and the shards' plans name it."""
        return scenario_key(self.name, self.medium)

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.name, "feature": self.feature, "requirements": list(self.requirements),
                "medium": self.medium, "shard": self.shard, "seconds": round(self.seconds, 3)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedScenario:
        return cls(data["scenario"], data.get("feature", ""), tuple(data.get("requirements", [])), data["medium"],
                   int(data["shard"]), float(data.get("seconds", 0.0)))


def scenario_key(name: str, medium: str) -> str:
    return f"{name} [{medium}]"


@cache
def durations() -> dict[str, float]:
    """The measured seconds of each scenario on each medium (`scenario_key`), from the checked-in table."""
    try:
        data = json.loads(DURATIONS_FILE.read_text())
    except FileNotFoundError:
        return {}
    return {str(k): float(v) for k, v in data.get("scenarios", {}).items()}


def plan_shards(scenarios: Iterable[tuple[str, str, tuple[str, ...], Any]], total: int,
                table: dict[str, float] | None = None,
                free: Callable[[tuple[str, ...], str], bool] | None = None) -> tuple[PlannedScenario, ...]:
    """Splits (name, feature, requirement ids, medium) scenarios into `total` shards: longest first, each into the
    shard with the least expected seconds so far (the lowest index on a tie); equal durations go by name, so
    every machine computes the same split. `free(ids, medium)`: a scenario that costs nothing (it is skipped at
    once, the connector does not declare it). Answers the plan in the order given."""
    table = durations() if table is None else table
    items = []
    for name, feature, ids, medium in scenarios:
        m = str(medium)
        seconds = 0.0 if free is not None and free(tuple(ids), m) else table.get(scenario_key(name, m),
                                                                                 DEFAULT_SECONDS)
        items.append((name, feature, tuple(ids), m, seconds))
    load = [0.0] * max(1, total)
    shard_of: dict[tuple[str, str], int] = {}
    for name, _, _, medium, seconds in sorted(items, key=lambda it: (-it[4], it[0], it[3])):
        index = min(range(len(load)), key=lambda i: (load[i], i))
        load[index] += seconds
        shard_of[(name, medium)] = index + 1
    return tuple(PlannedScenario(name, feature, ids, medium, shard_of[(name, medium)], seconds)
                 for name, feature, ids, medium, seconds in items)


def shard_loads(plan: Iterable[PlannedScenario], total: int) -> list[float]:
    """Expected seconds of each shard (index 0 is shard 1)."""
    load = [0.0] * total
    for p in plan:
        load[p.shard - 1] += p.seconds
    return load


# -- the durations table ------------------------------------------------------------------------------
def measure(report_dirs: Iterable[Path]) -> dict[str, float]:
    """Each scenario's measured seconds per medium from reports' scenarios.json (the longest when seen twice)."""
    out: dict[str, float] = {}
    for directory in report_dirs:
        for s in json.loads((Path(directory) / "scenarios.json").read_text()):
            if s.get("outcome") not in ("passed", "failed", "error") or not s.get("name"):
                continue  # a skipped scenario measured nothing
            key = scenario_key(s["name"], s.get("medium") or "chat")
            out[key] = max(out.get(key, 0.0), round(float(s.get("duration") or 0.0), 2))
    return dict(sorted(out.items()))


def write_table(report_dirs: list[Path], path: Path = DURATIONS_FILE) -> dict[str, Any]:
    measured = measure(report_dirs)
    data = {"about": "measured seconds of each certification scenario per medium (setup, steps and clean-up), for "
                     "certify --shard; regenerate: python -m omni_harness.harness.shards REPORT_DIR...",
            "scenarios": measured}
    path.write_text(json.dumps(data, indent=2) + "\n")
    durations.cache_clear()
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m omni_harness.harness.shards",
                                     description="Rewrite the table of measured scenario durations that "
                                                 "`certify --shard` balances by, from reports' scenarios.json.")
    parser.add_argument("report_dirs", nargs="+", type=Path, metavar="REPORT_DIR")
    parser.add_argument("--out", type=Path, default=DURATIONS_FILE, help=f"default {DURATIONS_FILE}")
    args = parser.parse_args(argv)
    try:
        data = write_table(args.report_dirs, args.out)
    except (OSError, ValueError) as exc:
        print(f"python -m omni_harness.harness.shards: {exc}", file=sys.stderr)
        return 2
    print(f"{len(data['scenarios'])} scenario durations written to {args.out}")
    return 0


# -- pytest plugin ------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("omni-harness").addoption(
        "--omni-shard", dest=SHARD_OPTION, default=None, metavar="I/N",
        help="run shard I of N of the selected scenarios (split by measured duration, the same on every machine)")


if __name__ == "__main__":
    sys.exit(main())
