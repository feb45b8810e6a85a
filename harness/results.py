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
    NOT_DECLARED = "not declared"  # outside what the connector's manifest declares: not run


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not run"
    NOT_DECLARED = "not declared"  # never "passed": the connector does not claim it, and it does not count


NOT_DECLARED_PROPERTY = "not_declared"


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
    expectation: str = ""  # what the failed step waited for or checked
    seen: str = ""  # the state it saw instead
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
    profile: str = ""
    source: str = ""
    required: bool = True

    @property
    def counts(self) -> bool:
        """Whether it decides the certification: required, and declared by the connector."""
        return self.required and self.verdict is not Verdict.NOT_DECLARED

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "verdict": str(self.verdict), "scenarios": self.scenarios,
                "statement": self.statement, "duration": round(self.duration, 3), "profile": self.profile,
                "source": self.source, "required": self.required}


def certified(verdicts: dict[str, RequirementVerdict]) -> bool:
    """The overall verdict: at least one requirement certified, and every one that counts passed."""
    counting = [v for v in verdicts.values() if v.counts]
    return bool(counting) and all(v.verdict is Verdict.PASSED for v in counting)


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
            result.expectation = props.get("failed_expectation", "")
            result.seen = props.get("failed_seen", "")
        if NOT_DECLARED_PROPERTY in props and report.skipped:
            result.outcome = Outcome.NOT_DECLARED
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
                req = cat.get(rid)
                v = out.setdefault(rid, RequirementVerdict(
                    rid, Verdict.NOT_RUN, [], req.statement if req else "", profile=str(req.profile) if req else "",
                    source=req.source if req else "", required=req.required if req else True))
                v.scenarios.append(result.name or result.nodeid)
                v.duration += result.duration
                if result.outcome is Outcome.NOT_DECLARED:
                    if v.verdict is Verdict.NOT_RUN:
                        v.verdict = Verdict.NOT_DECLARED
                elif result.outcome in (Outcome.FAILED, Outcome.ERROR):
                    v.verdict = Verdict.FAILED
                elif result.outcome is Outcome.PASSED and v.verdict in (Verdict.NOT_RUN, Verdict.NOT_DECLARED):
                    v.verdict = Verdict.PASSED
        order = list(cat)
        return dict(sorted(out.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 999, kv[0])))

    @property
    def passed(self) -> bool:
        return certified(self.verdicts())
