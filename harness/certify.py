"""`omni-harness certify`: run every selected scenario against a connector and print the verdict per requirement.

pytest runs in this process (`pytest.main`) with `harness.plugin`; the feature files and the suite module
are found through the installed packages, so it works from any directory and from a non-editable install.
Everything the run writes (locks, generated settings, the CA, the connector's state) goes to a fresh
temporary folder, and the fakes listen on ephemeral ports, so two certifications can run side by side.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .features import suite_module
from .results import Outcome, Results, Verdict

DEFAULT_WORKERS = 4
EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_NOTHING = 0, 1, 2, 5
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


class _Grab:
    """Registered with pytest.main to read the controller's results once the run is over."""

    def __init__(self) -> None:
        self.controller: Any = None

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        from .plugin import CONTROLLER

        self.controller = config.stash.get(CONTROLLER, None)


def pytest_args(*, connector: str | None, profile: str, timeout: float | None, keyword: str | None,
                report_dir: Path | None, run_dir: Path, workers: int, verbose: bool = False,
                requirements: list[str] | None = None) -> list[str]:
    module = suite_module()
    ini = run_dir / "pytest.ini"
    ini.write_text("[pytest]\n")  # an ini of our own: no project's settings leak into the run
    args = [str(module), "-c", str(ini), "--rootdir", str(module.parent), "--confcutdir", str(module.parent),
            "-p", "pytest_bdd.plugin", "-p", "harness.plugin", "-p", "no:cacheprovider",
            "--profile", profile, "--omni-run-dir", str(run_dir), "--omni-progress", "--omni-no-summary",
            "--no-header",
            "-q" if not verbose else "-v", "-W", "ignore::pytest.PytestAssertRewriteWarning", "--tb=short"]
    if connector:
        args += ["--connector", connector]
    if timeout:
        args += ["--timeout", str(timeout)]
    if keyword:
        args += ["-k", keyword]
    for rid in requirements or []:
        args += ["--requirement", rid]
    if workers > 1 and importlib.util.find_spec("xdist") is not None:
        args += ["-p", "xdist.plugin", "-n", str(workers), "--dist", "load"]
    if report_dir is not None:
        args += ["--omni-report-dir", str(report_dir), "--junitxml", str(report_dir / "junit.xml"),
                 "--cucumberjson", str(report_dir / "cucumber.json")]
    return args


def certify(connector: str | None = None, profile: str = "extended", timeout: float | None = None,
            keyword: str | None = None, report_dir: str | Path | None = None, workers: int = DEFAULT_WORKERS,
            verbose: bool = False, keep_run_dir: bool = False, requirements: list[str] | None = None) -> Certification:
    started = time.monotonic()
    run_dir = Path(tempfile.mkdtemp(prefix="omni-harness-certify-"))
    report = Path(report_dir).resolve() if report_dir else None
    if report is not None:
        report.mkdir(parents=True, exist_ok=True)
    grab = _Grab()
    args = pytest_args(connector=connector, profile=profile, timeout=timeout, keyword=keyword, report_dir=report,
                       run_dir=run_dir, workers=workers, verbose=verbose, requirements=requirements)
    # Only the plugins the suite needs are loaded (also in the xdist workers, which inherit the
    # environment): whatever else is installed in the interpreter neither slows nor changes the run.
    saved = os.environ.get(AUTOLOAD)
    os.environ[AUTOLOAD] = "1"
    try:
        status = int(pytest.main(args, plugins=[grab]))
    finally:
        if saved is None:
            os.environ.pop(AUTOLOAD, None)
        else:
            os.environ[AUTOLOAD] = saved
    controller = grab.controller
    results = controller.results if controller is not None else Results()
    error = controller.startup_error if controller is not None else "pytest did not start the run"
    verdicts = results.verdicts()
    if error:
        code = EXIT_FAILED
    elif not verdicts:
        code = EXIT_NOTHING if status in (0, 5) else EXIT_USAGE
    else:
        code = EXIT_PASSED if all(v.verdict is Verdict.PASSED for v in verdicts.values()) else EXIT_FAILED
    # A failed run keeps its folder (the connector's log is there when no report folder was asked for).
    kept = None
    if keep_run_dir or (code != EXIT_PASSED and report is None):
        kept = run_dir
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    return Certification(code, results, error, status, time.monotonic() - started, report,
                    dict(controller.timings) if controller is not None else {}, kept)


def print_verdict(outcome: Certification, stream=None) -> None:
    out = stream or sys.stdout
    verdicts = outcome.results.verdicts()
    print("", file=out)
    if outcome.startup_error:
        print("The connector could not be certified:", file=out)
        print(outcome.startup_error, file=out)
        print("", file=out)
    if verdicts:
        print("Verdict per requirement:", file=out)
        for v in verdicts.values():
            mark = {Verdict.PASSED: "PASS", Verdict.FAILED: "FAIL", Verdict.NOT_RUN: "----"}[v.verdict]
            print(f"  {mark}  {v.id:<9} {v.statement}", file=out)
        failed = [r for r in outcome.results.scenarios.values() if r.outcome in (Outcome.FAILED, Outcome.ERROR)]
        if failed:
            print("\nFailed scenarios:", file=out)
            for r in failed:
                step = f" at step {r.failed_step!r}" if r.failed_step else ""
                first = (r.message or "").strip().splitlines()[0:1]
                print(f"  {','.join(r.requirements)}  {r.feature}: {r.name}{step}", file=out)
                if first:
                    print(f"      {first[0][:300]}", file=out)
    if not verdicts and not outcome.startup_error:
        if outcome.exit_code == EXIT_NOTHING:
            print("No scenario matched the selection: nothing was certified.", file=out)
        else:
            print(f"pytest stopped with status {outcome.pytest_status} (see its message above): nothing was "
                  "certified.", file=out)
        return
    passed = sum(1 for v in verdicts.values() if v.verdict is Verdict.PASSED)
    word = "CERTIFIED" if outcome.exit_code == EXIT_PASSED else "NOT CERTIFIED"
    print(f"\n{word}: {passed} of {len(verdicts)} requirements passed in {outcome.seconds:.1f} s.", file=out)
    if outcome.report_dir:
        print(f"Reports in {outcome.report_dir}", file=out)
    elif outcome.run_dir:
        print(f"The run's folder (connector.log, generated settings) is kept in {outcome.run_dir}", file=out)


def default_workers() -> int:
    return DEFAULT_WORKERS if (os.cpu_count() or 1) > 1 else 2
