"""The report folder of a certification: summary.json, scenarios.json, journal.ndjson and report.html.

junit.xml and cucumber.json come from pytest and pytest-bdd, and connector.log is written there by the connector
process; this module writes the rest once the scenarios are over (DESIGN §4.6). summary.json follows
contracts/report.schema.json.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from . import __version__
from .features import feature_files, features_root
from .html_report import render
from .journal import mentions
from .manifest import ManifestLookup
from .media import verdict_key
from .results import Judgement, RequirementVerdict, Results, RunVerdict, Verdict
from .selection import Selection
from .traceability import check


class Run(Protocol):
    """What the reports read of a finished run (the controller, as the reports see it)."""

    command: list[str]  # how the connector was started
    manifest: ManifestLookup
    selection: Selection
    results: Results
    startup_error: str | None
    timings: dict[str, float]
    judgement: Judgement | None
    stack: Any  # the running fakes (their journal), None when they never started

    @property
    def connector_given(self) -> bool: ...  # --connector was given (not the manifest's command)

    def verdicts(self) -> dict[str, RequirementVerdict]: ...

    def judge(self) -> Judgement: ...

SCHEMA_VERSION = 1
SCHEMA_FILE = "report.schema.json"
JUNIT, CUCUMBER, SUMMARY, HTML, JOURNAL, CONNECTOR_LOG, SCENARIOS, CERTIFY_LOG = (
    "junit.xml", "cucumber.json", "summary.json", "report.html", "journal.ndjson", "connector.log", "scenarios.json",
    "certify.log")
ARTEFACTS = (JUNIT, CUCUMBER, SUMMARY, HTML, JOURNAL, CONNECTOR_LOG, SCENARIOS, CERTIFY_LOG)
WARNING_BODY_CHARS = 2000  # the evidence of a warning keeps this much of each body


def features_hash() -> str:
    root = features_root()
    digest = hashlib.sha256()
    for path in feature_files():
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def schema_path() -> Path:
    from omni_harness import contracts

    return Path(contracts.ROOT) / SCHEMA_FILE


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _counts(verdicts: dict[str, RequirementVerdict]) -> dict[str, int]:
    values = [v.verdict for v in verdicts.values()]
    return {"passed": values.count(Verdict.PASSED), "failed": values.count(Verdict.FAILED),
            "notRun": values.count(Verdict.NOT_RUN), "notDeclared": values.count(Verdict.NOT_DECLARED)}


def _connector(command: list[str], lookup: ManifestLookup | None) -> dict[str, Any]:
    m = lookup.manifest if lookup is not None else None
    return {
        "command": shlex.join(command),
        "name": m.name if m else None,
        "version": m.version if m else None,
        "manifest": {
            "origin": str(lookup.origin) if lookup is not None else "missing",
            "path": str(m.path) if m else None,
            "searched": list(lookup.searched) if lookup is not None else [],
            "command": m.command if m else None,
            "profiles": [str(p) for p in m.profiles] if m else None,
            "media": list(m.media) if m else None,
        },
    }


def _notes(controller: Run, verdicts: dict[str, RequirementVerdict], lookup: ManifestLookup | None,
           command: list[str]) -> list[str]:
    notes = []
    if lookup is not None:
        notes.append(lookup.note)
        m = lookup.manifest
        if m is not None and m.command and controller.connector_given and \
                shlex.split(m.command)[1:] != command[1:]:
            notes.append(f"The connector was started as `{shlex.join(command)}`, not as its manifest's command "
                         f"`{m.command}`.")
        chosen = [str(x) for x in controller.selection.media]
        if m is not None and not set(chosen) & set(m.media):
            notes.append(f"The run certifies {', '.join(chosen)}, which the manifest does not declare "
                         f"(it declares {', '.join(m.media)}): nothing was certified.")
    return notes + verdict_notes(verdicts)


def verdict_notes(verdicts: dict[str, RequirementVerdict]) -> list[str]:
    """The notes that follow from the verdicts alone (also those of merged shards)."""
    notes = []
    undeclared = [v.key for v in verdicts.values() if v.verdict is Verdict.NOT_DECLARED]
    if undeclared:
        notes.append(f"Not declared by the connector, so not run and not counted: {', '.join(undeclared)}.")
    optional = [v.key for v in verdicts.values() if not v.required and v.verdict is Verdict.FAILED]
    if optional:
        notes.append(f"Failed, but not required for certification: {', '.join(optional)}.")
    return notes


def _verdict_notes(judgement: Judgement) -> list[str]:
    missing = ", ".join(judgement.not_run)
    if judgement.shard is not None:
        shard = judgement.shard
        return [f"Shard {shard.index} of {shard.total}: this report is one part of a certification, never a "
                f"certification by itself; `omni-harness merge-reports` on the reports of shards 1 to {shard.total} "
                "gives the verdict."]
    if judgement.verdict is RunVerdict.PASSED_FOR_THE_SELECTION:
        return [f"Every requirement run passed, but certification also needs {missing}, which the selection left "
                "out: this is not a certification."]
    if judgement.verdict is RunVerdict.INTERRUPTED:
        return [f"The run was interrupted ({judgement.interrupted_by})" + (f"; never ran: {missing}." if missing
                                                                           else ".")]
    if judgement.verdict is RunVerdict.NOT_READY:
        return ["The connector never became ready, so no scenario ran: every requirement is \"not run\", none "
                "failed."]
    return []


def media_verdicts(verdicts: dict[str, RequirementVerdict]) -> dict[str, dict[str, int]]:
    """Per medium: how many of its verdicts passed, failed, were not run or not declared."""
    out: dict[str, dict[str, int]] = {}
    for medium in dict.fromkeys(v.medium for v in verdicts.values()):
        out[medium] = _counts({k: v for k, v in verdicts.items() if v.medium == medium})
    return out


def _traceability() -> dict[str, Any]:
    try:
        result = check()
    except Exception as exc:  # the report must still be written; the problem is said in it
        return {"ok": False, "problems": [f"the traceability check could not run: {type(exc).__name__}: {exc}"]}
    return {"ok": result.ok, "problems": result.problems}


def summary(controller: Run, scenarios: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """summary.json without its warnings (they need the journal): see contracts/report.schema.json."""
    verdicts = controller.verdicts()
    lookup = controller.manifest
    command = controller.command
    judgement = controller.judgement or controller.judge()
    measurements: dict[str, dict[str, Any]] = {}
    for s in scenarios or []:
        metrics = (s.get("record") or {}).get("metrics") or {}
        for rid in s.get("requirements", []) if metrics else []:
            measurements.setdefault(verdict_key(rid, s.get("medium") or "chat"), {}).update(metrics)
    requirements = []
    for v in verdicts.values():
        item = v.to_json()
        if v.key in measurements:
            item["measurements"] = measurements[v.key]
        requirements.append(item)
    selection = controller.selection
    return {
        "schemaVersion": SCHEMA_VERSION,
        "harnessVersion": __version__,
        "generatedAt": _now(),
        "featuresHash": features_hash(),
        "connector": _connector(command, lookup),
        "profile": selection.profile,
        "profiles": [str(p) for p in selection.profiles],
        "selection": {"requirements": list(selection.requirements), "keyword": selection.keyword},
        "media": [str(m) for m in selection.media],
        "mediaVerdicts": media_verdicts(verdicts),
        "startupError": controller.startup_error,
        "timings": {k: round(v, 3) for k, v in controller.timings.items()},
        "requirements": requirements,
        "counts": _counts(verdicts),
        "verdict": str(judgement.verdict),
        "requiredNotRun": judgement.not_run,
        "interruptedBy": judgement.interrupted_by,
        "warnings": [],
        "injectedRefusals": [],
        "notes": _notes(controller, verdicts, lookup, command) + _verdict_notes(judgement),
        "traceability": _traceability(),
        "artefacts": list(ARTEFACTS),
        **({"shard": shard_summary(controller, judgement)} if selection.shard is not None else {}),
    }


def shard_summary(controller: Run, judgement: Judgement) -> dict[str, Any]:
    """summary.json's `shard` of a `--shard I/N` run: which shard, the whole run's plan (the same in every shard:
    `merge-reports` checks it), what certification needs, and the notes on the run that do not depend on its
    verdicts (the merged report repeats them)."""
    from .selection import required_ids

    selection = controller.selection
    assert selection.shard is not None
    lookup = controller.manifest
    return {**selection.shard.to_json(),
            "plan": [p.to_json() for p in selection.plan],
            "required": required_ids(lookup, selection.profiles, selection.media),
            "runNotes": _notes(controller, {}, lookup, controller.command)}


def tag_journal(entries: list[dict[str, Any]], scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds `scenarios: [nodeid...]` to every entry that falls in a scenario's window and names its ids."""
    windows = []
    for s in scenarios:
        record = s.get("record") or {}
        if record:
            windows.append((int(record.get("start_seq", 0)), int(record.get("end_seq") or 1 << 62), s["nodeid"],
                            set(record.get("harness_requests", [])), record.get("ids", [])))
    for entry in entries:
        seq = int(entry.get("seq", 0))
        entry["scenarios"] = [nodeid for start, end, nodeid, harness, ids in windows
                              if start < seq <= end and (entry.get("correlationId") in harness or mentions(entry, ids))]
    return entries


def _clip(body: Any) -> Any:
    if body is None:
        return None
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    if len(text) <= WARNING_BODY_CHARS:
        return body
    return text[:WARNING_BODY_CHARS] + f"... ({len(text)} characters)"


def refused_requests(entries: list[dict[str, Any]], scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests the connector made that a platform refused (4xx), with their evidence (DESIGN §4.6); those a
    fault rule of a scenario answered or caused carry the rule's id in `injectedFault`.

    The harness's own requests carry correlation ids it remembers, and its agents act with user tokens
    or console sessions; everything else is the connector's."""
    harness_ids = {cid for s in scenarios for cid in (s.get("record") or {}).get("harness_requests", [])}
    cleanup_from = {s["nodeid"]: int((s.get("record") or {}).get("cleanup_seq") or 1 << 62) for s in scenarios}
    out = []
    for entry in entries:
        data = entry.get("data", {})
        if entry.get("kind") != "request" or not 400 <= int(data.get("status") or 0) < 500:
            continue
        if entry.get("correlationId") in harness_ids or path_is_control(data.get("path", "")):
            continue
        actor = data.get("actor")
        if (isinstance(actor, str) and actor.startswith("user:")) or (
                isinstance(actor, dict) and actor.get("kind") == "console"):
            continue  # an agent's own client or console: the harness
        out.append({"seq": entry.get("seq"), "time": entry.get("time"), "platform": entry.get("source"),
                    "method": data.get("method"), "path": data.get("path"), "query": data.get("query") or "",
                    "status": data.get("status"), "correlationId": entry.get("correlationId") or "",
                    "actor": actor if isinstance(actor, str | dict) else None,
                    "request": _clip(data.get("requestBody")), "response": _clip(data.get("responseBody")),
                    "scenarios": entry.get("scenarios", []), "injectedFault": data.get("fault"),
                    "duringCleanup": any(int(entry.get("seq", 0)) > cleanup_from.get(n, 1 << 62)
                                         for n in entry.get("scenarios", []))})
    return out


def path_is_control(path: str) -> bool:
    return path.startswith("/_fake/")


def polish_junit(path: Path) -> None:
    """Names each test case of junit.xml after its scenario, as a CI page should show it: the feature as the
    class, "[ids] scenario [medium]" as the name (pytest names them after the generated test functions)."""
    import xml.etree.ElementTree as ET

    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError):
        return
    root = tree.getroot()
    if root.tag == "testsuites":
        root.set("name", "omni-harness")
    for case in root.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        if props.get("scenario"):
            case.set("classname", props.get("feature") or case.get("classname", ""))
            medium = f" [{props['medium']}]" if props.get("medium") else ""
            case.set("name", f"[{props.get('requirements', '')}] {props['scenario']}{medium}")
    tree.write(path, encoding="utf-8", xml_declaration=True)


class ReportDirError(ValueError):
    """The report folder holds files that are not an earlier run's report (certify does not overwrite them
    without --force)."""


def foreign_files(directory: Path) -> list[str]:
    """What the folder holds besides an omni-harness report's files."""
    if not directory.exists():
        return []
    if not directory.is_dir():
        return [directory.name]
    return sorted(p.name for p in directory.iterdir() if p.name not in ARTEFACTS or not p.is_file())


def prepare_report_dir(directory: Path, force: bool = False) -> None:
    """Makes `directory` hold this run's report alone: an earlier run's files are removed. A folder holding
    anything else is refused (ReportDirError) unless `force`, and then only the report's own names are removed,
    so a report never mixes two runs' files and nothing of anyone else's is deleted."""
    foreign = foreign_files(directory)
    if foreign and not force:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ReportDirError(f"the report folder {directory} holds files that are not an omni-harness report "
                             f"({shown}); choose another --report-dir, or pass --force to write there anyway")
    directory.mkdir(parents=True, exist_ok=True)
    clear_artefacts(directory)


def clear_artefacts(directory: Path) -> None:
    """Removes what an earlier run left under the artefact names, so no file of another run is mistaken for
    this one's (only those names: nothing else in the folder is touched)."""
    for name in ARTEFACTS:
        try:
            (directory / name).unlink()
        except (FileNotFoundError, IsADirectoryError):
            pass


def write_run_reports(controller: Run, directory: Path) -> dict[str, Any]:
    """Writes summary.json, scenarios.json, journal.ndjson and report.html; answers the summary."""
    directory.mkdir(parents=True, exist_ok=True)
    scenarios = [r.to_json() for r in controller.results.scenarios.values()]
    entries = [e.to_json() for e in controller.stack.world.journal.since(0)] if controller.stack is not None else []
    tag_journal(entries, scenarios)
    report = summary(controller, scenarios)
    refused = refused_requests(entries, scenarios)
    # A refusal a scenario injected on purpose is evidence of the scenario, not a warning about the connector.
    report["warnings"] = [r for r in refused if not r["injectedFault"]]
    report["injectedRefusals"] = [r for r in refused if r["injectedFault"]]
    (directory / SUMMARY).write_text(json.dumps(report, indent=2))
    (directory / SCENARIOS).write_text(json.dumps(scenarios, indent=2))
    with open(directory / JOURNAL, "w") as fh:
        for entry in entries:
            fh.write(json.dumps(entry, separators=(",", ":")) + "\n")
    log = directory / CONNECTOR_LOG
    if not log.exists():  # the connector never started (the fakes did not): say so where its log would be
        log.write_text("--- omni-harness: the connector was not started"
                       + (f": {controller.startup_error}\n" if controller.startup_error else "\n"))
    (directory / HTML).write_text(render(report, scenarios, entries))
    return report
