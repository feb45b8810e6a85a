"""The refusals a resilience scenario causes on purpose (the 429 of RES-1, the 401 of the tokens RES-2 expires) are
marked with their fault rule in the journal and in every report, and are not warnings: the healthy reference
connector has none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_injected_refusals_name_their_rule_and_are_no_warnings(tmp_path: Path):
    report = tmp_path / "report"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "certify", "--report-dir", str(report),
                           "--profile", "all", "-r", "RES-1", "-r", "RES-2", "--workers", "1"],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    summary = json.loads((report / "summary.json").read_text())
    assert {r["id"]: r["verdict"] for r in summary["requirements"]} == {"RES-1": "passed", "RES-2": "passed"}, output
    assert summary["warnings"] == [] and "refused by a platform" not in output
    refused = {(r["platform"], r["status"]) for r in summary["injectedRefusals"]}
    assert ("genesys", 429) in refused and ("salesforce", 401) in refused
    assert all(r["injectedFault"] for r in summary["injectedRefusals"])
    journal = [json.loads(line) for line in (report / "journal.ndjson").read_text().splitlines()]
    for r in summary["injectedRefusals"]:
        entry = next(e for e in journal if e["seq"] == r["seq"])
        assert entry["data"]["fault"] == r["injectedFault"] and entry["data"]["status"] == r["status"]
    html = (report / "report.html").read_text()
    warnings, injected = html.split("Injected refusals", 1)
    assert "/api/v2/conversations/chats" in injected and "injected fault fault-" in injected
    section = warnings.split("Warnings: requests of the connector a platform refused", 1)[1]
    assert "<p>None.</p>" in section and "<table" not in section
