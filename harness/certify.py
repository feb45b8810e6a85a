"""`omni-harness certify`: run every selected scenario against a connector and print the verdict per requirement.

pytest runs in this process (`pytest.main`) with `omni_harness.harness.plugin`; the feature files and the suite module
are found through the installed packages, so it works from any directory and from a non-editable install.
Everything the run writes (locks, generated settings, the CA, the connector's state) goes to a fresh
temporary folder, and the fakes listen on ephemeral ports, so two certifications can run side by side.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pytest

from .connector import parse_command
from .features import suite_module
from .manifest import ManifestError, ManifestLookup, connector_argv, resolve
from .results import BANNERS, MARKS, Judgement, RequirementVerdict, Results, RunVerdict, ScenarioResult, Verdict
from .selection import DECLARED, Selection, validate

DEFAULT_WORKERS = 4
DEFAULT_REPORT_DIR = "omni-harness-report"
# Exit statuses (`certify --help` and the README list them).
EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_SELECTION, EXIT_NOT_READY, EXIT_NOTHING = 0, 1, 2, 3, 4, 5
EXIT_SIGNAL_BASE = 128  # interrupted by signal N: 128 + N, as a shell reports it (130 SIGINT, 143 SIGTERM)
EXIT_CODES = {RunVerdict.CERTIFIED: EXIT_PASSED, RunVerdict.NOT_CERTIFIED: EXIT_FAILED,
              RunVerdict.PASSED_FOR_THE_SELECTION: EXIT_SELECTION, RunVerdict.NOT_READY: EXIT_NOT_READY,
              RunVerdict.NOTHING: EXIT_NOTHING,
              # A shard that passed all it ran exits 0 so a CI matrix goes green per shard; merge-reports decides.
              RunVerdict.PASSED_FOR_THE_SHARD: EXIT_PASSED}
EXIT_HELP = f"""exit status:
  {EXIT_PASSED}    CERTIFIED: every required requirement of the profiles and media the connector declares ran and
       passed; with --shard I/N: PASSED FOR THE SHARD, nothing the shard ran failed (merge-reports decides)
  {EXIT_FAILED}    NOT CERTIFIED: a requirement that counts failed
  {EXIT_USAGE}    usage error: unknown or mis-cased requirement id, id outside the selected profiles, empty
       selection, missing or invalid manifest, report folder holding other files (nothing was started)
  {EXIT_SELECTION}    PASSED FOR THE SELECTION: what ran passed, but -r/-k/--profile/--media left out requirements
       certification needs (summary.json: requiredNotRun)
  {EXIT_NOT_READY}    the connector never became ready: no scenario ran, every requirement is "not run"
  {EXIT_NOTHING}    nothing certified: the selection holds only requirements the connector does not declare
  130  INTERRUPTED by SIGINT (Ctrl-C); 143 INTERRUPTED by SIGTERM: the connector and the fakes are stopped and
       the report says what never ran"""
SIGNALS = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}
AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"


@dataclass
class Certification:
    """What a certification produced, for the CLI and for tests."""

    exit_code: int
    results: Results
    startup_error: str | None = None
    pytest_status: int = 0
    seconds: float = 0.0
    report_dir: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    run_dir: Path | None = None
    manifest: ManifestLookup | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    judgement: Judgement | None = None
    verdicts: dict[str, RequirementVerdict] = field(default_factory=dict)
    log: Path | None = None
    scenarios: list[ScenarioResult] = field(default_factory=list)


class _Grab:
    """Registered with pytest.main: hands the controller the console for progress lines, takes an interrupt's
    signal to it, and reads its results once the run is over."""

    def __init__(self, console: TextIO | None) -> None:
        self.controller: Any = None
        self.console = console
        self.interrupted_by: str | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        from .controller import CONTROLLER  # the run's machinery: loaded once a run starts

        self.controller = config.stash.get(CONTROLLER, None)
        if self.controller is not None and self.console is not None:
            self.controller.console = self.console

    def interrupt(self, signum: int, frame: Any) -> None:
        self.interrupted_by = self.interrupted_by or SIGNALS.get(signum, f"signal {signum}")
        if self.controller is not None:
            self.controller.interrupted_by = self.controller.interrupted_by or self.interrupted_by
        raise KeyboardInterrupt  # pytest then ends the session: the connector and the fakes are stopped


def pytest_args(*, connector: str | None, profile: str, timeout: float | None, keyword: str | None,
                report_dir: Path | None, run_dir: Path, workers: int, verbose: bool = False,
                requirements: list[str] | None = None, manifest: str | Path | None = None,
                ready_timeout: float | None = None, media: str | None = None, shard: Any = None) -> list[str]:
    module = suite_module()
    ini = run_dir / "pytest.ini"
    ini.write_text("[pytest]\n")  # an ini of our own: no project's settings leak into the run
    args = [str(module), "-c", str(ini), "--rootdir", str(module.parent), "--confcutdir", str(module.parent),
            "-p", "pytest_bdd.plugin", "-p", "omni_harness.harness.plugin", "-p", "no:cacheprovider",
            "--profile", profile, "--omni-run-dir", str(run_dir), "--omni-progress", "--omni-no-summary",
            "--no-header",
            "-q" if not verbose else "-v", "-W", "ignore::pytest.PytestAssertRewriteWarning", "--tb=short"]
    if connector:
        args += ["--connector", connector]
    if manifest:
        args += ["--manifest", str(Path(manifest).resolve())]
    if timeout:
        args += ["--timeout", str(timeout)]
    if ready_timeout:
        args += ["--omni-ready-timeout", str(ready_timeout)]
    if keyword:
        args += ["-k", keyword]
    if media:
        args += ["--media", media]
    if shard is not None:
        args += ["-p", "omni_harness.harness.shards", "--omni-shard", str(shard)]
    for rid in requirements or []:
        args += ["--requirement", rid]
    if workers > 1 and importlib.util.find_spec("xdist") is not None:
        args += ["-p", "xdist.plugin", "-n", str(workers), "--dist", "load"]
    if report_dir is not None:
        args += ["--omni-report-dir", str(report_dir), "--junitxml", str(report_dir / "junit.xml"),
                 "-o", "junit_suite_name=omni-harness", "--cucumberjson", str(report_dir / "cucumber.json")]
    return args


def check_manifest(connector: str | None, manifest: str | Path | None) -> ManifestLookup:
    """The manifest the run will use (raises ManifestError for a given one that is missing or invalid, and for an
    invalid one beside the connector)."""
    return resolve(parse_command(connector), manifest)


def check_selection(lookup: ManifestLookup, profile: str, requirements: list[str] | None,
                    keyword: str | None, media: str | None = None, shard: Any = None) -> Selection:
    """The run's selection (raises SelectionError, one line, before anything starts)."""
    return validate(profile, requirements, keyword, lookup, media, shard)


class ConnectorLibrariesMissing(ManifestError):
    """The bundled reference connector would be started, but its client libraries (the package's `reference`
    extra) are not installed. A usage error like a bad manifest: found before anything starts, exit 2."""


def check_connector_libraries(connector: str | None, lookup: ManifestLookup) -> None:
    """Raises ConnectorLibrariesMissing, naming what is missing and how to install it, when the run would start
    the bundled reference connector in a Python that lacks its client libraries: otherwise the fakes would start
    only to report a connector that never became ready."""
    from .connector import default_command

    if connector_argv(connector, lookup) != default_command():
        return
    from omni_harness.connectors.reference.libraries import missing_libraries, missing_message

    missing = missing_libraries()
    if missing:
        raise ConnectorLibrariesMissing(f"{missing_message(missing)}; or certify your own connector with --connector CMD")


@contextlib.contextmanager
def _interrupts(grab: _Grab) -> Iterator[None]:
    """SIGINT and SIGTERM end the run as an interrupt (pytest stops the scenarios, the controller stops the
    connector and the fakes and writes the report); the signal is remembered for the verdict and exit status."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, grab.interrupt) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _quiet(log: Path | None) -> Iterator[TextIO | None]:
    """pytest's and pytest-xdist's own output goes to `log`; answers the console, for the progress lines."""
    if log is None:
        yield None
        return
    console = sys.stdout
    with open(log, "w", buffering=1) as fh, contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
        yield console


def certify(connector: str | None = None, profile: str = DECLARED, timeout: float | None = None,
            keyword: str | None = None, report_dir: str | Path | None = DEFAULT_REPORT_DIR,
            workers: int = DEFAULT_WORKERS, verbose: bool = False, keep_run_dir: bool = False,
            requirements: list[str] | None = None, manifest: str | Path | None = None,
            ready_timeout: float | None = None, force: bool = False, media: str | None = None,
            shard: Any = None, quiet: bool = False) -> Certification:
    """Certifies a connector; `report_dir=None` writes no report (the run folder keeps connector.log).
    `shard` (omni_harness.harness.shards.Shard or "I/N"): run only that shard of the selected scenarios.

    Unless `quiet` or `verbose`, a progress line counts the scenarios on the console (`omni_harness.harness.progress`).

    Raises ManifestError, SelectionError or ReportDirError, before anything starts, for a usage error."""
    from .reports import CERTIFY_LOG, polish_junit, prepare_report_dir

    started = time.monotonic()
    lookup = check_manifest(connector, manifest)  # ManifestError: nothing has started yet
    chosen = check_selection(lookup, profile, requirements, keyword, media, shard)  # SelectionError: nor here
    check_connector_libraries(connector, lookup)  # ConnectorLibrariesMissing (a ManifestError): nor here
    report = Path(report_dir).resolve() if report_dir else None
    if report is not None:
        prepare_report_dir(report, force)  # ReportDirError
    if chosen.shard is not None and not chosen.shard_scenarios():
        # More shards than scenarios: this one has nothing to run, so nothing is started and it passes; the
        # merge knows from the other shards' plan that it held nothing.
        from .selection import required_ids

        nothing = Judgement(RunVerdict.PASSED_FOR_THE_SHARD, required_ids(lookup, chosen.profiles, chosen.media),
                            shard=chosen.shard)
        return Certification(EXIT_PASSED, Results(), seconds=time.monotonic() - started, manifest=lookup,
                             judgement=nothing)
    run_dir = Path(tempfile.mkdtemp(prefix="omni-harness-certify-"))
    log = None if verbose else (report or run_dir) / CERTIFY_LOG
    args = pytest_args(connector=connector, profile=profile, timeout=timeout, keyword=keyword, report_dir=report,
                       run_dir=run_dir, workers=workers, verbose=verbose, requirements=requirements,
                       manifest=manifest, ready_timeout=ready_timeout, media=media, shard=shard)
    # Only the plugins the suite needs are loaded (also in the xdist workers, which inherit the
    # environment): whatever else is installed in the interpreter neither slows nor changes the run.
    saved = os.environ.get(AUTOLOAD)
    os.environ[AUTOLOAD] = "1"
    with _quiet(log) as console:
        from .progress import Progress

        # The console gets the progress line; the line per scenario goes to certify.log with pytest's output.
        progress = Progress(console) if console is not None and not quiet else None
        grab = _Grab(None)
        try:
            with _interrupts(grab):
                status = int(pytest.main(args, plugins=[grab, *([progress] if progress else [])]))
        finally:
            if progress is not None:
                progress.close()
            if saved is None:
                os.environ.pop(AUTOLOAD, None)
            else:
                os.environ[AUTOLOAD] = saved
    controller = grab.controller
    results = controller.results if controller is not None else Results()
    error = controller.startup_error if controller is not None else "pytest did not start the run"
    judgement = controller.judgement if controller is not None else None
    if controller is not None and judgement is None:
        controller.interrupted_by = controller.interrupted_by or grab.interrupted_by
        judgement = controller.judge()
    verdicts = controller.verdicts() if controller is not None else {}
    if judgement is None:
        code = EXIT_USAGE
    elif judgement.verdict is RunVerdict.INTERRUPTED:
        name = judgement.interrupted_by or "SIGINT"
        code = EXIT_SIGNAL_BASE + int(getattr(signal, name, signal.SIGINT))
    elif judgement.verdict is RunVerdict.NOTHING and status not in (0, 5):
        code = EXIT_USAGE  # pytest stopped on something of its own (its message is in the log)
    else:
        code = EXIT_CODES[judgement.verdict]
    # A failed run keeps its folder (the connector's log is there when no report folder was asked for).
    kept = None
    if keep_run_dir or (code != EXIT_PASSED and report is None):
        kept = run_dir
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    summary: dict[str, Any] = {}
    if report is not None:
        polish_junit(report / "junit.xml")
    if report is not None and (report / "summary.json").exists():
        import json

        summary = json.loads((report / "summary.json").read_text())
    return Certification(code, results, error, status, time.monotonic() - started, report,
                         dict(controller.timings) if controller is not None else {}, kept, lookup, summary,
                         judgement, verdicts, log if log is not None and log.exists() else None,
                         list(results.scenarios.values()))


def print_verdict(outcome: Certification, stream: TextIO | None = None) -> None:
    """Root causes first (each once), then the verdict per requirement and the run's verdict."""
    from .rootcause import group

    out = stream or sys.stdout
    verdicts = outcome.verdicts
    judgement = outcome.judgement
    print("", file=out)
    if outcome.startup_error:
        down = [v.key for v in verdicts.values() if v.verdict is Verdict.NOT_RUN]
        print("Root cause: the connector was not ready, so no scenario ran"
              + (f" (not run: {', '.join(down)})" if down else "") + ":", file=out)
        print(outcome.startup_error, file=out)
        print("", file=out)
    causes = group([r.to_json() for r in outcome.scenarios])
    shared = [c for c in causes if c.shared]
    if shared:
        print("Root causes (each once, with what it took down):", file=out)
        for c in shared:
            print(f"  * {len(c.scenarios)} scenarios of {', '.join(c.requirements)} stopped at {c.step!r}", file=out)
            if c.message:
                print(f"      {c.message[:300]}", file=out)
            if c.call:
                print(f"      expected of the connector: {c.call}", file=out)
    single = [c for c in causes if not c.shared]
    if single:
        print("Failed:" if not shared else "Other failures:", file=out)
        for c in single:
            print(f"  * {', '.join(c.requirements)}  {c.scenarios[0]} at {c.step!r}", file=out)
            if c.message:
                print(f"      {c.message[:300]}", file=out)
    if outcome.manifest is not None:
        print(outcome.manifest.note, file=out)
    if verdicts:
        print("Verdict per requirement and medium:", file=out)
        for v in verdicts.values():
            extra = "" if v.required else "  (not required)"
            print(f"  {MARKS[v.verdict]}  {v.key:<21} {v.statement}{extra}", file=out)
        by_medium = {}
        for v in verdicts.values():
            by_medium.setdefault(v.medium, []).append(v)
        if len(by_medium) > 1:
            for medium, items in by_medium.items():
                counting = [v for v in items if v.counts]
                ok = sum(1 for v in counting if v.verdict is Verdict.PASSED)
                failed = sum(1 for v in counting if v.verdict is Verdict.FAILED)
                state = "all passed" if counting and ok == len(counting) else f"{failed} failed" if failed else \
                    "not all run"
                print(f"  {medium}: {ok} of {len(counting)} passed ({state})", file=out)
    if judgement is None:
        print(f"pytest stopped with status {outcome.pytest_status}: nothing was certified"
              + (f" (see {outcome.log})." if outcome.log else "."), file=out)
        return
    passed = sum(1 for v in verdicts.values() if v.verdict is Verdict.PASSED)
    counted = sum(1 for v in verdicts.values() if v.counts)
    undeclared = sum(1 for v in verdicts.values() if v.verdict is Verdict.NOT_DECLARED)
    tail = f" ({undeclared} not declared by the connector)" if undeclared else ""
    banner = BANNERS[judgement.verdict]
    if judgement.verdict is RunVerdict.INTERRUPTED:
        banner += f" by {judgement.interrupted_by}"
    if judgement.shard is not None:
        banner += f" (shard {judgement.shard})"
    print(f"\n{banner}: {passed} of {counted} requirements passed in {outcome.seconds:.1f} s{tail}.", file=out)
    if judgement.shard is not None and not outcome.scenarios:
        print(f"Shard {judgement.shard} holds no scenario of this selection (more shards than scenarios): nothing "
              "ran and no report was written; merge-reports knows it from the other shards' plan.", file=out)
    elif judgement.shard is not None:
        print(f"This is shard {judgement.shard.index} of {judgement.shard.total}, never a certification by itself: "
              "`omni-harness merge-reports` on every shard's report folder gives the verdict.", file=out)
    elif judgement.not_run and judgement.verdict is not RunVerdict.CERTIFIED:
        what = "never ran" if judgement.verdict in (RunVerdict.INTERRUPTED, RunVerdict.NOT_READY) else \
            "were not selected"
        print(f"Certification also needs {keys_by_medium(judgement.not_run)}, which {what}.", file=out)
    if judgement.verdict is RunVerdict.NOTHING:
        print("Nothing selected is declared by the connector: nothing was certified.", file=out)
    warnings = outcome.summary.get("warnings") or []
    if warnings:
        print(f"{len(warnings)} request(s) of the connector were refused by a platform (warnings in the report).",
              file=out)
    if outcome.report_dir:
        html = outcome.report_dir / "report.html"
        print(f"Reports in {outcome.report_dir}" + (f" (open {html.name})" if html.exists() else ""), file=out)
    elif outcome.run_dir:
        print(f"The run's folder (connector.log, generated settings) is kept in {outcome.run_dir}", file=out)
    if outcome.log is not None:
        print(f"pytest's own output: {outcome.log}", file=out)


def keys_by_medium(keys: list[str]) -> str:
    """`PICK-2 [chat], END-1 [chat], PICK-2 [messaging]` as `PICK-2, END-1 [chat]; PICK-2 [messaging]`."""
    from .media import split_key

    groups: dict[str, list[str]] = {}
    for key in keys:
        rid, medium = split_key(key)
        groups.setdefault(medium or "chat", []).append(rid)
    return "; ".join(f"{', '.join(ids)} [{medium}]" for medium, ids in groups.items())


def default_workers() -> int:
    return DEFAULT_WORKERS if (os.cpu_count() or 1) > 1 else 2
