"""Certifications for the report tests: run as a user runs them (`omni-harness certify` in a child process), both at
once, once per module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CERTIFY_LIMIT = 240.0


@dataclass
class Run:
    """One finished certification: its exit status, its output and its report folder."""

    report_dir: Path
    exit_code: int
    output: str

    @property
    def summary(self) -> dict:
        return json.loads((self.report_dir / "summary.json").read_text())

    def verdicts(self) -> dict[str, str]:
        return {r["id"]: r["verdict"] for r in self.summary.get("requirements", [])}


class Certifications:
    """Starts `omni-harness certify` runs side by side (own ports, own report folders) and waits for them."""

    def __init__(self) -> None:
        self.started: dict[str, tuple[subprocess.Popen, Path, float]] = {}

    def start(self, name: str, report_dir: Path, *args: str) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env.pop("PYTEST_XDIST_WORKER", None)
        env.pop("PYTEST_CURRENT_TEST", None)
        report_dir.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen([sys.executable, "-m", "omni_harness.harness.cli", "certify", "--report-dir", str(report_dir), *args],
                                cwd=str(report_dir.parent), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        self.started[name] = (proc, report_dir, time.monotonic())

    def result(self, name: str) -> Run:
        proc, report_dir, started = self.started[name]
        try:
            output, _ = proc.communicate(timeout=max(1.0, CERTIFY_LIMIT - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            proc.send_signal(subprocess.signal.SIGINT)  # certify stops its connector and fakes on an interrupt
            output, _ = proc.communicate(timeout=30)
            pytest.fail(f"certify {name} ran longer than {CERTIFY_LIMIT:.0f} s:\n{output}")
        return Run(report_dir, proc.returncode, output)


@pytest.fixture(scope="module")
def certifications(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The reference connector on a few requirements (its connector.yaml found beside it), and the do-nothing idle
    connector on a few more, one of them outside the profiles it declares; started together."""
    root = tmp_path_factory.mktemp("certifications")
    runs = Certifications()
    # Chat: these tests read the reports of one medium (the per-medium reports are the self-test's and test_media's).
    runs.start("reference", root / "reference", "-r", "PRES-1", "-r", "WRAP-2", "-r", "XFER-1", "--workers", "2",
               "--media", "chat")
    runs.start("idle", root / "idle", "--connector", f"{sys.executable} -m omni_harness.connectors.idle", "--profile", "all",
               "-r", "PRES-1", "-r", "END-1", "-r", "RES-6", "--timeout", "2", "--workers", "2")
    return {name: runs.result(name) for name in ("reference", "idle")}
