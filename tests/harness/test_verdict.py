"""The verdict is honest: CERTIFIED only when everything certification needs ran and passed; an interrupted run, a
narrowed run and a connector that never became ready each say so, with their own exit status; a bad selection
fails before anything starts."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from omni_harness.harness.cli import main

REPO = Path(__file__).resolve().parents[2]

BROKEN = "omni_harness.connectors.broken.keeps_online_off_queue"


def _children(root: int) -> set[int]:
    """Every process descending from `root` (read from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = set(), [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def _listening_ports(pids: set[int]) -> set[int]:
    inodes = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _certify(tmp_path: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    # Its own process group, as a shell puts a foreground job: the terminal's signal reaches the whole group.
    return subprocess.Popen([sys.executable, "-m", "omni_harness.harness.cli", "certify", "--report-dir", str(tmp_path / "report"),
                             *args], cwd=str(tmp_path), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, process_group=0)


def _read_until(proc: subprocess.Popen, wanted: str, limit: float) -> str:
    """certify's output up to the first line holding `wanted` (the run's own progress, no sleeping)."""
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], deadline - time.monotonic())
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if wanted in line:
            return "".join(seen)
    proc.kill()
    pytest.fail(f"no {wanted!r} in certify's output within {limit:.0f} s:\n{''.join(seen)}")


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_is_interrupted_and_leaves_nothing_behind(tmp_path, sig, status):
    import json

    proc = _certify(tmp_path, "--profile", "core", "--workers", "2")
    head = _read_until(proc, "PASS ", 180)  # the first scenario is over: the others are running or waiting
    tree = _children(proc.pid) | {proc.pid}
    ports = _listening_ports(tree)
    assert ports, "the fakes listen somewhere"
    os.killpg(proc.pid, sig)
    out, _ = proc.communicate(timeout=60)
    output = head + out
    assert proc.returncode == status, output
    name = signal.Signals(sig).name
    assert f"INTERRUPTED by {name}:" in output and "\nCERTIFIED" not in output
    assert "which never ran" in output
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["verdict"] == "interrupted" and summary["interruptedBy"] == name
    assert summary["requiredNotRun"], "an interrupted run says what never ran"
    never = {r["key"] for r in summary["requirements"] if r["verdict"] == "not run"}
    assert never and never <= set(summary["requiredNotRun"])
    html = (tmp_path / "report" / "report.html").read_text()
    assert f">INTERRUPTED by {name}<" in html and ">CERTIFIED<" not in html
    assert not [pid for pid in tree if _alive(pid)], "a child process outlived the run"
    for port in ports:
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(2)
            s.connect(("127.0.0.1", port))


def test_a_narrowed_run_of_a_failing_connector_is_not_certified(tmp_path, certify_run):
    run = certify_run(tmp_path / "report", "--connector", f"{sys.executable} -m {BROKEN}", "-r", "PRES-1",
                      "--workers", "1")
    assert run.exit_code == 3, run.output
    assert run.verdicts() == {"PRES-1": "passed"}
    assert "PASSED FOR THE SELECTION" in run.output and "\nCERTIFIED" not in run.output
    assert run.summary["verdict"] == "passed for the selection"
    assert "PRES-2 [chat]" in run.summary["requiredNotRun"]  # the requirement it fails, left out by the selection
    html = (tmp_path / "report" / "report.html").read_text()
    assert ">PASSED FOR THE SELECTION<" in html and "not selected (required)" in html


def test_a_connector_that_never_becomes_ready_has_every_requirement_not_run(tmp_path, certify_run):
    never = f"{sys.executable} -c \"import signal; signal.pause()\""
    run = certify_run(tmp_path / "report", "--connector", never, "--profile", "core", "--ready-timeout", "2",
                      "--workers", "1")
    assert run.exit_code == 4, run.output
    verdicts = run.verdicts()
    assert verdicts and set(verdicts.values()) == {"not run"}, run.output
    assert {r["id"] for r in run.summary["requirements"]} >= {"PRES-1", "PICK-2"}
    assert all(r["reason"].startswith("not run: the connector was not ready") for r in run.summary["requirements"])
    assert run.summary["verdict"] == "not ready" and run.summary["counts"]["failed"] == 0
    assert "Streaming API subscription" in run.summary["startupError"]  # core needs to hear from Salesforce
    assert "NOT CERTIFIED: THE CONNECTOR WAS NOT READY" in run.output
    assert run.output.count("not ready after") == 1  # said once, not once per scenario


def test_readiness_asks_only_what_the_requirements_run_need(tmp_path, certify_run):
    never = f"{sys.executable} -c \"import signal; signal.pause()\""
    run = certify_run(tmp_path / "report", "--connector", never, "-r", "PRES-1", "--ready-timeout", "1",
                      "--workers", "1")
    assert run.exit_code == 4, run.output
    assert "Genesys notification channel" in run.summary["startupError"]
    assert "Streaming API" not in run.summary["startupError"]  # going On Queue needs nothing from Salesforce


@pytest.mark.parametrize(("args", "message"), [
    (["-r", "NOPE"], "unknown requirement 'NOPE'"),
    (["-r", "pres-1"], "did you mean PRES-1?"),
    (["-r", "RES-1", "--profile", "extended"], "RES-1 is a resilience requirement, outside"),
    (["-k", "no-such-scenario"], "the selection is empty"),
    (["-k", "pick up"], "not a valid expression"),
])
def test_a_bad_selection_fails_at_once_before_anything_starts(tmp_path, capsys, args, message):
    started = time.monotonic()
    code = main(["certify", "--report-dir", str(tmp_path / "report"), *args])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    assert not (tmp_path / "report").exists()  # nothing started, nothing written


def test_a_bad_selection_is_a_usage_error_from_the_command_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "certify", "-r", "NOPE", "--report-dir",
                           str(tmp_path / "r")], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and proc.stderr.startswith("omni-harness: unknown requirement 'NOPE'")
    assert not (tmp_path / "r").exists()


def test_a_report_folder_holding_other_files_is_refused_without_force(tmp_path, capsys):
    report = tmp_path / "report"
    report.mkdir()
    (report / "notes.txt").write_text("mine")
    code = main(["certify", "--report-dir", str(report), "-r", "NOPE-1"])
    assert code == 2  # the selection is checked first
    code = main(["certify", "--report-dir", str(report), "-r", "PRES-1", "--ready-timeout", "0.1", "--connector",
                 "no-such-command-xyz"])
    err = capsys.readouterr().err
    assert code == 2 and "notes.txt" in err and "--force" in err
    assert (report / "notes.txt").read_text() == "mine"


def test_requirements_lists_every_id_with_profile_statement_and_source(capsys):
    import json

    from omni_harness.harness.requirements import catalogue

    assert main(["requirements"]) == 0
    text = capsys.readouterr().out
    for rid, req in catalogue().items():
        assert f"{rid}" in text and req.statement in text and f"source: {req.source}" in text
    assert main(["requirements", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == list(catalogue())
    assert all({"profile", "statement", "source"} <= set(r) for r in listed)
