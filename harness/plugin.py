"""pytest plugin of the certification suite: runs the fakes and the connector, leases agents, reports verdicts.

Load it with `-p harness.plugin`. The process that owns the run (the only one, or the pytest-xdist
controller) starts both fakes (TLS on, ephemeral ports) and the connector, empties every queue, and hands
the stack's description to the workers; each scenario leases its own agents and queues, so scenarios run
in parallel against one connector.

Options: `--connector CMD` (default: the manifest's command, else the bundled reference connector),
`--manifest PATH` (default: the `connector.yaml` beside the connector), `--profile core|extended|all`,
`--timeout S` (the wait of each step; when pytest-timeout owns `--timeout`, its value is used). Scenarios of
requirements the manifest does not declare are skipped as "not declared".
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import shlex
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from .connector import ConnectorNotReady, ConnectorProcess, parse_command, readiness_signals
from .lease import AGENTS_PER_SLOT, QUEUES_PER_SLOT, FileLock, Guard, worker_index
from .manifest import ManifestError, ManifestLookup, ManifestOrigin
from .requirements import FLAG_TAGS, REQUIREMENT_TAG, Profile, catalogue
from .results import (
    NOT_DECLARED_PROPERTY,
    NOT_RUN_PROPERTY,
    Judgement,
    Outcome,
    Results,
    ScenarioResult,
    Verdict,
    complete,
    judge,
)
from .selection import DECLARED, PROFILE_CHOICES, Selection, SelectionError, required_ids, selected_ids, validate
from .stackinfo import StackInfo
from .waits import DEFAULT_TIMEOUT, reset_scope, set_scope

STEP_MODULES = ("harness.steps.common", "harness.steps.presence", "harness.steps.routing", "harness.steps.pickup",
                "harness.steps.ending", "harness.steps.wrapup", "harness.steps.transfer", "harness.steps.resilience",
                "harness.steps.scale")
READY_TIMEOUT = 30.0

CONTROLLER = pytest.StashKey["Controller"]()
RUN_DIR = "omni_harness_run_dir"
MANIFEST_INPUT = "omni_harness_manifest"  # the controller's manifest lookup, so every worker uses the same
STACK_FILE = "stack.json"
STARTUP_LOCK = "startup.lock"
BDD_REPORT = "omni_bdd_report"
RECORD = "omni_record"
MANIFEST = pytest.StashKey[ManifestLookup]()
SELECTION = pytest.StashKey[Selection]()
# Carried from the workers to the controller, not meant for junit.xml's properties.
INTERNAL_PROPERTIES = (BDD_REPORT, RECORD)
# A scale scenario runs alone and takes every slot: at least this many, whatever the number of workers.
SCALE_SLOTS = 4
MARKS = {Verdict.PASSED: "PASS", Verdict.FAILED: "FAIL", Verdict.NOT_RUN: "----", Verdict.NOT_DECLARED: "n/d "}


# -- options -----------------------------------------------------------------------------------------
def _timeout_option_taken(pluginmanager: pytest.PytestPluginManager) -> bool:
    """pytest-timeout also defines `--timeout`; when it will be loaded, its option serves both."""
    if pluginmanager.has_plugin("timeout"):
        return True
    if pluginmanager.is_blocked("timeout") or os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return importlib.util.find_spec("pytest_timeout") is not None


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("omni-harness", "connector certification")
    group.addoption("--connector", dest="omni_connector", default=None, metavar="CMD",
                    help="command that starts the connector (default: the manifest's command, else the bundled "
                         "reference connector)")
    group.addoption("--manifest", dest="omni_manifest", default=None, metavar="PATH",
                    help="the connector's manifest (default: connector.yaml beside the connector)")
    group.addoption("--profile", dest="omni_profile", default=DECLARED, choices=list(PROFILE_CHOICES),
                    help="requirements to certify: declared (the profiles the manifest declares; default), core, "
                         "extended (core + extended) or all")
    if not _timeout_option_taken(pluginmanager):
        group.addoption("--timeout", dest="timeout", type=float, default=None, metavar="S",
                        help=f"seconds each step waits for the expected state (default {DEFAULT_TIMEOUT:g})")
    group.addoption("--requirement", dest="omni_requirements", action="append", default=[], metavar="ID",
                    help="only scenarios of this requirement (repeatable, or comma-separated ids)")
    group.addoption("--omni-run-dir", dest="omni_run_dir", default=None, metavar="DIR",
                    help="folder for locks, generated settings and logs of this run (default: a new temp folder)")
    group.addoption("--omni-report-dir", dest="omni_report_dir", default=None, metavar="DIR",
                    help="write connector.log, summary.json, scenarios.json and journal.ndjson here")
    group.addoption("--omni-slots", dest="omni_slots", type=int, default=None, metavar="N",
                    help="scenarios that can run at once (default: the number of xdist workers)")
    group.addoption("--omni-progress", dest="omni_progress", action="store_true", default=False,
                    help="one line per finished scenario instead of pytest's letters")
    group.addoption("--omni-no-summary", dest="omni_no_summary", action="store_true", default=False,
                    help="no verdict table at the end (the caller prints its own)")
    group.addoption("--omni-ready-timeout", dest="omni_ready_timeout", type=float, default=READY_TIMEOUT,
                    metavar="S", help=f"seconds the connector gets to authenticate and subscribe (default {READY_TIMEOUT:g})")


def step_timeout(config: pytest.Config) -> float:
    value = config.getoption("timeout", None)
    return float(value) if value else DEFAULT_TIMEOUT


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(id): the requirement (DESIGN §4.4) a scenario covers")
    config.addinivalue_line("markers", "profile(name): core, extended, resilience or scale")
    for name, text in FLAG_TAGS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    for module in STEP_MODULES:
        if not config.pluginmanager.has_plugin(module):
            config.pluginmanager.import_plugin(module)
    try:
        lookup = manifest_lookup(config)
    except ManifestError as exc:
        raise pytest.UsageError(str(exc)) from None
    try:
        config.stash[SELECTION] = validate(config.getoption("omni_profile"), config.getoption("omni_requirements"),
                                           config.getoption("keyword", None) or None, lookup)
    except SelectionError as exc:
        raise pytest.UsageError(str(exc)) from None
    if not is_worker(config):
        controller = Controller(config)
        config.stash[CONTROLLER] = controller
        config.pluginmanager.register(controller, "omni-harness-controller")


# -- the connector and its manifest -----------------------------------------------------------------------
def manifest_lookup(config: pytest.Config) -> ManifestLookup:
    """The run's manifest: `--manifest PATH`, else the connector.yaml beside the connector (read once)."""
    if MANIFEST not in config.stash:
        from .manifest import find, load

        given = config.getoption("omni_manifest", None)
        handed = getattr(config, "workerinput", {}).get(MANIFEST_INPUT)
        if handed is not None:
            origin, path, searched = json.loads(handed)
            config.stash[MANIFEST] = ManifestLookup(ManifestOrigin(origin), load(path) if path else None,
                                                    tuple(searched))
        elif given:
            config.stash[MANIFEST] = ManifestLookup(ManifestOrigin.GIVEN, load(given), (str(Path(given).resolve()),))
        else:
            config.stash[MANIFEST] = find(parse_command(config.getoption("omni_connector", None)))
    return config.stash[MANIFEST]


def connector_argv(config: pytest.Config) -> list[str]:
    """`--connector`, else the command of a manifest given with `--manifest`, else the reference connector."""
    explicit = config.getoption("omni_connector", None)
    if explicit:
        return parse_command(explicit)
    lookup = manifest_lookup(config)
    if lookup.origin is ManifestOrigin.GIVEN and lookup.manifest is not None and lookup.manifest.command:
        return lookup.manifest.argv()
    return parse_command(None)


def not_declared_reason(lookup: ManifestLookup, requirements: list[str]) -> str | None:
    """Why a scenario of these requirements is not run for this connector (None: it is declared)."""
    cat = catalogue()
    known = [cat[r] for r in requirements if r in cat]
    if lookup.manifest is None or not known or any(lookup.declares(r) for r in known):
        return None
    m = lookup.manifest
    return (f"not declared: {', '.join(r.id for r in known)} ({known[0].profile}) is outside what {m.name} "
            f"{m.version} declares (profiles {', '.join(map(str, m.profiles))}; media {', '.join(m.media)})")


# -- tags, selection -----------------------------------------------------------------------------------
@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Any) -> Any:
    if REQUIREMENT_TAG.match(tag):
        pytest.mark.requirement(tag)(function)
        return True
    if tag in {p.value for p in Profile}:
        pytest.mark.profile(tag)(function)
        return True
    if tag in FLAG_TAGS:
        getattr(pytest.mark, tag)(function)
        return True
    return None


def scenario_of(item: pytest.Item) -> Any:
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    obj = getattr(item, "obj", None)
    return scenario_wrapper_template_registry.get(obj) if obj is not None else None


def item_requirements(item: pytest.Item) -> list[str]:
    return [m.args[0] for m in item.iter_markers("requirement") if m.args]


def item_profile(item: pytest.Item) -> str | None:
    marks = [m.args[0] for m in item.iter_markers("profile") if m.args]
    return marks[0] if marks else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    selection = config.stash[SELECTION]
    wanted = {p.value for p in selection.profiles}
    only = set(selection.requirements)
    lookup = manifest_lookup(config)
    keep, drop = [], []
    for item in items:
        template = scenario_of(item)
        if template is None:
            keep.append(item)
            continue
        profile = item_profile(item)
        if profile not in wanted or (only and not only & set(item_requirements(item))):
            drop.append(item)
            continue
        # `-k "PRES-1 or XFER-2"` selects by requirement id.
        item.extra_keyword_matches.update(item_requirements(item))
        item.user_properties += [("requirements", ",".join(item_requirements(item))), ("profile", profile or ""),
                                 ("scenario", template.name), ("feature", template.feature.name)]
        reason = not_declared_reason(lookup, item_requirements(item))
        if reason:
            # Skipped before its fixtures: no lease, no step, and reported "not declared", never "passed".
            item.add_marker(pytest.mark.skip(reason=reason))
            item.user_properties.append((NOT_DECLARED_PROPERTY, reason))
        keep.append(item)
    # Run-alone scenarios first: at the start nothing else is running yet, so they wait for nobody.
    keep.sort(key=lambda item: item.get_closest_marker("exclusive") is None)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any):
    """pytest-bdd keeps a scenario's step report beside the test report, where pytest-xdist does not carry
    it; in a worker it rides along as a user property, and the controller puts it back (cucumber.json)."""
    outcome = yield
    if not is_worker(item.config):
        return
    try:
        from pytest_bdd.reporting import test_report_context_registry
    except ImportError:  # another pytest-bdd: its own report carries it, or nothing does
        return
    report = outcome.get_result()
    context = test_report_context_registry.get(report)
    if context is not None:
        report.user_properties.append((BDD_REPORT, json.dumps({"scenario": context.scenario, "name": context.name})))


def restore_bdd_report(report: pytest.TestReport) -> None:
    for key, value in getattr(report, "user_properties", []) or []:
        if key == BDD_REPORT:
            try:
                from pytest_bdd.reporting import ReportContext, test_report_context_registry
            except ImportError:
                return
            data = json.loads(value)
            test_report_context_registry[report] = ReportContext(scenario=data["scenario"], name=data["name"])
            return


def pytest_bdd_step_error(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, step_func: Any,
                          step_func_args: Any, exception: Exception) -> None:
    from .waits import expectation_of

    expected, seen = expectation_of(exception)
    request.node.user_properties += [("failed_step", f"{step.keyword} {step.name}"),
                                     ("failed_expectation", expected or f"{step.keyword} {step.name}"),
                                     ("failed_seen", seen)]


# -- the controller: stack, connector, results ---------------------------------------------------------
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
        self.selection = config.stash[SELECTION]
        self.selected = selected_ids(self.selection)
        # The connector is held to what the requirements it runs need (a Streaming API subscription or not).
        self.signals = readiness_signals([rid for rid in self.selected
                                          if self.manifest.declares(catalogue()[rid])] or None)
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
        m = self.manifest
        node.workerinput[MANIFEST_INPUT] = json.dumps([str(m.origin), str(m.manifest.path) if m.manifest else None,
                                                       list(m.searched)])

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
        from fakes.core import World
        from fakes.runner import start_stack

        slots = self.slots()
        if self.runs_scale():
            slots = max(slots, SCALE_SLOTS)
        world = World(seed=0, agents=slots * AGENTS_PER_SLOT, queues=slots * QUEUES_PER_SLOT)
        self.stack = start_stack(world, tls=True, workdir=self.run_dir / "stack")
        self.info = StackInfo.from_stack(self.stack, self.run_dir)
        self.info.env["CONNECTOR_STATE_DIR"] = str(self.stack.state_dir)
        self.info.write_sync_settings()
        self.timings["stack"] = time.monotonic() - t0
        log_dir = self.report_dir or self.run_dir
        self.connector = ConnectorProcess(connector_argv(self.config), self.info.env, log_dir / "connector.log")
        from .control import FakeControl

        control = FakeControl(self.info.genesys_url, self.info.verify)
        from .coordinator import Coordinator

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
                control, start_seq, self.config.getoption("omni_ready_timeout"), self.signals,
                cancelled=self._cancel.is_set)
        except ConnectorNotReady as exc:
            self.startup_error = str(exc)
        finally:
            control.close()
        self.timings["startup"] = time.monotonic() - t0
        self.timings["ready_at"] = time.monotonic() - self.created

    def runs_scale(self) -> bool:
        """Whether a scale scenario may run: selected, and declared by the connector (it takes a bigger pool)."""
        cat = catalogue()
        return any(cat[rid].profile is Profile.SCALE and self.manifest.declares(cat[rid]) for rid in self.selected)

    def restart_connector(self) -> float:
        """Stops the connector and starts it again with the same environment and state folder (RES-5)."""
        from .control import FakeControl

        assert self.connector is not None and self.info is not None
        control = FakeControl(self.info.genesys_url, self.info.verify)
        try:
            self.connector.stop()
            since = control.last_seq()
            self.connector.start()
            return self.connector.wait_ready(control, since, self.config.getoption("omni_ready_timeout"), self.signals)
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

    def verdicts(self) -> dict[str, Any]:
        """Every selected requirement's verdict; those no scenario reported on are "not run", with why."""
        if self.startup_error:
            reason = "not run: the connector was not ready: " + self.startup_error.splitlines()[0]
        elif self.interrupted_by:
            reason = f"not run: the run was interrupted ({self.interrupted_by}) before its scenarios"
        else:
            reason = "not run"
        return complete(self.results.verdicts(), self.selected, reason)

    def judge(self) -> Judgement:
        """The run's verdict: CERTIFIED only when every requirement certification needs ran and passed."""
        self.judgement = judge(self.verdicts(), required_ids(self.manifest, self.selection.profiles),
                               startup_error=self.startup_error, interrupted_by=self.interrupted_by)
        return self.judgement

    def write_reports(self) -> None:
        from .reports import write_run_reports

        write_run_reports(self, self.report_dir)

    def _progress(self, result: ScenarioResult) -> None:
        mark = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.ERROR: "ERR ", Outcome.SKIPPED: "SKIP",
                Outcome.NOT_DECLARED: "n/d "}
        line = (f"{mark[result.outcome]}  {result.duration:5.1f} s  {','.join(result.requirements):<18} "
                f"{result.feature}: {result.name}")
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
    from .genesys import ClientCredentials, GenesysApi

    env = info.env
    api = GenesysApi(env["GENESYS_API_URL"], ClientCredentials(env["GENESYS_LOGIN_URL"], env["GENESYS_CLIENT_ID"],
                                                               env["GENESYS_CLIENT_SECRET"], info.verify), info.verify)
    try:
        for queue in api.queues():
            api.set_queue_members(queue["id"], [])
    finally:
        api.close()


# -- fixtures ------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def omni_stack(request: pytest.FixtureRequest) -> StackInfo:
    """The running stack, as plain data (also in xdist workers)."""
    config = request.config
    if is_worker(config):
        run_dir = Path(config.workerinput[RUN_DIR])
        lock = FileLock(run_dir / STARTUP_LOCK)
        lock.acquire(exclusive=False)  # held by the controller until the stack and the connector are up
        lock.release()
        info = StackInfo.from_json((run_dir / STACK_FILE).read_text())
    else:
        info = config.stash[CONTROLLER].wait_started()
    return info


def skip_unless_ready(request: pytest.FixtureRequest, info: StackInfo) -> None:
    """A scenario of a run whose connector never became ready is not run, with the readiness error as the
    reason: it says nothing about the requirement, so it is never "failed"."""
    error = info.extra.get("startup_error")
    if error:
        request.node.user_properties.append((NOT_RUN_PROPERTY, "not run: the connector was not ready: "
                                             + error.splitlines()[0]))
        pytest.skip("not run: the connector was not ready")


@pytest.fixture
def omni_ready(request: pytest.FixtureRequest, omni_stack: StackInfo) -> StackInfo:
    """The stack, once the connector is ready (the scenario is skipped as "not run" otherwise)."""
    skip_unless_ready(request, omni_stack)
    return omni_stack


@pytest.fixture(scope="session")
def omni_platforms(omni_stack: StackInfo):
    from .scenario import Platforms

    platforms = Platforms(omni_stack)
    yield platforms
    platforms.close()


@pytest.fixture(scope="session")
def omni_pool(omni_platforms):
    return omni_platforms.pool(preferred=worker_index())


@pytest.fixture
def ctx(request: pytest.FixtureRequest, omni_stack: StackInfo, omni_ready, omni_platforms, omni_pool):
    """The scenario's context: its lease of agents and queues, and the wait scope of its steps."""
    from .scenario import ScenarioContext, ScenarioRecord

    item = request.node
    template = scenario_of(item)
    exclusive = item.get_closest_marker("exclusive") is not None
    web_chat = item.get_closest_marker("webchat") is not None
    guard = Guard(Path(omni_stack.run_dir) / "locks")
    with guard.hold(exclusive):
        lease = omni_pool.lease(web_chat=web_chat)
        context = None
        try:
            record = ScenarioRecord(item.nodeid, template.name if template else item.name,
                                    template.feature.name if template else "", item_requirements(item),
                                    item_profile(item) or "")
            omni_platforms.tagger.sent.clear()
            context = ScenarioContext(omni_platforms, lease, record, step_timeout(request.config), pool=omni_pool)
            context.prepare()
            token = set_scope(context)
            try:
                yield context
            finally:
                reset_scope(token)
                try:
                    context.cleanup()
                finally:
                    item.user_properties.append((RECORD, json.dumps(record.to_json())))
        finally:
            if context is not None:
                context.release_extra_slots()
            lease.release()


class ConnectorHandle:
    """The connector under test, as a scenario sees it: where it logs, and a restart (RES-5)."""

    def __init__(self, info: StackInfo) -> None:
        self.info = info

    @property
    def state_dir(self) -> str | None:
        return self.info.env.get("CONNECTOR_STATE_DIR")

    def restart(self) -> float:
        from .coordinator import restart_connector

        if not self.info.coordinator_url:
            raise RuntimeError("this run cannot restart the connector")
        return restart_connector(self.info.coordinator_url)


@pytest.fixture(scope="session")
def omni_connector(omni_stack: StackInfo) -> ConnectorHandle:
    return ConnectorHandle(omni_stack)


@pytest.fixture
def lease(ctx):
    """The scenario's lease: its agents and queue pairs."""
    return ctx.lease


@pytest.fixture
def agents(ctx):
    """The scenario's agents by role name (Alice, Bob, Carol), each with a Genesys client and a console."""
    return ctx.agents


@pytest.fixture
def customer(ctx):
    return ctx.customer


@pytest.fixture(autouse=True)
def _omni_scenario(request: pytest.FixtureRequest) -> None:
    """Every scenario of the suite gets its context at set-up, before its first step."""
    if scenario_of(request.node) is not None:
        request.getfixturevalue("omni_ready")
        request.getfixturevalue("ctx")


def connector_command(config: pytest.Config) -> str:
    return shlex.join(connector_argv(config))
