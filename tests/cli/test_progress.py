"""certify's progress: plain lines that count right when its output is not a terminal, an in-place live line on a
terminal, nothing with --quiet (the verdict is printed all the same)."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from omni_harness.harness.progress import Mode, Progress

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^scenarios (\d+)/(\d+) · passed (\d+) · failed (\d+)(?: · not run (\d+))? · elapsed (\d+) s · "
                  r"(PASS|FAIL|ERR |SKIP|n/d ) ")
IDLE = f"{sys.executable} -m omni_harness.connectors.idle"


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    return env


def _certify_piped(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    report = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "certify", "--report-dir", str(report), *args],
                            cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300,
                            stdin=subprocess.DEVNULL)
    scenarios = json.loads((report / "scenarios.json").read_text()) if (report / "scenarios.json").exists() else []
    return result, scenarios


def test_piped_output_has_one_line_per_scenario_that_counts_right(tmp_path):
    # The idle connector fails PRES-1 and END-1: the counts must show failures, not just passes.
    result, scenarios = _certify_piped(tmp_path, "--connector", IDLE, "-r", "PRES-1", "-r", "END-1", "-r", "ROUTE-2",
                                       "--media", "chat", "--timeout", "2", "--workers", "2")
    out = result.stdout
    assert "\r" not in out, "no redrawing when the output is not a terminal"
    lines = [m for m in map(LINE.match, out.splitlines()) if m]
    assert scenarios and len(lines) == len(scenarios), out
    assert [int(m[1]) for m in lines] == list(range(1, len(scenarios) + 1))
    assert {int(m[2]) for m in lines} == {len(scenarios)}  # the total is known from the first line on
    last = lines[-1]
    failed = sum(1 for s in scenarios if s["outcome"] in ("failed", "error"))
    passed = sum(1 for s in scenarios if s["outcome"] == "passed")
    assert (int(last[3]), int(last[4])) == (passed, failed), out
    assert failed and passed, "the idle connector passes ROUTE-2 and fails the rest"
    assert [m[7].strip() for m in lines].count("FAIL") + [m[7].strip() for m in lines].count("ERR") == failed
    assert "NOT CERTIFIED" in out and result.returncode == 1


def test_quiet_prints_no_progress_but_the_verdict(tmp_path):
    result, scenarios = _certify_piped(tmp_path, "-r", "PRES-1", "--media", "chat", "--workers", "1", "--quiet")
    assert scenarios, result.stdout + result.stderr
    assert not [line for line in result.stdout.splitlines() if line.startswith("scenarios ")], result.stdout
    assert "PASSED FOR THE SELECTION: 1 of 1 requirements passed" in result.stdout
    log = (tmp_path / "report" / "certify.log").read_text()
    assert "PRES-1" in log, "the line per scenario still goes to certify.log"


def test_on_a_terminal_the_line_is_redrawn_in_place(tmp_path):
    pid, fd = pty.fork()
    if pid == 0:  # the child: certify with a terminal as its output
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-m", "omni_harness.harness.cli", "certify", "-r", "PRES-1", "--media", "chat",
                                   "--workers", "1", "--report-dir", str(tmp_path / "report")], _env())
    out = b""
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 300)
            if not ready:
                break
            try:
                data = os.read(fd, 65536)
            except OSError:  # the child closed the terminal: it is done
                break
            if not data:
                break
            out += data
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    text = out.decode()
    assert os.waitstatus_to_exitcode(status) == 3, text  # passed for the selection
    scenarios = json.loads((tmp_path / "report" / "scenarios.json").read_text())
    draws = re.findall(r"\rscenarios (\d+)/(\d+|\?) · passed (\d+) · failed (\d+)", text)
    assert len(draws) >= len(scenarios) + 1, text  # redrawn before the first scenario ends, and after each
    assert draws[-1] == (str(len(scenarios)), str(len(scenarios)), str(len(scenarios)), "0")
    assert "\x1b[K" in text  # the rest of a longer earlier line is cleared
    # No line of its own per passed scenario: only the redrawn line, finished once before the verdict.
    head, _, verdict = text.partition("\r\n")
    assert "\n" not in head and "PASSED FOR THE SELECTION" in verdict


def _report(nodeid: str, when: str, outcome: str, requirement: str = "PICK-2") -> pytest.TestReport:
    return pytest.TestReport(nodeid, ("f", 1, nodeid), {}, outcome, None, when,
                             user_properties=[("requirements", requirement), ("scenario", nodeid),
                                              ("feature", "Pick up"), ("medium", "chat")])


def _scenario(progress: Progress, nodeid: str, call: str) -> None:
    for when, outcome in (("setup", "passed"), ("call", call), ("teardown", "passed")):
        progress.pytest_runtest_logreport(_report(nodeid, when, outcome))


def test_failures_and_skips_are_counted_apart_and_a_failure_stays_on_a_terminal():
    now = [100.0]
    stream = io.StringIO()
    progress = Progress(stream, Mode.LIVE, clock=lambda: now[0])
    progress.tally.total = 3
    _scenario(progress, "a", "passed")
    now[0] += 12
    _scenario(progress, "b", "failed")
    _scenario(progress, "c", "skipped")
    progress.close()
    text = stream.getvalue()
    assert "FAIL PICK-2 [chat] Pick up: b\n" in text  # the failure has a line of its own
    # Each redraw is cut to the width (80 without a terminal size) so that it can be redrawn in place; the line
    # left on the screen at the end holds the counts alone.
    assert "\rscenarios 2/3 · passed 1 · failed 1 · elapsed 12 s · FAIL PICK-2 [chat] Pick" in text
    assert "\rscenarios 3/3 · passed 1 · failed 1 · not run 1 · elapsed 12 s · stopping the" in text
    assert text.endswith("\rscenarios 3/3 · passed 1 · failed 1 · not run 1 · elapsed 12 s\x1b[K\n")
    draws = [d.rstrip("\n").removesuffix("\x1b[K") for d in text.split("\r") if d.startswith("scenarios")]
    assert draws and all(len(d) <= 79 for d in draws)
    plain = io.StringIO()
    lines = Progress(plain, Mode.LINES, clock=lambda: now[0])
    _scenario(lines, "a", "failed")
    assert plain.getvalue().splitlines() == ["scenarios 1/? · passed 0 · failed 1 · elapsed 0 s · FAIL PICK-2 [chat] "
                                             "Pick up: a"]
