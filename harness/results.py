"""Scenario results and per-requirement verdicts, gathered from pytest reports (also those of xdist workers)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from .requirements import catalogue


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # set-up or clean-up failed
    SKIPPED = "skipped"


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not run"


@dataclass
class ScenarioResult:
    nodeid: str
    name: str = ""
    feature: str = ""
    requirements: list[str] = field(default_factory=list)
    profile: str = ""
    outcome: Outcome = Outcome.PASSED
    duration: float = 0.0
    message: str = ""
    failed_step: str = ""
    worker: str = ""
    record: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["outcome"] = str(self.outcome)
        return out


@dataclass
class RequirementVerdict:
    id: str
    verdict: Verdict
    scenarios: list[str]
    statement: str = ""
    duration: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "verdict": str(self.verdict), "scenarios": self.scenarios,
                "statement": self.statement, "duration": round(self.duration, 3)}


def _props(report: Any) -> dict[str, Any]:
    return {k: v for k, v in getattr(report, "user_properties", []) or []}


def _worker(report: Any) -> str:
    gateway = getattr(getattr(report, "node", None), "gateway", None)
    return str(getattr(gateway, "id", "") or "")


def failure_message(report: Any) -> str:
    longrepr = getattr(report, "longrepr", None)
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return str(crash.message)
    return str(getattr(report, "longreprtext", "") or longrepr or "")


class Results:
    """Folds the setup/call/teardown reports of each scenario into one result."""

    def __init__(self) -> None:
        self.scenarios: dict[str, ScenarioResult] = {}

    def add(self, report: Any) -> ScenarioResult | None:
        """Takes one report; answers the scenario's result once its teardown is reported."""
        props = _props(report)
        if "requirements" not in props:
            return None
        result = self.scenarios.get(report.nodeid)
        if result is None:
            result = ScenarioResult(report.nodeid, props.get("scenario", ""), props.get("feature", ""),
                                    [r for r in props["requirements"].split(",") if r], props.get("profile", ""))
            self.scenarios[report.nodeid] = result
        result.duration += float(getattr(report, "duration", 0.0) or 0.0)
        result.worker = _worker(report) or result.worker
        if "omni_record" in props:
            result.record = json.loads(props["omni_record"])
        if "failed_step" in props and not result.failed_step:
            result.failed_step = props["failed_step"]
        if report.failed:
            if report.when == "call":
                result.outcome = Outcome.FAILED
            elif result.outcome is not Outcome.FAILED:
                result.outcome = Outcome.ERROR
            if not result.message:
                result.message = failure_message(report)
        elif report.skipped and report.when in ("setup", "call") and result.outcome is Outcome.PASSED:
            result.outcome = Outcome.SKIPPED
        return result if report.when == "teardown" else None

    def verdicts(self) -> dict[str, RequirementVerdict]:
        cat = catalogue()
        out: dict[str, RequirementVerdict] = {}
        for result in self.scenarios.values():
            for rid in result.requirements:
                v = out.setdefault(rid, RequirementVerdict(rid, Verdict.NOT_RUN, [],
                                                           cat[rid].statement if rid in cat else ""))
                v.scenarios.append(result.name or result.nodeid)
                v.duration += result.duration
                if result.outcome in (Outcome.FAILED, Outcome.ERROR):
                    v.verdict = Verdict.FAILED
                elif result.outcome is Outcome.PASSED and v.verdict is Verdict.NOT_RUN:
                    v.verdict = Verdict.PASSED
        order = list(cat)
        return dict(sorted(out.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 999, kv[0])))

    @property
    def passed(self) -> bool:
        verdicts = self.verdicts()
        return bool(verdicts) and all(v.verdict is Verdict.PASSED for v in verdicts.values())
