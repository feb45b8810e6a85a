"""The README's "Play the workflow by hand with curl" block, run exactly as written, and checked step by step.

The block is read from README.md between `<!-- workflow:start -->` and `<!-- workflow:end -->`. One bash reads it
from a pipe, a step at a time (a step starts at its `# N.` comment line), the way a shell reads what is pasted into
it; after each step this test checks what the step did in both fakes' `/_fake/state`, so an edit of the README that
breaks a step, or skips one, fails here. At the end nothing the block started may be left: no process of its
session, no listening fake.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- workflow:start -->", "<!-- workflow:end -->"
STEP_HEADING = re.compile(r"^# (\d+)\. ", re.MULTILINE)
STEP_SECONDS = 120.0  # a step's own waits give up after 60 s; the connector's first start imports a large SDK
DONE = "@@omni-harness-step-done@@"

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="the README's block needs curl")


def readme_block() -> str:
    """The bash fence between the markers, as the README shows it."""
    text = README.read_text()
    assert START in text and END in text, f"README.md lost its {START} / {END} markers"
    between = text.split(START, 1)[1].split(END, 1)[0]
    fence = re.fullmatch(r"\s*```bash\n(.*?)```\s*", between, re.DOTALL)
    assert fence, "between the workflow markers README.md must hold exactly one ```bash fenced block"
    return fence.group(1)


def split_steps(block: str) -> dict[int, str]:
    """Step number -> its text (from its `# N.` line up to the next one)."""
    starts = [m.start() for m in STEP_HEADING.finditer(block)]
    assert starts and starts[0] == 0, "the block must start with its first `# N.` step comment"
    chunks = [block[a:b] for a, b in zip(starts, [*starts[1:], len(block)], strict=True)]
    steps = {int(STEP_HEADING.match(chunk).group(1)): chunk for chunk in chunks}
    assert "".join(steps.values()) == block and len(steps) == len(chunks), "steps must be numbered once each"
    return steps


def test_the_block_is_split_into_the_workflow_steps():
    steps = split_steps(readme_block())
    assert sorted(steps) == list(range(10)), f"steps 0 (helpers) to 9 (stop) expected, found {sorted(steps)}"


@dataclass
class Bash:
    """One bash reading its script from a pipe, in a session of its own so that whatever it starts can be found."""

    cwd: Path
    env: dict[str, str]
    proc: subprocess.Popen = field(init=False)
    lines: queue.Queue = field(default_factory=queue.Queue)
    transcript: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.proc = subprocess.Popen(["bash"], cwd=self.cwd, env=self.env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                                     start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def run(self, text: str, timeout: float = STEP_SECONDS) -> tuple[int, list[str]]:
        """Feeds `text` and a marker line; answers the status of the text's last command and what it printed."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + f"\necho {DONE} $?\n")
        self.proc.stdin.flush()
        printed: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"the step did not finish within {timeout:.0f} s; it printed:\n"
                                     + "\n".join(printed)) from None
            if line is None:
                raise AssertionError("bash exited in the middle of the step; it printed:\n" + "\n".join(printed))
            self.transcript.append(line)
            if line.startswith(DONE):
                return int(line.split()[-1]), printed
            printed.append(line)

    def finish(self, timeout: float = 60.0) -> int:
        """End of input: bash runs out of script and exits."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=timeout)

    def session_processes(self) -> list[int]:
        """Every process still in bash's session: what the block started and did not stop."""
        return [pid for pid in _pids() if _session_of(pid) == self.proc.pid]

    def kill_everything(self) -> None:
        """Stops bash and whatever it left behind (all of them in the session this test created)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.session_processes():
                with _quiet():
                    os.kill(pid, sig)
            if self.proc.poll() is None:
                with _quiet():
                    self.proc.wait(timeout=10)
            if not self.session_processes():
                break


def _pids() -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            yield int(entry)


def _session_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name: state ppid pgrp session ...
    return int(fields[3]) if fields[0] != "Z" else None


class _quiet:
    """Suppresses what a process that is already gone answers to a signal or a wait."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        return kind is not None and issubclass(kind, (ProcessLookupError, subprocess.TimeoutExpired))


@dataclass
class Org:
    """Both fakes' `/_fake/state`, and the people and records the workflow is about."""

    genesys_url: str
    salesforce_url: str

    def states(self) -> tuple[dict[str, Any], dict[str, Any]]:
        g = requests.get(f"{self.genesys_url}/_fake/state", timeout=10).json()
        s = requests.get(f"{self.salesforce_url}/_fake/state", timeout=10).json()
        return g, s

    def events(self, source: str, type_: str) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.genesys_url}/_fake/journal", timeout=10,
                              params={"since": 0, "kind": "event", "source": source}).json()
        return [e for e in answer["entries"] if e["type"] == type_]


def agent_of(g: dict[str, Any], s: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The first seeded person: her email, her Genesys user, her Salesforce User."""
    email = g["plan"]["people"][0]["email"]
    guser = next(u for u in g["org"]["users"] if u["email"] == email)
    suser = next(u for u in s["org"]["records"]["User"] if u.get("Email") == email)
    return email, guser, suser


def records(s: dict[str, Any], entity: str, **match: Any) -> list[dict[str, Any]]:
    return [r for r in s["org"]["records"][entity] if all(r.get(k) == v for k, v in match.items())]


def agent_leg(g: dict[str, Any], work_item: str, guser_id: str) -> dict[str, Any]:
    """The agent's participant in the Genesys conversation that carries the work item."""
    conversations = [c for c in g["org"]["conversations"]
                     if any(p.get("attributes", {}).get("workItemId") == work_item for p in c["participants"])]
    assert len(conversations) == 1, f"one Genesys conversation with workItemId {work_item} expected, " \
                                    f"found {len(conversations)}"
    legs = [p for p in conversations[0]["participants"] if p["purpose"] == "agent" and p.get("userId") == guser_id]
    assert len(legs) == 1, f"one agent leg for {guser_id} expected: {conversations[0]['participants']}"
    return legs[0]


def user_of(g: dict[str, Any], guser_id: str) -> dict[str, Any]:
    return next(u for u in g["org"]["users"] if u["id"] == guser_id)


def printed_value(printed: list[str], pattern: str) -> re.Match:
    for line in printed:
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError(f"the step printed no line like {pattern!r}: {printed}")


def refused(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError:
        return True
    return False


def test_the_readme_workflow_runs_as_written(tmp_path: Path):
    steps = split_steps(readme_block())
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    # The environment a reader has after the Quick start: this interpreter's scripts (omni-harness, python) first.
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               TMPDIR=str(private_tmp))
    for key in [k for k in env if k.startswith(("GENESYS_", "SALESFORCE_", "OMNI_", "CONNECTOR_"))]:
        del env[key]
    bash = Bash(tmp_path, env)
    try:
        play(bash, steps, tmp_path)
    finally:
        bash.kill_everything()


def play(bash: Bash, steps: dict[int, str], folder: Path) -> None:
    def step(number: int) -> list[str]:
        status, printed = bash.run(steps[number])
        assert status == 0, f"step {number} ended with status {status}; it printed:\n" + "\n".join(printed)
        return printed

    # 0. the helpers are defined (and nothing is started yet).
    step(0)
    assert bash.run("type -t pick mark wait_for")[1] == ["function"] * 3

    # 1. serve: both fakes answer, the environment file names them, nobody is On Queue yet.
    step(1)
    env_lines = dict(line.split("=", 1) for line in (folder / "connector.env").read_text().splitlines() if "=" in line)
    org = Org(env_lines["GENESYS_API_URL"], env_lines["SALESFORCE_INSTANCE_URL"])
    g, s = org.states()
    email, guser, suser = agent_of(g, s)
    assert {u["routingStatus"]["status"] for u in g["org"]["users"]} == {"OFF_QUEUE"}
    pids = bash.run('echo "$SERVE_PID $CONNECTOR_PID"')[1][0].split()
    assert len(pids) == 1, f"only serve is running after step 1: {pids}"

    # 2. the reference connector is up: a Streaming API subscription of the integration user, a Genesys socket.
    step(2)
    g, s = org.states()
    subscribed = [c for c in s["org"]["streaming"]["clients"]
                  if c["userId"] == s["org"]["integrationUserId"] and c["subscriptions"]]
    assert subscribed, f"no Streaming API subscription of the connector: {s['org']['streaming']['clients']}"
    assert [e for e in org.events("genesys", "notifications.socket") if e["data"]["action"] == "opened"]
    pids = bash.run('echo "$SERVE_PID $CONNECTOR_PID"')[1][0].split()
    assert len(pids) == 2 and all(Path(f"/proc/{pid}").exists() for pid in pids), pids

    # 3. the agent's own credentials: the ids the block found are hers, and she has a console session.
    printed = step(3)
    found = printed_value(printed, r"agent (\S+): Genesys user (\S+), Salesforce user (\S+)")
    assert found.groups() == (email, guser["id"], suser["Id"]), found.groups()
    g, s = org.states()
    assert [x for x in s["org"]["sessions"]["sessions"] if x["userId"] == suser["Id"] and x["kind"] == "console"]

    # 4. the customer's chat waits for external routing in Chat_Queue_1.
    printed = step(4)
    g, s = org.states()
    queue_id = records(s, "Group", DeveloperName="Chat_Queue_1")[0]["Id"]
    chats = records(s, "LiveChatTranscript", OwnerId=queue_id, Status="Waiting")
    assert len(chats) == 1, f"one waiting chat in Chat_Queue_1 expected: {s['org']['records']['LiveChatTranscript']}"
    work_item = chats[0]["Id"]
    assert printed_value(printed, r"work item (\S+)").group(1) == work_item
    assert records(s, "PendingServiceRouting", WorkItemId=work_item, RoutingModel="ExternalRouting", IsDeleted=False)

    # 5. On Queue in Genesys -> Online in Omni-Channel; the chat alerts her, carrying the work item.
    printed = step(5)
    assert printed_value(printed, r"^On Queue: (\d+)$").group(1) == "200"
    g, s = org.states()
    assert user_of(g, guser["id"])["presence"]["presenceDefinition"]["systemPresence"] == "On Queue"
    assert s["org"]["omni"]["agents"][suser["Id"]]["statusDeveloperName"] == "Online"
    assert agent_leg(g, work_item, guser["id"])["chats"][0]["state"] == "alerting"
    assert printed_value(printed, r"alerting: (\S+)").group(1) == work_item

    # 6. Pick Up -> connected in Genesys; her AgentWork is Opened, the chat InProgress, the routing request gone.
    assert printed_value(step(6), r"^Pick Up: (\d+)$").group(1) == "202"
    g, s = org.states()
    assert agent_leg(g, work_item, guser["id"])["chats"][0]["state"] == "connected"
    assert user_of(g, guser["id"])["routingStatus"]["status"] == "INTERACTING"
    works = records(s, "AgentWork", WorkItemId=work_item)
    assert [(w["UserId"], w["Status"]) for w in works] == [(suser["Id"], "Opened")], works
    assert records(s, "LiveChatTranscript", Id=work_item)[0]["Status"] == "InProgress"
    assert not records(s, "PendingServiceRouting", WorkItemId=work_item, IsDeleted=False)

    # 7. the tab closed in the console -> the AgentWork is Closed, her Genesys leg disconnected, wrap-up due.
    assert printed_value(step(7), r"^closeTab: (\d+)$").group(1) == "200"
    g, s = org.states()
    assert [w["Status"] for w in records(s, "AgentWork", WorkItemId=work_item)] == ["Closed"]
    leg = agent_leg(g, work_item, guser["id"])
    assert leg["chats"][0]["state"] == "disconnected" and leg["wrapupRequired"] and "wrapup" not in leg, leg

    # 8. wrap-up with one of the codes, Done -> the code is recorded and she is routable (IDLE) again.
    assert printed_value(step(8), r"^wrap-up: (\d+)$").group(1) == "202"
    g, s = org.states()
    leg = agent_leg(g, work_item, guser["id"])
    assert leg.get("wrapup", {}).get("code") in {c["id"] for c in g["org"]["wrapupCodes"]}, leg
    assert user_of(g, guser["id"])["routingStatus"]["status"] == "IDLE"

    # 9. stop: serve and the connector exit, and once the script ends nothing it started is left.
    serve_pid, connector_pid = bash.run('echo "$SERVE_PID $CONNECTOR_PID"')[1][0].split()
    step(9)
    for name, pid in (("omni-harness serve", serve_pid), ("the connector", connector_pid)):
        assert not Path(f"/proc/{pid}").exists(), f"{name} (pid {pid}) still runs after step 9"
    assert refused(org.genesys_url) and refused(org.salesforce_url), "a fake still listens after step 9"
    assert bash.finish() == 0
    left = bash.session_processes()
    assert not left, f"processes the block started are still running: {left}"
