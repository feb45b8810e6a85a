"""The connector under test as a child process (DESIGN §4.3): environment, black-box readiness, log, stop, restart."""

from __future__ import annotations

import importlib.util
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STOP_GRACE_SECONDS = 5.0
DEFAULT_READY_TIMEOUT = 30.0


def default_command() -> list[str]:
    """The bundled reference connector, run by this interpreter."""
    return [sys.executable, "-m", "omni_harness.connectors.reference"]


def parse_command(command: str | list[str] | None) -> list[str]:
    if command is None or command == "":
        return default_command()
    if isinstance(command, list):
        return list(command)
    return shlex.split(command)


@dataclass(frozen=True)
class ReadinessSignal:
    """One thing both fakes must have seen the connector do before scenarios start."""

    name: str
    matches: Callable[[dict[str, Any]], bool]


def _event(entry: dict[str, Any], source: str, type_: str) -> bool:
    return entry.get("kind") == "event" and entry.get("source") == source and entry.get("type") == type_


GENESYS_SIGNALS: tuple[ReadinessSignal, ...] = (
    ReadinessSignal(
        "a Genesys notification channel with subscribed topics (POST /api/v2/notifications/channels, then PUT "
        ".../subscriptions on Genesys Cloud; journal event notifications.subscriptions)",
        lambda e: _event(e, "genesys", "notifications.subscriptions") and bool(e.get("data", {}).get("topics"))),
    ReadinessSignal(
        "an open Genesys notification socket (the channel's connectUri opened on Genesys Cloud; journal event "
        "notifications.socket, action opened)",
        lambda e: _event(e, "genesys", "notifications.socket") and e.get("data", {}).get("action") == "opened"),
)
STREAMING_SIGNAL = ReadinessSignal(
    "a Salesforce Streaming API subscription (/cometd handshake, then /meta/subscribe on Salesforce; journal event "
    "streaming.client, action subscribe)",
    lambda e: _event(e, "salesforce", "streaming.client") and e.get("data", {}).get("action") == "subscribe")
READINESS_SIGNALS: tuple[ReadinessSignal, ...] = (*GENESYS_SIGNALS, STREAMING_SIGNAL)

# The requirements a connector can meet without hearing from Salesforce: each is a change made in the client
# (Going On Queue, leaving it) or a chat the connector must leave alone. Every other one starts from, or waits
# for, something that happens in Salesforce first (a PendingServiceRouting to route, an AgentWork accepted,
# declined or closed in the console, a transfer), which a connector learns through a Streaming API
# subscription.
WITHOUT_STREAMING = frozenset({"PRES-1", "PRES-2", "ROUTE-2"})


def readiness_signals(requirements: Iterable[str] | None = None) -> tuple[ReadinessSignal, ...]:
    """What both fakes must have seen before the scenarios of these requirements (None: of every one) start:
    the Genesys notification channel and socket always, a Salesforce streaming subscription only when one of
    them needs it."""
    ids = None if requirements is None else set(requirements)
    if ids is not None and ids <= WITHOUT_STREAMING:
        return GENESYS_SIGNALS
    return READINESS_SIGNALS


def readiness_rule() -> str:
    """The readiness rule in words, for `certify --help` and the README."""
    return ("ready = " + "; ".join(s.name.split(" (")[0] for s in GENESYS_SIGNALS) + "; and, unless every "
            f"requirement run is one of {', '.join(sorted(WITHOUT_STREAMING))}, {STREAMING_SIGNAL.name.split(' (')[0]}")


class ConnectorNotReady(RuntimeError):
    """The connector did not authenticate and subscribe in time, or exited; the message names what is missing."""


class ConnectorProcess:
    """Starts the connector command with the stack's environment; stdout and stderr go to `log_path`."""

    def __init__(self, command: str | list[str] | None, env: dict[str, str], log_path: str | Path,
                 cwd: str | Path | None = None) -> None:
        self.command = parse_command(command)
        self.env = dict(env)
        self.log_path = Path(log_path)
        self.cwd = str(cwd) if cwd else None
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self._log = None
        self._lock = threading.RLock()

    # -- lifecycle -----------------------------------------------------------------------------------
    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        # The bundled connectors must start whether this package is installed or run from a source tree.
        spec = importlib.util.find_spec("connectors")
        if spec is not None and spec.submodule_search_locations:
            root = str(Path(next(iter(spec.submodule_search_locations))).resolve().parent)
            paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
            if root not in paths:
                env["PYTHONPATH"] = os.pathsep.join([root, *paths])
        return env

    def start(self) -> None:
        with self._lock:
            if self.running:
                raise RuntimeError("the connector is already running")
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
            self.starts += 1
            banner = f"--- omni-harness: start #{self.starts} at {time.strftime('%H:%M:%S')}: {shlex.join(self.command)}\n"
            self._log.write(banner.encode())
            self._log.flush()
            try:
                self.proc = subprocess.Popen(self.command, env=self.child_env(), cwd=self.cwd, stdin=subprocess.DEVNULL,
                                             stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
            except OSError as exc:
                self._log.write(f"--- omni-harness: cannot start: {exc}\n".encode())
                self._log.close()
                self._log = None
                raise ConnectorNotReady(f"Cannot start the connector {shlex.join(self.command)!r}: {exc}") from exc

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> int | None:
        """SIGTERM to the connector's process group, SIGKILL after `grace` seconds. Answers the exit status."""
        with self._lock:
            proc = self.proc
            if proc is None:
                return None
            code = proc.poll()
            if code is None:
                self._signal(proc, signal.SIGTERM)
                try:
                    code = proc.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    self._signal(proc, signal.SIGKILL)
                    code = proc.wait()
            # Children the connector left in its own process group go with it.
            self._signal(proc, signal.SIGKILL, group_only=True)
            if self._log is not None:
                self._log.write(f"--- omni-harness: stopped, exit status {code}\n".encode())
                self._log.close()
                self._log = None
            return code

    @staticmethod
    def _signal(proc: subprocess.Popen, sig: int, group_only: bool = False) -> None:
        try:
            os.killpg(proc.pid, sig)  # the child leads its own session (start_new_session)
        except (ProcessLookupError, PermissionError):
            if not group_only and proc.poll() is None:
                try:
                    proc.send_signal(sig)
                except ProcessLookupError:
                    pass

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # -- readiness -----------------------------------------------------------------------------------
    def wait_ready(self, control: Any, since_seq: int, timeout: float = DEFAULT_READY_TIMEOUT,
                   signals: Iterable[ReadinessSignal] = READINESS_SIGNALS,
                   cancelled: Callable[[], bool] | None = None) -> float:
        """Wait until every readiness signal appears in the journal after `since_seq`; answers the seconds taken.

        The feed is long-polled; a connector that exits is reported at once with the tail of its log.
        """
        started = time.monotonic()
        missing = list(signals)
        cursor = since_seq
        while True:
            for entry in control.journal(since=cursor, kind="event"):
                cursor = max(cursor, int(entry["seq"]))
                missing = [s for s in missing if not s.matches(entry)]
            if not missing:
                return time.monotonic() - started
            if cancelled is not None and cancelled():
                raise ConnectorNotReady(f"The run was interrupted after {time.monotonic() - started:.1f} s, before "
                                        "the connector was ready.")
            code = self.returncode
            if code is not None:
                raise ConnectorNotReady(self._not_ready_message(missing, time.monotonic() - started, exited=code))
            remaining = timeout - (time.monotonic() - started)
            if remaining <= 0:
                raise ConnectorNotReady(self._not_ready_message(missing, timeout))
            # Held at most 1 s so an exiting connector is noticed quickly; any event wakes it at once.
            control.events(after=cursor, wait=min(remaining, 1.0), limit=1)

    def _not_ready_message(self, missing: list[ReadinessSignal], waited: float, exited: int | None = None) -> str:
        head = (f"The connector exited with status {exited} after {waited:.1f} s before it was ready"
                if exited is not None else f"The connector was not ready after {waited:.0f} s")
        lines = [f"{head}. Still missing: " + "; ".join(s.name for s in missing) + ".",
                 f"Command: {shlex.join(self.command)}", f"Log: {self.log_path}"]
        tail = self.log_tail(20)
        if tail:
            lines += ["Last lines of its log:", tail]
        return "\n".join(lines)
