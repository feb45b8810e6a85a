"""Run artefacts in the report folder: summary.json, scenarios.json and journal.ndjson tagged by scenario.

(junit.xml and cucumber.json come from pytest and pytest-bdd; connector.log is written there directly.)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .journal import mentions
from .results import Verdict

if TYPE_CHECKING:
    from .plugin import Controller


def features_hash() -> str:
    from .features import feature_files

    digest = hashlib.sha256()
    for path in feature_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def summary(controller: Controller) -> dict[str, Any]:
    from .plugin import connector_command

    verdicts = controller.results.verdicts()
    overall = bool(verdicts) and not controller.startup_error and all(
        v.verdict is Verdict.PASSED for v in verdicts.values())
    return {
        "harnessVersion": __version__,
        "featuresHash": features_hash(),
        "connector": {"command": connector_command(controller.config)},
        "profile": controller.config.getoption("omni_profile"),
        "media": "chat",
        "startupError": controller.startup_error,
        "timings": {k: round(v, 3) for k, v in controller.timings.items()},
        "requirements": [v.to_json() for v in verdicts.values()],
        "verdict": "passed" if overall else "failed",
    }


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


def refused_requests(entries: list[dict[str, Any]], scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests the connector made that a platform refused (4xx): warnings with their evidence (DESIGN §4.6).

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
                    "method": data.get("method"), "path": data.get("path"), "status": data.get("status"),
                    "response": data.get("responseBody"), "scenarios": entry.get("scenarios", []),
                    "injectedFault": data.get("fault"),
                    "duringCleanup": any(int(entry.get("seq", 0)) > cleanup_from.get(n, 1 << 62)
                                         for n in entry.get("scenarios", []))})
    return out


def path_is_control(path: str) -> bool:
    return path.startswith("/_fake/")


def write_run_reports(controller: Controller, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    scenarios = [r.to_json() for r in controller.results.scenarios.values()]
    entries = [e.to_json() for e in controller.stack.world.journal.since(0)] if controller.stack is not None else []
    tag_journal(entries, scenarios)
    report = summary(controller)
    report["warnings"] = refused_requests(entries, scenarios)
    (directory / "summary.json").write_text(json.dumps(report, indent=2))
    (directory / "scenarios.json").write_text(json.dumps(scenarios, indent=2))
    with open(directory / "journal.ndjson", "w") as fh:
        for entry in entries:
            fh.write(json.dumps(entry, separators=(",", ":")) + "\n")
