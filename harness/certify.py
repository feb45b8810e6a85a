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
from .manifest import ManifestLookup
from .results import Outcome, Results, Verdict, certified

DEFAULT_WORKERS = 4
DEFAULT_REPORT_DIR = "omni-harness-report"
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
    manifest: ManifestLookup | None = None
    summary: dict[str, Any] = field(default_factory=dict)


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
                requirements: list[str] | None = None, manifest: str | Path | None = None) -> list[str]:
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
    if manifest:
        args += ["--manifest", str(Path(manifest).resolve())]
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
                 "-o", "junit_suite_name=omni-harness", "--cucumberjson", str(report_dir / "cucumber.json")]
    return args


def check_manifest(connector: str | None, manifest: str | Path | None) -> ManifestLookup:
    """The manifest the run will use (raises ManifestError for a given one that is missing or invalid, and for an
    invalid one beside the connector)."""
    from .connector import parse_command
    from .manifest import resolve

    return resolve(parse_command(connector), manifest)


def certify(connector: str | None = None, profile: str = "extended", timeout: float | None = None,
            keyword: str | None = None, report_dir: str | Path | None = DEFAULT_REPORT_DIR,
            workers: int = DEFAULT_WORKERS, verbose: bool = False, keep_run_dir: bool = False,
            requirements: list[str] | None = None, manifest: str | Path | None = None) -> Certification:
    """Certifies a connector; `report_dir=None` writes no report (the run folder keeps connector.log)."""
    started = time.monotonic()
    lookup = check_manifest(connector, manifest)  # ManifestError: nothing has started yet
    run_dir = Path(tempfile.mkdtemp(prefix="omni-harness-certify-"))
    report = Path(report_dir).resolve() if report_dir else None
    if report is not None:
        from .reports import clear_artefacts

        report.mkdir(parents=True, exist_ok=True)
        clear_artefacts(report)
    grab = _Grab()
    args = pytest_args(connector=connector, profile=profile, timeout=timeout, keyword=keyword, report_dir=report,
                       run_dir=run_dir, workers=workers, verbose=verbose, requirements=requirements,
                       manifest=manifest)
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
    elif not any(v.counts for v in verdicts.values()):
        code = EXIT_NOTHING  # everything selected is outside what the connector declares
    else:
        code = EXIT_PASSED if certified(verdicts) else EXIT_FAILED
    # A failed run keeps its folder (the connector's log is there when no report folder was asked for).
    kept = None
    if keep_run_dir or (code != EXIT_PASSED and report is None):
        kept = run_dir
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    summary: dict[str, Any] = {}
    if report is not None:
        from .reports import polish_junit

        polish_junit(report / "junit.xml")
    if report is not None and (report / "summary.json").exists():
        import json

        summary = json.loads((report / "summary.json").read_text())
    return Certification(code, results, error, status, time.monotonic() - started, report,
                         dict(controller.timings) if controller is not None else {}, kept, lookup, summary)


def print_verdict(outcome: Certification, stream=None) -> None:
    out = stream or sys.stdout
    verdicts = outcome.results.verdicts()
    print("", file=out)
    if outcome.startup_error:
        print("The connector could not be certified:", file=out)
        print(outcome.startup_error, file=out)
        print("", file=out)
    if outcome.manifest is not None:
        print(outcome.manifest.note, file=out)
    if verdicts:
        from .plugin import MARKS

        print("Verdict per requirement:", file=out)
        for v in verdicts.values():
            extra = "" if v.required else "  (not required)"
            print(f"  {MARKS[v.verdict]}  {v.id:<9} {v.statement}{extra}", file=out)
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
    counted = sum(1 for v in verdicts.values() if v.counts)
    undeclared = sum(1 for v in verdicts.values() if v.verdict is Verdict.NOT_DECLARED)
    word = "CERTIFIED" if outcome.exit_code == EXIT_PASSED else "NOT CERTIFIED"
    tail = f" ({undeclared} not declared by the connector)" if undeclared else ""
    print(f"\n{word}: {passed} of {counted} requirements passed in {outcome.seconds:.1f} s{tail}.", file=out)
    warnings = outcome.summary.get("warnings") or []
    if warnings:
        print(f"{len(warnings)} request(s) of the connector were refused by a platform (warnings in the report).",
              file=out)
    if outcome.report_dir:
        html = outcome.report_dir / "report.html"
        print(f"Reports in {outcome.report_dir}" + (f" (open {html.name})" if html.exists() else ""), file=out)
    elif outcome.run_dir:
        print(f"The run's folder (connector.log, generated settings) is kept in {outcome.run_dir}", file=out)


def default_workers() -> int:
    return DEFAULT_WORKERS if (os.cpu_count() or 1) > 1 else 2
