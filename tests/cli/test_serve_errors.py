"""`omni-harness serve` refuses what it cannot listen on with one line each (exit 2, no traceback), and neither
`serve` nor `start_stack` leaves a temporary folder behind: after a normal stop, SIGINT, SIGTERM or a failed start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from omni_harness.fakes.core import World
from omni_harness.fakes.core.server import PortInUse
from omni_harness.fakes.runner import start_stack

# An address reserved for documentation (RFC 5737): never one of this machine's.
FOREIGN_ADDRESS = "192.0.2.1"


@pytest.fixture
def listening() -> Iterator[int]:
    """A port something listens on, for the length of the test."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


@pytest.fixture
def private_tmp(tmp_path: Path) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _serve(args: list[str], tmpdir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TMPDIR=str(tmpdir))
    return subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "serve", *args], capture_output=True, text=True,
                          cwd=tmpdir.parent, env=env, timeout=60)


def _refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Press Ctrl+C" not in result.stdout
    return lines[0]


def test_a_taken_genesys_port_is_named(listening, private_tmp):
    line = _refused(_serve(["--genesys-port", str(listening)], private_tmp))
    assert f"--genesys-port {listening} is already in use on 127.0.0.1" in line
    assert list(private_tmp.iterdir()) == []


def test_a_taken_salesforce_port_is_named_and_the_started_genesys_fake_is_cleaned_up(listening, private_tmp):
    # The Genesys fake starts first: its servers and the temporary folder must go when Salesforce cannot start.
    line = _refused(_serve(["--tls", "--salesforce-port", str(listening)], private_tmp))
    assert f"--salesforce-port {listening} is already in use" in line
    assert list(private_tmp.iterdir()) == []


def test_the_same_port_for_both_fakes_is_refused_before_anything_starts(private_tmp):
    port = _free_port()
    line = _refused(_serve(["--genesys-port", str(port), "--salesforce-port", str(port)], private_tmp))
    assert f"--genesys-port and --salesforce-port are both {port}" in line
    assert list(private_tmp.iterdir()) == []


def test_a_host_name_that_does_not_resolve(private_tmp):
    line = _refused(_serve(["--host", "no-such-host.invalid"], private_tmp))
    assert "--host no-such-host.invalid: no such host name" in line
    assert list(private_tmp.iterdir()) == []


def test_an_address_of_another_machine(private_tmp):
    line = _refused(_serve(["--host", FOREIGN_ADDRESS], private_tmp))
    assert f"--host {FOREIGN_ADDRESS}: {FOREIGN_ADDRESS} is not an address of this machine" in line
    assert list(private_tmp.iterdir()) == []


def test_each_refusal_has_its_own_message(listening, private_tmp):
    port = _free_port()
    lines = {_refused(_serve(args, private_tmp)) for args in (
        ["--genesys-port", str(listening)], ["--genesys-port", str(port), "--salesforce-port", str(port)],
        ["--host", "no-such-host.invalid"], ["--host", FOREIGN_ADDRESS])}
    assert len(lines) == 4


def _start_serve(tmpdir: Path, extra: list[str] | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ, TMPDIR=str(tmpdir), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "omni_harness.harness.cli", "serve", "--tls", *(extra or [])],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmpdir.parent)
    ready = threading.Event()
    seen: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("Press Ctrl+C"):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    assert ready.wait(60) and proc.poll() is None, "".join(seen)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_removes_its_temporary_folder_when_stopped(sig, private_tmp):
    proc = _start_serve(private_tmp)
    try:
        made = [p.name for p in private_tmp.iterdir()]
        assert len(made) == 1 and made[0].startswith("omni-harness-"), made  # the CA and sync settings live there
        assert any((private_tmp / made[0]).rglob("*.pem")) or any((private_tmp / made[0]).rglob("*.crt"))
    finally:
        proc.send_signal(sig)
        assert proc.wait(30) == 0
    assert list(private_tmp.iterdir()) == []


def test_serve_keeps_a_named_workdir(private_tmp, tmp_path):
    work = tmp_path / "work"
    proc = _start_serve(private_tmp, ["--workdir", str(work)])
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0
    assert list(private_tmp.iterdir()) == []
    assert any(work.iterdir()), "the named workdir is the user's: its files stay"


@pytest.fixture
def temp_in(private_tmp, monkeypatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    return private_tmp


def test_start_stack_removes_its_temporary_folder_on_stop(temp_in):
    stack = start_stack(World(seed=1, agents=2), tls=True)
    try:
        assert stack.temp_dir is not None and stack.temp_dir.parent == temp_in
        assert Path(stack.env()["SSL_CERT_FILE"]).is_file()
        assert Path(stack.env()["OMNI_SYNC_SETTINGS"]).is_file()
    finally:
        stack.stop()
    assert list(temp_in.iterdir()) == []


def test_start_stack_that_fails_removes_its_folder_and_stops_what_it_started(temp_in, listening):
    before = set(threading.enumerate())  # other tests of this process may have left daemon threads of their own
    with pytest.raises(PortInUse) as raised:
        start_stack(World(seed=1, agents=2), tls=True, ports={"salesforce": listening})
    assert raised.value.port == listening
    assert list(temp_in.iterdir()) == []
    # The Genesys fake had started on an ephemeral port; a leaked listener would keep its thread alive.
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("genesys-") and t.is_alive()]


def test_start_stack_leaves_a_named_workdir_alone(temp_in, tmp_path):
    work = tmp_path / "given"
    stack = start_stack(World(seed=1, agents=2), workdir=work)
    stack.stop()
    assert work.is_dir() and list(temp_in.iterdir()) == []
