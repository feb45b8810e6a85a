"""`omni-harness merge-reports DIR...`: the reports of `certify --shard I/N` runs merged into one certification.

Each shard's summary.json carries its place (`shard`: index, total, the whole run's plan, what certification
needs). The shards must be of the same run (connector, manifest, profile, selection, media, feature files, harness
version, N and plan) with distinct indexes. The scenarios of every shard are judged together exactly as one run
judges its own (`Results.verdicts`, `complete`, `judge`); a shard whose report is missing leaves its scenarios
"not run", naming it, so the merge is CERTIFIED only when every shard 1..N is present and every required requirement
passed. The journals are renumbered one after another (each shard had its own fakes), so every `seq` in the merged
report, the scenarios' windows and the warnings, still points at its entry.
"""

from __future__ import annotations

import json
import signal
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from .html_report import render
from .media import verdict_key
from .reports import (
    CONNECTOR_LOG,
    CUCUMBER,
    HTML,
    JOURNAL,
    JUNIT,
    SCENARIOS,
    SUMMARY,
    ReportDirError,
    _verdict_notes,
    media_verdicts,
    prepare_report_dir,
    verdict_notes,
)
from .requirements import catalogue
from .results import (
    Judgement,
    Outcome,
    RequirementVerdict,
    Results,
    RunVerdict,
    ScenarioResult,
    Verdict,
    complete,
    judge,
)
from .shards import PlannedScenario

# What must be equal in every shard of one run (summary.json keys).
SAME_RUN = ("harnessVersion", "featuresHash", "connector", "profile", "profiles", "selection", "media")
MERGED_ARTEFACTS = (JUNIT, CUCUMBER, SUMMARY, HTML, JOURNAL, CONNECTOR_LOG, SCENARIOS)
SEQ_FIELDS = ("start_seq", "end_seq", "cleanup_seq", "connector_start_seq")  # a scenario record's journal positions


class MergeError(ValueError):
    """The folders cannot be merged (not shard reports, not shards of one run, the same shard twice)."""


@dataclass
class ShardReport:
    directory: Path
    summary: dict[str, Any]

    @property
    def index(self) -> int:
        return int(self.summary["shard"]["index"])

    @property
    def total(self) -> int:
        return int(self.summary["shard"]["total"])

    def read_json(self, name: str, default: Any) -> Any:
        path = self.directory / name
        if not path.exists():
            return default
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise MergeError(f"{path} is not JSON: {exc}") from None

    def journal(self) -> list[dict[str, Any]]:
        path = self.directory / JOURNAL
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass
class Merged:
    """What a merge produced, for the CLI and for tests."""

    exit_code: int
    summary: dict[str, Any]
    report_dir: Path
    judgement: Judgement
    verdicts: dict[str, RequirementVerdict]
    scenarios: list[ScenarioResult] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    seconds: float = 0.0


def read_shard(directory: Path) -> ShardReport:
    path = Path(directory) / SUMMARY
    if not path.is_file():
        raise MergeError(f"{directory} holds no {SUMMARY}: not a report folder of `omni-harness certify`")
    try:
        summary = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise MergeError(f"{path} is not JSON: {exc}") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("shard"), dict):
        what = "a merged report" if isinstance(summary, dict) and summary.get("merged") else "a whole run's report"
        raise MergeError(f"{directory} is {what}, not a shard's (`certify --shard I/N` writes those)")
    return ShardReport(Path(directory), summary)


def _differs(reports: list[ShardReport]) -> str | None:
    """What makes the reports not shards of the same run (None: they are)."""
    first = reports[0]
    for other in reports[1:]:
        for key in SAME_RUN:
            if first.summary.get(key) != other.summary.get(key):
                return (f"{first.directory} and {other.directory} are not shards of the same run: their {key} "
                        f"differs ({_short(first.summary.get(key))} vs {_short(other.summary.get(key))})")
        if first.total != other.total:
            return (f"{first.directory} is shard {first.index}/{first.total} but {other.directory} is shard "
                    f"{other.index}/{other.total}: shards of one run share N")
        for key in ("plan", "required"):
            if first.summary["shard"].get(key) != other.summary["shard"].get(key):
                return (f"{first.directory} and {other.directory} split the run differently (their shard {key} "
                        "differs: another harness version or durations table?)")
    seen: dict[int, Path] = {}
    for r in reports:
        if r.index in seen:
            return f"{seen[r.index]} and {r.directory} are both shard {r.index}/{r.total}: each shard once"
        seen[r.index] = r.directory
    return None


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _scenario(data: dict[str, Any]) -> ScenarioResult:
    names = {f.name for f in fields(ScenarioResult)}
    result = ScenarioResult(**{k: v for k, v in data.items() if k in names})
    result.outcome = Outcome(data.get("outcome", "passed"))
    return result


def _renumber(reports: list[ShardReport]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[int, int]]:
    """Every shard's journal one after the other (seq made unique), its scenarios with their windows moved along;
    answers (entries, scenarios, offset per shard index)."""
    entries: list[dict[str, Any]] = []
    scenarios: list[dict[str, Any]] = []
    offsets: dict[int, int] = {}
    offset = 0
    for r in reports:
        offsets[r.index] = offset
        journal = r.journal()
        for entry in journal:
            entry["seq"] = int(entry.get("seq", 0)) + offset
            entries.append(entry)
        for s in r.read_json(SCENARIOS, []):
            record = s.get("record") or {}
            for key in SEQ_FIELDS:
                if isinstance(record.get(key), int):
                    record[key] += offset
            scenarios.append(s)
        offset = max([offset, *(e["seq"] for e in entries)])
    return entries, scenarios, offsets


def _selected(plan: list[PlannedScenario], reports: list[ShardReport]) -> list[str]:
    """The verdict keys the whole run selects: what each shard reported, and the requirements (on the media they
    apply to) of the scenarios of any shard."""
    cat = catalogue()
    keys = [r["key"] for report in reports for r in report.summary.get("requirements", [])]
    wanted = set(reports[0].summary.get("selection", {}).get("requirements") or [])
    keys += [verdict_key(rid, p.medium) for p in plan for rid in p.requirements
             if rid in cat and cat[rid].applies_to(p.medium) and (not wanted or rid in wanted)]
    return list(dict.fromkeys(keys))


def _junit(reports: list[ShardReport], out: Path) -> None:
    """One test suite holding every shard's test cases (pytest wrote one junit.xml per shard)."""
    root = ET.Element("testsuites", name="omni-harness")
    suite = ET.SubElement(root, "testsuite", name="omni-harness")
    totals = {"tests": 0, "errors": 0, "failures": 0, "skipped": 0}
    seconds = 0.0
    for r in reports:
        try:
            tree = ET.parse(r.directory / JUNIT)
        except (OSError, ET.ParseError):
            continue
        for source in tree.getroot().iter("testsuite"):
            for key in totals:
                totals[key] += int(source.get(key, "0") or 0)
            seconds += float(source.get("time", "0") or 0)
            suite.extend(list(source.iter("testcase")))
    for key, value in totals.items():
        suite.set(key, str(value))
    suite.set("time", f"{seconds:.3f}")
    ET.ElementTree(root).write(out / JUNIT, encoding="utf-8", xml_declaration=True)


def _cucumber(reports: list[ShardReport]) -> list[dict[str, Any]]:
    """Every shard's Cucumber features, one per feature file, with the scenarios of all shards."""
    features: dict[str, dict[str, Any]] = {}
    for r in reports:
        for feature in r.read_json(CUCUMBER, []):
            key = str(feature.get("uri") or feature.get("id") or feature.get("name"))
            if key in features:
                features[key].setdefault("elements", []).extend(feature.get("elements", []))
            else:
                features[key] = feature
    return list(features.values())


def exit_code(judgement: Judgement) -> int:
    """The exit status certify gives the same verdict."""
    from .certify import EXIT_CODES, EXIT_SIGNAL_BASE

    if judgement.verdict is RunVerdict.INTERRUPTED:
        return EXIT_SIGNAL_BASE + int(getattr(signal, judgement.interrupted_by or "SIGINT", signal.SIGINT))
    return EXIT_CODES[judgement.verdict]


def merge_reports(directories: list[Path], out: Path, force: bool = False) -> Merged:
    """Merges the shards' report folders into `out`; MergeError when they are not shards of one run."""
    if not directories:
        raise MergeError("no report folder given")
    # An empty folder is what a shard with no scenario leaves (certify cleared it and wrote nothing): the plan
    # says whether that shard held nothing or its report is missing.
    given = [Path(d) for d in directories if not (Path(d).is_dir() and not any(Path(d).iterdir()))]
    if not given:
        raise MergeError("every folder given is empty: no shard's report to merge")
    reports = sorted((read_shard(d) for d in given), key=lambda r: r.index)
    problem = _differs(reports)
    if problem:
        raise MergeError(problem)
    out = Path(out).resolve()
    if any(r.directory.resolve() == out for r in reports):
        raise MergeError(f"--report-dir {out} is one of the shards' folders: write the merged report elsewhere")
    try:
        prepare_report_dir(out, force)
    except ReportDirError as exc:
        raise MergeError(str(exc)) from None
    total = reports[0].total
    first = reports[0].summary
    shard_info = first["shard"]
    plan = [PlannedScenario.from_json(p) for p in shard_info.get("plan", [])]
    present = [r.index for r in reports]
    # A shard the plan gives no scenario (more shards than scenarios) ran nothing and wrote no report.
    empty = [i for i in range(1, total + 1) if i not in present and not any(p.shard == i for p in plan)]
    missing = [i for i in range(1, total + 1) if i not in present and i not in empty]

    entries, scenario_dicts, _ = _renumber(reports)
    results = Results()
    for s in scenario_dicts:
        results.scenarios[s["nodeid"]] = _scenario(s)
    verdicts = results.verdicts()
    # A requirement with a scenario in a missing shard did not run whole: it cannot have passed.
    unmerged: dict[str, int] = {}
    for p in plan:
        if p.shard in missing:
            for rid in p.requirements:
                unmerged.setdefault(verdict_key(rid, p.medium), p.shard)
    for key, index in unmerged.items():
        v = verdicts.get(key)
        if v is not None and v.verdict is Verdict.PASSED:
            v.verdict = Verdict.NOT_RUN
            v.reason = f"not run whole: shard {index}/{total}, which runs some of its scenarios, was not merged"
    undeclared = frozenset(r["key"] for rep in reports for r in rep.summary.get("requirements", [])
                           if r.get("verdict") == str(Verdict.NOT_DECLARED))
    missing_note = ", ".join(f"{i}/{total}" for i in missing)
    verdicts = complete(verdicts, _selected(plan, reports),
                        f"not run: shard {missing_note} was not merged" if missing else "not run", undeclared)
    startup_error = next((f"shard {r.index}/{total}: {r.summary['startupError']}" for r in reports
                          if r.summary.get("startupError")), None)
    interrupted_by = next((r.summary["interruptedBy"] for r in reports if r.summary.get("interruptedBy")), None)
    judgement = judge(verdicts, list(shard_info.get("required", [])), startup_error=startup_error,
                      interrupted_by=interrupted_by)
    # A missing shard always leaves something unproven: at best the narrowed verdict, which names what never ran
    # (also when every requirement it touched is left "not run": that is not "nothing declared").
    if missing and (judgement.verdict is RunVerdict.CERTIFIED or judgement.verdict is RunVerdict.NOTHING
                    and any(v.counts for v in verdicts.values())):
        judgement = Judgement(RunVerdict.PASSED_FOR_THE_SELECTION, judgement.not_run)

    warnings = [w for r in _shifted_warnings(reports, "warnings") for w in r]
    refusals = [w for r in _shifted_warnings(reports, "injectedRefusals") for w in r]
    timings: dict[str, float] = {}
    for r in reports:  # the matrix takes as long as its slowest shard
        for k, v in (r.summary.get("timings") or {}).items():
            timings[k] = max(timings.get(k, 0.0), float(v))
    notes = list(shard_info.get("runNotes", [])) + verdict_notes(verdicts)
    if empty:
        notes.append(f"Shard {', '.join(f'{i}/{total}' for i in empty)} held no scenario of the selection: nothing "
                     "to merge from it.")
    if missing:
        notes.append(f"Merged {len(present)} of {total} shards: the report of shard {missing_note} is missing, so "
                     "its scenarios never ran here; merge every shard's report for a certification.")
    notes += _verdict_notes(judgement)
    summary = {k: v for k, v in first.items() if k != "shard"}
    summary.update({
        "generatedAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "mediaVerdicts": media_verdicts(verdicts),
        "startupError": startup_error,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "requirements": _requirements(verdicts, reports),
        "counts": _counts(verdicts),
        "verdict": str(judgement.verdict),
        "requiredNotRun": judgement.not_run,
        "interruptedBy": judgement.interrupted_by,
        "warnings": warnings,
        "injectedRefusals": refusals,
        "notes": notes,
        "artefacts": list(MERGED_ARTEFACTS),
        "merged": {"total": total, "missing": missing, "empty": empty,
                   "shards": [{"index": r.index, "reportDir": str(r.directory), "verdict": r.summary.get("verdict")}
                              for r in reports]},
    })
    (out / SUMMARY).write_text(json.dumps(summary, indent=2))
    (out / SCENARIOS).write_text(json.dumps(scenario_dicts, indent=2))
    with open(out / JOURNAL, "w") as fh:
        for entry in entries:
            fh.write(json.dumps(entry, separators=(",", ":")) + "\n")
    _junit(reports, out)
    (out / CUCUMBER).write_text(json.dumps(_cucumber(reports), indent=2))
    with open(out / CONNECTOR_LOG, "w") as fh:
        for r in reports:
            fh.write(f"--- omni-harness: the connector of shard {r.index}/{total} ({r.directory})\n")
            log = r.directory / CONNECTOR_LOG
            fh.write(log.read_text(errors="replace") if log.exists() else "(no connector.log)\n")
    (out / HTML).write_text(render(summary, scenario_dicts, entries))
    return Merged(exit_code(judgement), summary, out, judgement, verdicts, list(results.scenarios.values()), missing,
                  timings.get("scenarios_done", 0.0))


def _shifted_warnings(reports: list[ShardReport], key: str) -> list[list[dict[str, Any]]]:
    """Each shard's warnings with their `seq` moved as its journal was (see `_renumber`)."""
    out = []
    offset = 0
    for r in reports:
        items = []
        for w in r.summary.get(key) or []:
            items.append({**w, "seq": int(w.get("seq", 0)) + offset})
        out.append(items)
        offset += max([0, *(int(e.get("seq", 0)) for e in r.journal())])
    return out


def _requirements(verdicts: dict[str, RequirementVerdict], reports: list[ShardReport]) -> list[dict[str, Any]]:
    """summary.json's requirements: the merged verdicts, with what their scenarios measured in any shard."""
    measured: dict[str, dict[str, Any]] = {}
    for r in reports:
        for item in r.summary.get("requirements", []):
            if item.get("measurements"):
                measured.setdefault(item["key"], {}).update(item["measurements"])
    out = []
    for v in verdicts.values():
        item = v.to_json()
        if v.key in measured:
            item["measurements"] = measured[v.key]
        out.append(item)
    return out


def _counts(verdicts: dict[str, RequirementVerdict]) -> dict[str, int]:
    values = [v.verdict for v in verdicts.values()]
    return {"passed": values.count(Verdict.PASSED), "failed": values.count(Verdict.FAILED),
            "notRun": values.count(Verdict.NOT_RUN), "notDeclared": values.count(Verdict.NOT_DECLARED)}


def print_merged(merged: Merged, stream: TextIO | None = None) -> None:
    """Which shards were merged, then the verdict as certify prints it."""
    from .certify import Certification, print_verdict

    out = stream or sys.stdout
    shards = merged.summary["merged"]
    total = shards["total"]
    for s in shards["shards"]:
        print(f"shard {s['index']}/{total}: {s['verdict']}  ({s['reportDir']})", file=out)
    for i in merged.missing:
        print(f"shard {i}/{total}: MISSING (its report was not given)", file=out)
    notes = merged.summary.get("notes", [])
    for note in notes[:1] + [n for n in notes[1:] if n.startswith(("Merged ", "Shard "))]:
        print(note, file=out)  # what the manifest declares, and which shards held nothing or are missing
    outcome = Certification(merged.exit_code, Results(), merged.summary.get("startupError"), 0, merged.seconds,
                            merged.report_dir, {}, None, None, merged.summary, merged.judgement, merged.verdicts,
                            None, merged.scenarios)
    print_verdict(outcome, out)
