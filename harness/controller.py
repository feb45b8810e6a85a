"""The controller of a certification run: owns the fakes and the connector for the whole run, and gathers the results.

It lives in the process that owns the run (the only one, or the pytest-xdist controller). It starts both fakes (TLS
on, ephemeral ports), writes the sync settings, empties every queue, starts the connector and waits until it is ready
(`omni_harness.harness.connector.readiness_signals`: what the requirements it runs need), in the background so the workers boot
meanwhile; it hands the stack's description to the workers through `stack.json`, folds every scenario's reports into
`omni_harness.harness.results.Results`, judges the run, writes the reports, and stops the connector and the fakes at the end,
also when pytest is interrupted.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from .connector import DEFAULT_READY_TIMEOUT, ConnectorNotReady, ConnectorProcess, readiness_signals
from .control import FakeControl
from .coordinator import Coordinator
from .genesys import ClientCredentials, GenesysApi
from .lease import AGENTS_PER_SLOT, QUEUES_PER_SLOT, FileLock
from .media import split_key
from .reports import write_run_reports
from .requirements import Profile, catalogue
from .results import (
    BDD_REPORT,
    INTERNAL_PROPERTIES,
    MARKS,
    OUTCOME_MARKS,
    Judgement,
    Outcome,
    RequirementVerdict,
    Results,
    ScenarioResult,
    Verdict,
    complete,
    judge,
)
from .runconfig import MANIFEST_INPUT, RUN_DIR, connector_argv, manifest_input, manifest_lookup, selection
from .selection import required_ids, selected_keys
from .stackinfo import StackInfo

CONTROLLER = pytest.StashKey["Controller"]()
STACK_FILE = "stack.json"
STARTUP_LOCK = "startup.lock"
# A scale scenario runs alone and takes every slot: at least this many, whatever the number of workers.
SCALE_SLOTS = 4


def restore_bdd_report(report: pytest.TestReport) -> None:
    """Puts back pytest-bdd's step report that a worker carried as a user property (cucumber.json)."""
    for key, value in getattr(report, "user_properties", []) or []:
        if key == BDD_REPORT:
            try:
                from pytest_bdd.reporting import ReportContext, test_report_context_registry
            except ImportError:
                return
            data = json.loads(value)
            test_report_context_registry[report] = ReportContext(scenario=data["scenario"], name=data["name"])
            return


class Controller:
    """Owns the fakes and the connector for the whole run, and gathers the results."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        run_dir = config.getoption("omni_run_dir")
        self.owns_run_dir = not run_dir
        self.run_dir = Path(run_dir) if run_dir else Path(tempfile.mkdtemp(prefix="omni-harness-run-"))
        self.run_dir.mkdir(parents=True, exist_ok=True)
        report = config.getoption("omni_report_dir")
        self.report_dir = Path(report) if report else None
        self.results = Results()
        self.manifest = manifest_lookup(config)
        self.command = connector_argv(config)
        self.selection = selection(config)
        self.selected = selected_keys(self.selection)  # verdict keys: `PICK-2 [messaging]`
        # The connector is held to what the requirements it runs need (a Streaming API subscription or not).
        self.signals = readiness_signals(list(dict.fromkeys(
            rid for rid, medium in map(split_key, self.selected)
            if self.manifest.declares(catalogue()[rid], medium or "chat"))) or None)
        self.ready_timeout = float(config.getoption("omni_ready_timeout", None) or DEFAULT_READY_TIMEOUT)
        self.interrupted_by: str | None = None
        self.console: Any = None  # where progress lines go when pytest's own output goes to a log
        self.judgement: Judgement | None = None
        self._cancel = threading.Event()
        self.stack: Any = None
        self.info: StackInfo | None = None
        self.connector: ConnectorProcess | None = None
        self.startup_error: str | None = None
        self.timings: dict[str, float] = {}
        self.created = time.monotonic()
        self.coordinator: Any = None
        self._thread: threading.Thread | None = None
        self._startup_lock = FileLock(self.run_dir / STARTUP_LOCK)
        self._reported = False

    # pytest hooks ----------------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        opt = self.config.option
        if getattr(opt, "collectonly", False) or getattr(opt, "help", False):
            return
        self.begin()

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[RUN_DIR] = str(self.run_dir)
        node.workerinput[MANIFEST_INPUT] = manifest_input(self.manifest)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        restore_bdd_report(report)
        result = self.results.add(report)
        # What only the controller needs stays out of junit.xml (its reporter reads the properties after this).
        report.user_properties = [(k, v) for k, v in report.user_properties or [] if k not in INTERNAL_PROPERTIES]
        if result is not None and self.config.getoption("omni_progress"):
            self._progress(result)

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config):
        if config.getoption("omni_progress") and any(k == "requirements" for k, _ in report.user_properties):
            if report.when == "call" or report.failed:
                return report.outcome if report.when == "call" else "error", "", ""
            return "", "", ""
        return None

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.config.getoption("omni_no_summary") or (not self.results.scenarios and not self.startup_error):
            return
        tr = terminalreporter
        if self.startup_error:
            tr.write_sep("=", "connector not ready", red=True)
            tr.write_line(self.startup_error)
        tr.write_sep("=", "verdict per requirement")
        for v in self.verdicts().values():
            mark = MARKS[v.verdict]
            tr.write_line(f"{mark}  {v.id:<9} {v.statement}", green=v.verdict is Verdict.PASSED,
                          red=v.verdict is Verdict.FAILED)

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        self.interrupted_by = self.interrupted_by or "SIGINT"
        self._cancel.set()

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.timings["scenarios_done"] = time.monotonic() - self.created
        if exitstatus == pytest.ExitCode.INTERRUPTED and not self.interrupted_by:
            self.interrupted_by = "SIGINT"
        self._cancel.set()
        self.stop()
        self.timings["stopped"] = time.monotonic() - self.created

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        # A run folder made here goes away after a clean run; after a failure it stays for its connector.log.
        if self.owns_run_dir and self.results.passed and not self.startup_error:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        elif self.owns_run_dir and self._thread is not None:
            tr = config.pluginmanager.getplugin("terminalreporter")
            if tr is not None:
                tr.write_line(f"omni-harness run folder (connector.log): {self.run_dir}")

    # work ------------------------------------------------------------------------------------------
    def slots(self) -> int:
        explicit = self.config.getoption("omni_slots")
        if explicit:
            return max(1, explicit)
        workers = getattr(self.config.option, "numprocesses", None)
        dist = getattr(self.config.option, "dist", "no")
        if isinstance(workers, int) and workers > 0 and dist != "no":
            return workers
        return 1

    def begin(self) -> None:
        """Starts the fakes and the connector in the background, so pytest-xdist workers boot meanwhile.

        Until the stack is up the controller holds the start-up lock exclusively; workers take it shared
        and then read `stack.json` from the run folder."""
        if self._thread is not None:
            return
        atexit.register(self.stop)  # the connector never outlives the run, even when pytest itself fails
        self._startup_lock.acquire(exclusive=True)
        self._thread = threading.Thread(target=self._start, name="omni-harness-startup", daemon=True)
        self._thread.start()

    def wait_started(self) -> StackInfo:
        self.begin()
        assert self._thread is not None
        self._thread.join()
        assert self.info is not None
        return self.info

    def _start(self) -> None:
        try:
            self.start()
        except Exception as exc:  # reported to every scenario through stack.json
            self.startup_error = self.startup_error or f"The run could not start: {type(exc).__name__}: {exc}"
        finally:
            if self.info is None:
                self.info = StackInfo("", "", {}, {}, str(self.run_dir))
            if self.startup_error:
                self.info.extra["startup_error"] = self.startup_error
            (self.run_dir / STACK_FILE).write_text(self.info.to_json())
            self._startup_lock.release()

    def start(self) -> None:
        t0 = time.monotonic()
        from omni_harness.fakes.core import World
        from omni_harness.fakes.runner import start_stack

        slots = self.slots()
        if self.runs_scale():
            slots = max(slots, SCALE_SLOTS)
        world = World(seed=0, agents=slots * AGENTS_PER_SLOT, queues=slots * QUEUES_PER_SLOT)
        self.stack = start_stack(world, tls=True, workdir=self.run_dir / "stack")
        self.info = StackInfo.from_stack(self.stack, self.run_dir)
        self.info.env["CONNECTOR_STATE_DIR"] = str(self.stack.state_dir)
        self.info.write_sync_settings(self.connector_media())
        self.timings["stack"] = time.monotonic() - t0
        log_dir = self.report_dir or self.run_dir
        self.connector = ConnectorProcess(self.command, self.info.env, log_dir / "connector.log")
        control = FakeControl(self.info.genesys_url, self.info.verify)
        self.coordinator = Coordinator(self.restart_connector)
        self.info.coordinator_url = self.coordinator.url
        try:
            start_seq = control.last_seq()
            self.info.connector_start_seq = start_seq
            self.connector.start()
            t1 = time.monotonic()
            empty_all_queues(self.info)  # while the connector boots
            self.timings["pool"] = time.monotonic() - t1
            self.timings["connector_ready"] = self.connector.wait_ready(
                control, start_seq, self.ready_timeout, self.signals, cancelled=self._cancel.is_set)
        except ConnectorNotReady as exc:
            self.startup_error = str(exc)
        finally:
            control.close()
        self.timings["startup"] = time.monotonic() - t0
        self.timings["ready_at"] = time.monotonic() - self.created

    def connector_media(self) -> list[str]:
        """The media the sync settings hand the connector: what it declares (what it was built to bridge), else
        the media being certified."""
        m = self.manifest.manifest
        declared = m.media if m is not None else [str(x) for x in self.selection.media]
        return [x for x in ("chat", "messaging") if x in declared] or [str(self.selection.media[0])]

    def runs_scale(self) -> bool:
        """Whether a scale scenario may run: selected, and declared by the connector (it takes a bigger pool)."""
        cat = catalogue()
        return any(cat[rid].profile is Profile.SCALE and self.manifest.declares(cat[rid], medium or "chat")
                   for rid, medium in map(split_key, self.selected))

    def restart_connector(self) -> float:
        """Stops the connector and starts it again with the same environment and state folder (RES-5)."""
        assert self.connector is not None and self.info is not None
        control = FakeControl(self.info.genesys_url, self.info.verify)
        try:
            self.connector.stop()
            since = control.last_seq()
            self.connector.start()
            return self.connector.wait_ready(control, since, self.ready_timeout, self.signals)
        finally:
            control.close()

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self.coordinator is not None:
            self.coordinator.close()
            self.coordinator = None
        if self.connector is not None:
            t0 = time.monotonic()
            self.connector.stop()
            self.connector = None
            self.timings["connector_stop"] = time.monotonic() - t0
        try:
            if self.report_dir is not None and self._thread is not None and not self._reported:
                self._reported = True
                t0 = time.monotonic()
                self.write_reports()
                self.timings["reports"] = time.monotonic() - t0
        finally:
            if self.stack is not None:
                t0 = time.monotonic()
                self.stack.stop()
                self.stack = None
                self.timings["stack_stop"] = time.monotonic() - t0

    @property
    def connector_given(self) -> bool:
        return bool(self.config.getoption("omni_connector", None))

    def verdicts(self) -> dict[str, RequirementVerdict]:
        """Every selected requirement's verdict; those no scenario reported on are "not run", with why."""
        if self.startup_error:
            reason = "not run: the connector was not ready: " + self.startup_error.splitlines()[0]
        elif self.interrupted_by:
            reason = f"not run: the run was interrupted ({self.interrupted_by}) before its scenarios"
        else:
            reason = "not run"
        cat = catalogue()
        undeclared = frozenset(key for key in self.selected
                               if not self.manifest.declares(cat[split_key(key)[0]], split_key(key)[1] or "chat"))
        return complete(self.results.verdicts(), self.selected, reason, undeclared)

    def judge(self) -> Judgement:
        """The run's verdict: CERTIFIED only when every requirement certification needs ran and passed."""
        self.judgement = judge(self.verdicts(), required_ids(self.manifest, self.selection.profiles,
                                                             self.selection.media),
                               startup_error=self.startup_error, interrupted_by=self.interrupted_by,
                               shard=self.selection.shard)
        return self.judgement

    def write_reports(self) -> None:
        if self.report_dir is not None:
            write_run_reports(self, self.report_dir)

    def _progress(self, result: ScenarioResult) -> None:
        line = (f"{OUTCOME_MARKS[result.outcome]}  {result.duration:5.1f} s  {','.join(result.requirements):<10} "
                f"{'[' + result.medium + ']':<12}{result.feature}: {result.name}")
        tr = self.config.pluginmanager.getplugin("terminalreporter")
        if self.console is not None:
            print(line, file=self.console, flush=True)
        elif tr is not None:
            tr.ensure_newline()
            tr.write_line(line, green=result.outcome is Outcome.PASSED,
                          red=result.outcome in (Outcome.FAILED, Outcome.ERROR))
        else:
            print(line, flush=True)


def empty_all_queues(info: StackInfo) -> None:
    """No agent is a member of any queue until a scenario leases it, so a chat left waiting anywhere
    can never reach another scenario's agent."""
    env = info.env
    api = GenesysApi(env["GENESYS_API_URL"], ClientCredentials(env["GENESYS_LOGIN_URL"], env["GENESYS_CLIENT_ID"],
                                                               env["GENESYS_CLIENT_SECRET"], info.verify), info.verify)
    try:
        for queue in api.queues():
            api.set_queue_members(queue["id"], [])
    finally:
        api.close()

