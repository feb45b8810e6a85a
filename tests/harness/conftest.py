"""Helpers for the harness's own tests: run `omni-harness certify` as a user would, in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Certification:
    exit_code: int
    output: str
    summary: dict

    def verdicts(self) -> dict[str, str]:
        return {r["id"]: r["verdict"] for r in self.summary.get("requirements", [])}


def run_certify(report_dir: Path, *args: str, cwd: Path | None = None, timeout: float = 240) -> Certification:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "certify", "--report-dir", str(report_dir), *args],
                          cwd=str(cwd or report_dir.parent), env=env, capture_output=True, text=True, timeout=timeout)
    summary_path = report_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return Certification(proc.returncode, proc.stdout + proc.stderr, summary)


@pytest.fixture
def certify_run():
    return run_certify
