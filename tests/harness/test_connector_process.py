"""The connector as a child process: environment, log, readiness from the journal, SIGTERM then SIGKILL, restart."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from omni_harness.harness.connector import ConnectorNotReady, ConnectorProcess, default_command, parse_command

# A stand-in connector: writes its environment to the log, then waits; on SIGTERM it exits at once, unless
# told to ignore it.
SCRIPT = r"""
import os, signal, sys, threading
print("started with", os.environ.get("OMNI_TEST_VALUE"), flush=True)
if os.environ.get("IGNORE_TERM"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
if os.environ.get("EXIT_AT_ONCE"):
    print("giving up", file=sys.stderr, flush=True)
    sys.exit(3)
print("ready", flush=True)
if os.environ.get("READY_FIFO"):
    with open(os.environ["READY_FIFO"], "w") as fifo:  # tells the test its signal handling is in place
        fifo.write("ready")
threading.Event().wait()
"""


class ScriptedControl:
    """The control API's journal and event feed, fed by the test."""

    def __init__(self, entries: list[dict] | None = None) -> None:
        self.entries = entries or []
        self._nothing_new = threading.Event()

    def journal(self, since: int = 0, kind: str | None = None, **_) -> list[dict]:
        return [e for e in self.entries if e["seq"] > since and (kind is None or e["kind"] == kind)]

    def events(self, after: int, wait: float = 0.0, limit: int | None = None, **_) -> dict:
        found = self.journal(after, "event")
        if not found:
            self._nothing_new.wait(min(wait, 0.05))  # held like the fake's long-poll; nothing will arrive
        return {"events": found[:limit], "journalSeq": max([after] + [e["seq"] for e in self.entries])}


def event(seq: int, source: str, type_: str, **data) -> dict:
    return {"seq": seq, "kind": "event", "source": source, "type": type_, "data": data}


READY = [
    event(1, "genesys", "notifications.channel", action="created"),
    event(2, "genesys", "notifications.subscriptions", topics=["v2.users.u1.presence"]),
    event(3, "genesys", "notifications.socket", action="opened"),
    event(4, "salesforce", "streaming.client", action="handshake"),
    event(5, "salesforce", "streaming.client", action="subscribe", subscription="/data/ChangeEvents"),
]


def handlers_installed(fifo) -> None:
    with open(fifo) as reader:  # blocks until the script has written to it
        assert reader.read() == "ready"


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "ready.fifo"
    os.mkfifo(path)
    return path


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "connector.py"
    path.write_text(SCRIPT)
    return path


def test_the_default_command_is_the_bundled_reference_connector():
    assert default_command() == [sys.executable, "-m", "omni_harness.connectors.reference"]
    assert parse_command('node "my connector.js" --fast') == ["node", "my connector.js", "--fast"]


def test_environment_and_output_reach_the_log_and_sigterm_stops_it(tmp_path, script, fifo):
    proc = ConnectorProcess([sys.executable, str(script)], {"OMNI_TEST_VALUE": "42", "READY_FIFO": str(fifo)},
                            tmp_path / "c.log")
    proc.start()
    try:
        assert proc.wait_ready(ScriptedControl(READY), 0, timeout=10) >= 0
        handlers_installed(fifo)
    finally:
        code = proc.stop(grace=5)
    assert code == 0
    log = (tmp_path / "c.log").read_text()
    assert "started with 42" in log and "stopped, exit status 0" in log
    assert not proc.running


def test_a_connector_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path, script, fifo):
    proc = ConnectorProcess([sys.executable, str(script)], {"IGNORE_TERM": "1", "READY_FIFO": str(fifo)},
                            tmp_path / "c.log")
    proc.start()
    handlers_installed(fifo)
    started = time.monotonic()
    code = proc.stop(grace=0.5)
    assert code == -9
    assert 0.4 < time.monotonic() - started < 5


def test_readiness_names_what_is_missing(tmp_path, script):
    proc = ConnectorProcess([sys.executable, str(script)], {}, tmp_path / "c.log")
    proc.start()
    try:
        without_socket = [e for e in READY if e["type"] != "notifications.socket"]
        with pytest.raises(ConnectorNotReady) as failure:
            proc.wait_ready(ScriptedControl(without_socket), 0, timeout=0.3)
    finally:
        proc.stop()
    message = str(failure.value)
    assert "was not ready after" in message
    assert "open Genesys notification socket" in message
    assert "Salesforce streaming subscription" not in message


def test_events_before_the_start_do_not_count(tmp_path, script):
    proc = ConnectorProcess([sys.executable, str(script)], {}, tmp_path / "c.log")
    proc.start()
    try:
        with pytest.raises(ConnectorNotReady) as failure:
            proc.wait_ready(ScriptedControl(READY), since_seq=4, timeout=0.3)
        assert "Genesys notification channel with subscribed topics" in str(failure.value)
        assert "Salesforce streaming subscription" not in str(failure.value)
    finally:
        proc.stop()


def test_a_connector_that_exits_is_reported_at_once_with_its_log(tmp_path, script):
    proc = ConnectorProcess([sys.executable, str(script)], {"EXIT_AT_ONCE": "1"}, tmp_path / "c.log")
    proc.start()
    with pytest.raises(ConnectorNotReady) as failure:
        proc.wait_ready(ScriptedControl([]), 0, timeout=20)
    assert "exited with status 3" in str(failure.value)
    assert "giving up" in str(failure.value)
    proc.stop()


def test_a_command_that_cannot_start_is_reported(tmp_path):
    proc = ConnectorProcess(["/nonexistent/connector"], {}, tmp_path / "c.log")
    with pytest.raises(ConnectorNotReady, match="Cannot start the connector"):
        proc.start()


def test_restart_runs_it_again_with_the_same_environment(tmp_path, script, fifo):
    env = {"OMNI_TEST_VALUE": "again", "READY_FIFO": str(fifo)}
    proc = ConnectorProcess([sys.executable, str(script)], env, tmp_path / "c.log")
    proc.start()
    handlers_installed(fifo)
    first = proc.pid
    proc.restart()
    handlers_installed(fifo)
    try:
        assert proc.running and proc.pid != first and proc.starts == 2
    finally:
        assert proc.stop() == 0
    log = (tmp_path / "c.log").read_text()
    assert log.count("started with again") == 2 and log.count("start #") == 2
