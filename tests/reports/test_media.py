"""Both media in one run: every report keeps the verdict per requirement and medium."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

REPO = Path(__file__).resolve().parents[2]


def test_a_run_of_both_media_keeps_each_verdict_per_medium_in_every_report(tmp_path):
    report = tmp_path / "report"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "certify", "--report-dir", str(report), "-r", "PRES-1",
                           "-r", "END-4", "--profile", "extended", "--media", "all", "--workers", "2"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 3, output  # passed, for a selection of two requirements
    assert "PRES-1 [chat]" in output and "PRES-1 [messaging]" in output and "END-4 [messaging]" in output
    assert "END-4 [chat]" not in output  # END-4 is messaging's own: it has no chat verdict
    assert "chat: 1 of 1 passed" in output and "messaging: 2 of 2 passed" in output

    summary = json.loads((report / "summary.json").read_text())
    jsonschema.validate(summary, json.loads((REPO / "contracts" / "report.schema.json").read_text()))
    assert summary["media"] == ["chat", "messaging"]
    assert [(r["key"], r["verdict"]) for r in summary["requirements"]] == [
        ("PRES-1 [chat]", "passed"), ("PRES-1 [messaging]", "passed"), ("END-4 [messaging]", "passed")]
    assert summary["mediaVerdicts"]["messaging"]["passed"] == 2 and summary["mediaVerdicts"]["chat"]["passed"] == 1
    assert "END-4 [chat]" not in summary["requiredNotRun"] and "PRES-2 [messaging]" in summary["requiredNotRun"]

    names = {case.get("name") for case in ET.parse(report / "junit.xml").getroot().iter("testcase")}
    assert any(n.startswith("[END-4]") and n.endswith("[messaging]") for n in names), names
    assert any(n.startswith("[PRES-1]") and n.endswith("[chat]") for n in names), names

    html = (report / "report.html").read_text()
    assert "Requirements [chat]" in html and "Requirements [messaging]" in html
    assert 'id="req-END-4-messaging"' in html and 'id="req-END-4-chat"' not in html
