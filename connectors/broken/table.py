"""Certify every broken connector and build the sensitivity table (broken connector x requirement) for README.md.

    python -m omni_harness.connectors.broken.table            # certify them all, print the table and any mismatch
    python -m omni_harness.connectors.broken.table --write    # ... and regenerate README.md's section (only if all match)
    python -m omni_harness.connectors.broken.table --check    # ... and fail if README.md's section differs

Each certification is `omni-harness certify` in its own process, on its own ephemeral ports, with its own report
folder, run at the widest profile the connector's manifest declares; several run side by side (`--jobs`). This
module only starts that command and reads the `summary.json` it writes: the negative controls share no code with
their judge.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .manifest import HERE, BrokenManifest, discover

REPO_ROOT = HERE.parents[1]
README = REPO_ROOT / "README.md"
CATALOGUE = REPO_ROOT / "contracts" / "requirements.yaml"
TARGETED = 3  # a control that fails at most this many requirements shows that each of them is checked on its own
START, END = "<!-- sensitivity:start -->", "<!-- sensitivity:end -->"
HEADING = "## The suite catches real defects"
CAUGHT, PASSES, ABSENT, GAP = "✗", "·", "–", "○"
NOT_DECLARED = "not declared"  # the verdict of a requirement outside the profiles a manifest declares
DEFAULT_JOBS = 3  # certifications at once: each mostly waits (on its connector, on time-outs), so 3 fit on 2 cores
DEFAULT_WORKERS = 4  # pytest-xdist workers inside each certification (its default on a multi-core machine)
RUN_LIMIT_SECONDS = 900.0  # longer than this is stuck, not slow (on a shared two-core machine)
STOP_GRACE_SECONDS = 30.0


@dataclass
class Failure:
    requirements: list[str]
    scenario: str
    step: str
    message: str


@dataclass
class Run:
    """One certification of one broken connector."""

    manifest: BrokenManifest
    profile: str
    report_dir: Path
    seconds: float = 0.0
    exit_code: int | None = None
    error: str | None = None  # the run could not produce verdicts (start-up error, crash, time limit)
    verdicts: dict[str, str] = field(default_factory=dict)  # `PICK-2 [chat]` -> passed / failed / not run
    failures: list[Failure] = field(default_factory=list)
    warnings: int = 0  # requests of the connector a platform refused (4xx)

    @property
    def failed(self) -> set[str]:
        return {r for r, v in self.verdicts.items() if v == "failed"}

    def mismatch(self) -> str | None:
        """None when the connector failed its declared requirements (a known suite gap may go either way) and
        passed every other; else what differs."""
        if self.error:
            return f"{self.manifest.package}: no verdicts: {self.error}"
        m = self.manifest
        declared = m.must_fail_keys(applies)
        problems = []
        missed = sorted(k for k in declared - self.failed if not m.gap(k))
        extra = sorted(self.failed - declared)
        not_passed = sorted(r for r, v in self.verdicts.items() if v not in ("passed", "failed"))
        not_run = sorted(declared - set(self.verdicts))
        if missed:
            problems.append(f"declared but passed (not caught): {', '.join(missed)}")
        if extra:
            problems.append(f"failed but not declared: {', '.join(extra)}")
        if not_passed:
            problems.append(f"neither passed nor failed: {', '.join(not_passed)}")
        if not_run:
            problems.append(f"declared but not in the {self.profile!r} run: {', '.join(not_run)}")
        if not problems:
            return None
        lines = [f"{m.package} ({self.profile}, report in {self.report_dir}): " + "; ".join(problems)]
        for f in self.failures:
            lines.append(f"  {','.join(f.requirements)} {f.scenario!r} at {f.step!r}: {f.message}")
        return "\n".join(lines)

    @property
    def caught(self) -> bool:
        """The suite failed the connector on at least one requirement it declares."""
        return bool(self.failed & self.manifest.must_fail_keys(applies))


# -- running ---------------------------------------------------------------------------------------------
def certify_command(manifest: BrokenManifest, report_dir: Path, workers: int, python: str | None = None) -> list[str]:
    python = python or sys.executable
    return [python, "-m", "omni_harness.harness.cli", "certify", "--connector", manifest.command_line(python),
            "--profile", manifest.certify_profile, "--report-dir", str(report_dir), "--workers", str(workers),
            "--force"]  # the folder also holds certify.out and tmp/


def _child_env(tmp: Path) -> dict[str, str]:
    """The certification (and the connector it starts) import this source tree, whatever is installed, and keep
    their temporary files (run folder, CA, connector state) in `tmp`, out of reach of whoever tidies /tmp."""
    env = dict(os.environ)
    tmp.mkdir(parents=True, exist_ok=True)
    env["TMPDIR"] = str(tmp)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), *[p for p in paths if p != str(REPO_ROOT)]])
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def certify(manifest: BrokenManifest, report_dir: Path, workers: int = DEFAULT_WORKERS,
            limit: float = RUN_LIMIT_SECONDS) -> Run:
    """Certifies one broken connector in a child process and reads its verdicts from `summary.json`."""
    report_dir.mkdir(parents=True, exist_ok=True)
    run = Run(manifest, manifest.certify_profile, report_dir)
    started = time.monotonic()
    with open(report_dir / "certify.out", "wb") as out:
        proc = subprocess.Popen(certify_command(manifest, report_dir, workers), cwd=REPO_ROOT,
                                env=_child_env(report_dir / "tmp"), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
        try:
            run.exit_code = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            # An interrupt lets certify stop its connector and its fakes; a kill would leave the connector behind.
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            run.error = f"the certification ran longer than {limit:.0f} s and was stopped (see {out.name})"
    run.seconds = time.monotonic() - started
    return read_reports(run)


def read_reports(run: Run) -> Run:
    """Fills a run's verdicts and failures from the reports its certification left in `run.report_dir`."""
    report_dir = run.report_dir
    summary = _read_json(report_dir / "summary.json")
    if not isinstance(summary, dict):
        run.error = run.error or f"no summary.json (exit status {run.exit_code}; see {report_dir / 'certify.out'})"
        return run
    if summary.get("startupError"):
        run.error = f"the connector did not start: {str(summary['startupError']).splitlines()[0]}"
    # A requirement outside what the manifest declares is not certified: it has no place in the table.
    run.verdicts = {str(r.get("key") or f"{r['id']} [chat]"): r["verdict"] for r in summary.get("requirements", [])
                    if isinstance(r, dict) and r.get("verdict") != NOT_DECLARED}
    run.warnings = len(summary.get("warnings") or [])
    for s in _read_json(report_dir / "scenarios.json") or []:
        if isinstance(s, dict) and s.get("outcome") in ("failed", "error"):
            message = (s.get("message") or "").strip().splitlines()
            run.failures.append(Failure([f"{r} [{s.get('medium') or 'chat'}]" for r in s.get("requirements") or []],
                                        s.get("name", ""),
                                        s.get("failed_step", ""), message[0][:300] if message else ""))
    if not run.verdicts and not run.error:
        run.error = f"no verdict in summary.json (exit status {run.exit_code})"
    return run


class Certifier:
    """Certifications of broken connectors, `jobs` at a time, each started at most once and awaited by package."""

    def __init__(self, manifests: Iterable[BrokenManifest], report_root: Path, jobs: int = DEFAULT_JOBS,
                 workers: int = DEFAULT_WORKERS, done: Callable[[Run], None] | None = None) -> None:
        self.manifests = {m.package: m for m in manifests}
        self.report_root = report_root
        self.workers = workers
        self.done = done
        self.pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="certify")
        self.futures: dict[str, Future[Run]] = {}
        self._lock = threading.Lock()

    def start(self, packages: Iterable[str] | None = None) -> None:
        """Queues the certifications not started yet; the ones that fail the most scenarios (and so wait out the
        most time-outs) first, so the slowest do not end up last."""
        wanted = [self.manifests[p] for p in (self.manifests if packages is None else packages)]
        wanted.sort(key=lambda m: (-len(m.must_fail) * len(m.media), m.certify_profile != "all", m.package))
        with self._lock:
            for m in wanted:
                if m.package not in self.futures:
                    self.futures[m.package] = self.pool.submit(self._one, m)

    def _one(self, manifest: BrokenManifest) -> Run:
        run = certify(manifest, self.report_root / manifest.package, self.workers)
        if self.done is not None:
            self.done(run)
        return run

    def run(self, package: str) -> Run:
        self.start([package])
        return self.futures[package].result()

    def runs(self) -> list[Run]:
        """Every connector's certification, by package name."""
        self.start()
        return [self.run(p) for p in sorted(self.manifests)]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


# -- the table -------------------------------------------------------------------------------------------
def requirement_order(runs: Iterable[Run]) -> list[str]:
    """Every requirement id any run certified, in the catalogue's order (the summaries list them so): the widest
    run's list, then whatever another run certified beyond it."""
    order: list[str] = []
    for ids in sorted((list(dict.fromkeys(k.split(" [", 1)[0] for k in r.verdicts)) for r in runs), key=len,
                      reverse=True):
        order += [rid for rid in ids if rid not in order]
    return order


def render_table(runs: Iterable[Run]) -> str:
    """One row per broken connector and medium it declares; a requirement that does not apply to the medium, or is
    outside its profiles, shows as not certified."""
    runs = sorted(runs, key=lambda r: r.manifest.package)
    ids = requirement_order(runs)
    symbol = {"failed": CAUGHT, "passed": PASSES}
    lines = ["| Broken connector | Its one mistake | Medium | " + " | ".join(ids) + " |",
             "|---|---|---|" + "|".join(":-:" for _ in ids) + "|"]
    for run in runs:
        m = run.manifest
        for medium in m.media:
            # A known gap of the suite may go either way from run to run: it shows as the gap, not as the outcome.
            cells = [GAP if m.gap(f"{rid} [{medium}]") and applies(rid, medium) and rid in m.must_fail_on(medium)
                     else symbol.get(run.verdicts.get(f"{rid} [{medium}]", ""), ABSENT) for rid in ids]
            lines.append(f"| [`{m.package}`](connectors/broken/{m.package}/) | {m.defect} | {medium} | "
                         + " | ".join(cells) + " |")
    return "\n".join(lines)


@functools.cache
def _media_of(path: Path = CATALOGUE) -> dict[str, tuple[str, ...]]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return {str(r["id"]): tuple(r.get("media") or ("chat", "messaging"))
            for r in data.get("requirements") or [] if isinstance(r, dict) and "id" in r}


def applies(rid: str, medium: str) -> bool:
    """Whether the catalogue certifies the requirement on that medium (`media` in contracts/requirements.yaml)."""
    return medium in _media_of().get(rid, ("chat", "messaging"))


def platform_guaranteed(path: Path = CATALOGUE) -> dict[str, str]:
    """Requirements the catalogue marks `guarantee: platform` (no connector can break them on its own), with why."""
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return {str(r["id"]): " ".join(str(r.get("guaranteeReason") or "").split())
            for r in data.get("requirements") or [] if isinstance(r, dict) and r.get("guarantee") == "platform"}


def targeted(runs: Iterable[Run]) -> dict[str, list[str]]:
    """Requirement id -> the broken connectors that fail it and at most TARGETED - 1 others on one medium (a
    targeted control)."""
    out: dict[str, list[str]] = {}
    for run in runs:
        for medium in run.manifest.media:
            mine = {k for k in run.verdicts if k.endswith(f" [{medium}]")}
            # A known gap of the suite may go either way: it counts against the control, and catches nothing.
            gaps = {k for k in mine if run.manifest.gap(k)}
            caught = (run.failed & mine) - gaps
            if not run.error and caught and len(caught | gaps) <= TARGETED:
                for key in sorted(caught):
                    rid = key.split(" [", 1)[0]
                    if run.manifest.package not in out.setdefault(rid, []):
                        out[rid].append(run.manifest.package)
    return out


def coverage_line(runs: Iterable[Run], guaranteed: dict[str, str] | None = None) -> str:
    runs = list(runs)
    ids = requirement_order(runs)
    guaranteed = platform_guaranteed() if guaranteed is None else guaranteed
    caught = targeted(runs)
    hit = [rid for rid in ids if rid in caught]
    line = (f"Requirements caught by a targeted control (a broken connector that fails it and at most "
            f"{TARGETED - 1} others): {len(hit)} / {len(ids)}.")
    shown = [rid for rid in ids if rid in guaranteed]
    if shown:
        line += (" Platform-guaranteed (no connector can break it on its own; `guarantee: platform` in "
                 "contracts/requirements.yaml says why): " + ", ".join(shown) + ".")
    missed = [rid for rid in ids if rid not in caught and rid not in guaranteed]
    if missed:
        line += " No targeted control yet: " + ", ".join(missed) + "."
    return line


def render_section(runs: Iterable[Run], guaranteed: dict[str, str] | None = None) -> str:
    runs = list(runs)
    return "\n".join([
        "<!-- Generated by `python -m omni_harness.connectors.broken.table --write` from a certification of every broken "
        "connector; do not edit by hand. -->",
        "",
        render_table(runs),
        "",
        f"{CAUGHT} the requirement failed: the suite caught the mistake. {PASSES} the requirement passed. "
        f"{ABSENT} not certified (outside the profiles the connector declares). {GAP} the connector gets this "
        "requirement wrong, but the suite does not fail it reliably yet (the connector's `suiteGaps` says why).",
        "",
        coverage_line(runs, guaranteed),
    ])


def read_section(text: str) -> str | None:
    """What README.md holds between the markers (stripped), or None when they are missing."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start + len(START):end].strip()


def replace_section(text: str, section: str) -> str:
    block = f"{START}\n{section}\n{END}"
    start, end = text.find(START), text.find(END)
    if start >= 0 and end > start:
        return text[:start] + block + text[end + len(END):]
    intro = ("Each connector under `connectors/broken/` is the reference connector with one mistake a real team\n"
             "could make; its `connector.yaml` declares (`mustFail`) the requirements the suite must fail it on.\n"
             "The self-test (`tests/selftest/`) certifies every one and checks that it fails exactly those and\n"
             "passes all the others. This table is what that run produced; regenerate it with\n"
             "`python -m omni_harness.connectors.broken.table --write`.")
    if HEADING in text:
        head = text.index(HEADING) + len(HEADING)
        return text[:head] + "\n\n" + block + "\n" + text[head:]
    return text.rstrip("\n") + f"\n\n{HEADING}\n\n{intro}\n\n{block}\n"


# -- command line ------------------------------------------------------------------------------------------
def _progress(run: Run) -> None:
    verdict = "error" if run.error else ("as declared" if run.mismatch() is None else "MISMATCH")
    print(f"  {run.manifest.package:<36} {run.profile:<9} {run.seconds:6.1f} s  "
          f"caught {','.join(sorted(run.failed)) or '-'}  [{verdict}]", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m omni_harness.connectors.broken.table", description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", help="only these broken connectors (by package name)")
    parser.add_argument("--write", action="store_true", help="regenerate README.md's section (every connector, "
                        "and only when each failed exactly its declared requirements)")
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md's section differs")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help=f"certifications at once ({DEFAULT_JOBS})")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"pytest-xdist workers per certification ({DEFAULT_WORKERS})")
    parser.add_argument("--report-root", type=Path, help="keep each certification's reports in DIR/<package>")
    parser.add_argument("--readme", type=Path, default=README, help="the README to check or write")
    parser.add_argument("--from-reports", action="store_true", help="certify nothing: read the reports a previous "
                        "run left in --report-root (DIR/<package>/summary.json)")
    args = parser.parse_args(argv)
    manifests = discover()
    if args.packages:
        unknown = sorted(set(args.packages) - {m.package for m in manifests})
        if unknown:
            parser.error(f"no broken connector called {', '.join(unknown)}")
        if args.write or args.check:
            parser.error("--write and --check need every broken connector")
        manifests = [m for m in manifests if m.package in args.packages]
    if args.from_reports and not args.report_root:
        parser.error("--from-reports reads the reports under --report-root")
    root = args.report_root or Path(tempfile.mkdtemp(prefix="omni-broken-"))
    started = time.monotonic()
    if args.from_reports:
        runs = [read_reports(Run(m, m.certify_profile, root / m.package)) for m in manifests]
    else:
        print(f"Certifying {len(manifests)} broken connectors, {args.jobs} at a time; reports in {root}", flush=True)
        certifier = Certifier(manifests, root, args.jobs, args.workers, done=_progress)
        try:
            runs = certifier.runs()
        finally:
            certifier.close()
    print(f"\nAll done in {time.monotonic() - started:.0f} s.\n")
    section = render_section(runs)
    print(section)
    problems = [p for p in (r.mismatch() for r in runs) if p]
    for p in problems:
        print("\n" + p, file=sys.stderr)
    status = 1 if problems else 0
    if args.write:
        if problems:
            print("\nREADME.md not written: some connector did not fail exactly its declared requirements.",
                  file=sys.stderr)
        else:
            args.readme.write_text(replace_section(args.readme.read_text(), section))
            print(f"\nWrote the sensitivity table into {args.readme}.")
    if args.check and read_section(args.readme.read_text()) != section.strip():
        print(f"\n{args.readme}'s sensitivity section differs from this run; regenerate it with "
              "`python -m omni_harness.connectors.broken.table --write`.", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
