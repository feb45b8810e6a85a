"""Scenario results and per-requirement verdicts, gathered from pytest reports (also those of xdist workers)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from .media import split_key, verdict_key
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
NOT_RUN_PROPERTY = "not_run"  # why a scenario was not run (the connector never became ready)
# Carried from the xdist workers to the controller in a report's user properties, not meant for junit.xml.
BDD_REPORT = "omni_bdd_report"  # pytest-bdd's step report (cucumber.json)
RECORD = "omni_record"  # the scenario's record (agents, journal window, clean-up, measurements)
INTERNAL_PROPERTIES = (BDD_REPORT, RECORD)


class RunVerdict(StrEnum):
    """The verdict of a whole run (banner, summary.json, exit status)."""

    CERTIFIED = "certified"  # every requirement certification needs ran and passed
    PASSED_FOR_THE_SELECTION = "passed for the selection"  # what ran passed, but the selection left some out
    NOT_CERTIFIED = "not certified"  # a requirement that counts failed
    NOT_READY = "not ready"  # the connector never became ready: nothing ran
    INTERRUPTED = "interrupted"  # SIGINT or SIGTERM: the run stopped part-way
    NOTHING = "nothing certified"  # the selection held only requirements the connector does not declare
    # `certify --shard I/N`: nothing this shard ran failed; the shards' merged report decides (merge-reports).
    PASSED_FOR_THE_SHARD = "passed for the shard"


MARKS = {Verdict.PASSED: "PASS", Verdict.FAILED: "FAIL", Verdict.NOT_RUN: "----", Verdict.NOT_DECLARED: "n/d "}
OUTCOME_MARKS = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.ERROR: "ERR ", Outcome.SKIPPED: "SKIP",
                 Outcome.NOT_DECLARED: "n/d "}
BANNERS = {RunVerdict.CERTIFIED: "CERTIFIED", RunVerdict.PASSED_FOR_THE_SELECTION: "PASSED FOR THE SELECTION",
           RunVerdict.NOT_CERTIFIED: "NOT CERTIFIED", RunVerdict.NOT_READY: "NOT CERTIFIED: THE CONNECTOR WAS NOT READY",
           RunVerdict.INTERRUPTED: "INTERRUPTED", RunVerdict.NOTHING: "NOTHING CERTIFIED",
           RunVerdict.PASSED_FOR_THE_SHARD: "PASSED FOR THE SHARD"}


@dataclass
class ScenarioResult:
    nodeid: str
    name: str = ""
    feature: str = ""
    requirements: list[str] = field(default_factory=list)
    profile: str = ""
    medium: str = "chat"
    outcome: Outcome = Outcome.PASSED
    duration: float = 0.0
    message: str = ""
    failed_step: str = ""
    expectation: str = ""  # what the failed step waited for or checked
    seen: str = ""  # the state it saw instead
    reason: str = ""  # why it was not run
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
    reason: str = ""  # why it was not run
    medium: str = "chat"

    @property
    def key(self) -> str:
        """`PICK-2 [messaging]`: how every report names this verdict."""
        return verdict_key(self.id, self.medium)

    @property
    def counts(self) -> bool:
        """Whether it decides the certification: required, and declared by the connector."""
        return self.required and self.verdict is not Verdict.NOT_DECLARED

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "medium": self.medium, "key": self.key, "verdict": str(self.verdict),
                "scenarios": self.scenarios,
                "statement": self.statement, "duration": round(self.duration, 3), "profile": self.profile,
                "source": self.source, "required": self.required, "reason": self.reason or None}


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
                                    [r for r in props["requirements"].split(",") if r], props.get("profile", ""),
                                    props.get("medium", "chat"))
            self.scenarios[report.nodeid] = result
        result.duration += float(getattr(report, "duration", 0.0) or 0.0)
        result.worker = _worker(report) or result.worker
        if RECORD in props:
            result.record = json.loads(props[RECORD])
        if "failed_step" in props and not result.failed_step:
            result.failed_step = props["failed_step"]
            result.expectation = props.get("failed_expectation", "")
            result.seen = props.get("failed_seen", "")
        if NOT_DECLARED_PROPERTY in props and report.skipped:
            result.outcome = Outcome.NOT_DECLARED
        if NOT_RUN_PROPERTY in props and report.skipped:
            result.reason = props[NOT_RUN_PROPERTY]
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
                v = out.setdefault(verdict_key(rid, result.medium), RequirementVerdict(
                    rid, Verdict.NOT_RUN, [], req.statement if req else "", profile=str(req.profile) if req else "",
                    source=req.source if req else "", required=req.required if req else True, medium=result.medium))
                v.scenarios.append(result.name or result.nodeid)
                v.duration += result.duration
                if result.outcome is Outcome.SKIPPED and result.reason and not v.reason:
                    v.reason = result.reason
                if result.outcome is Outcome.NOT_DECLARED:
                    if v.verdict is Verdict.NOT_RUN:
                        v.verdict = Verdict.NOT_DECLARED
                elif result.outcome in (Outcome.FAILED, Outcome.ERROR):
                    v.verdict = Verdict.FAILED
                elif result.outcome is Outcome.PASSED and v.verdict in (Verdict.NOT_RUN, Verdict.NOT_DECLARED):
                    v.verdict = Verdict.PASSED
        return in_catalogue_order(out)

    @property
    def passed(self) -> bool:
        return certified(self.verdicts())


def complete(verdicts: dict[str, RequirementVerdict], selected: list[str], reason: str,
             undeclared: frozenset[str] = frozenset()) -> dict[str, RequirementVerdict]:
    """The verdicts with every selected requirement that no scenario reported on added: "not declared" when the
    connector does not declare it, else "not run" (`reason`); in catalogue order."""
    cat = catalogue()
    out = dict(verdicts)
    for key in selected:
        if key not in out:
            rid, medium = split_key(key)
            req = cat.get(rid)
            verdict = Verdict.NOT_DECLARED if key in undeclared else Verdict.NOT_RUN
            out[key] = RequirementVerdict(rid, verdict, [], req.statement if req else "",
                                          profile=str(req.profile) if req else "", source=req.source if req else "",
                                          required=req.required if req else True,
                                          reason="" if key in undeclared else reason, medium=medium or "chat")
    return in_catalogue_order(out)


def in_catalogue_order(verdicts: dict[str, RequirementVerdict]) -> dict[str, RequirementVerdict]:
    """Chat first, then messaging; within a medium, the catalogue's order."""
    order = list(catalogue())
    media = ["chat", "messaging"]

    def rank(v: RequirementVerdict) -> tuple[int, int, str]:
        return (media.index(v.medium) if v.medium in media else 9, order.index(v.id) if v.id in order else 999, v.id)

    return dict(sorted(verdicts.items(), key=lambda kv: rank(kv[1])))


@dataclass(frozen=True)
class Judgement:
    """The run's verdict and what it rests on."""

    verdict: RunVerdict
    not_run: list[str]  # requirements certification needs that were not run (not selected, or never reached)
    interrupted_by: str | None = None  # SIGINT / SIGTERM
    shard: Any = None  # omni_harness.harness.shards.Shard of a `--shard I/N` run

    @property
    def banner(self) -> str:
        return BANNERS[self.verdict]


def judge(verdicts: dict[str, RequirementVerdict], required: list[str], *, startup_error: str | None = None,
          interrupted_by: str | None = None, shard: Any = None) -> Judgement:
    """CERTIFIED only when every requirement in `required` (what certification needs for what the connector
    declares) ran and passed, and nothing that counts failed.

    A shard (`shard`: omni_harness.harness.shards.Shard) is never certified by itself: it is judged as the whole run would
    be, except that what would be certified, passed for the selection or nothing certified is "passed for the
    shard" (the other shards ran the rest); a failure, a connector not ready or an interruption stays what it is."""
    whole = _judge(verdicts, required, startup_error=startup_error, interrupted_by=interrupted_by)
    if shard is None:
        return whole
    if whole.verdict in (RunVerdict.CERTIFIED, RunVerdict.PASSED_FOR_THE_SELECTION, RunVerdict.NOTHING):
        return Judgement(RunVerdict.PASSED_FOR_THE_SHARD, whole.not_run, shard=shard)
    return Judgement(whole.verdict, whole.not_run, whole.interrupted_by, shard)


def _judge(verdicts: dict[str, RequirementVerdict], required: list[str], *, startup_error: str | None,
           interrupted_by: str | None) -> Judgement:
    not_run = [rid for rid in required if rid not in verdicts or verdicts[rid].verdict is not Verdict.PASSED
               and verdicts[rid].verdict is not Verdict.FAILED]
    if interrupted_by:
        return Judgement(RunVerdict.INTERRUPTED, not_run, interrupted_by)
    if startup_error:
        return Judgement(RunVerdict.NOT_READY, not_run)
    counting = [v for v in verdicts.values() if v.counts]
    if any(v.verdict is Verdict.FAILED for v in counting):
        return Judgement(RunVerdict.NOT_CERTIFIED, not_run)
    if not any(v.verdict is Verdict.PASSED for v in counting):
        return Judgement(RunVerdict.NOTHING, not_run)
    if not_run or not all(v.verdict is Verdict.PASSED for v in counting):
        return Judgement(RunVerdict.PASSED_FOR_THE_SELECTION, not_run)
    return Judgement(RunVerdict.CERTIFIED, [])
