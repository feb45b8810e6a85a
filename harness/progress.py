"""The progress of a certification on the console, while its scenarios run.

On a terminal one live line, redrawn in place (`\\r`): `scenarios 12/40 · passed 11 · failed 1 · elapsed 48 s`,
with the scenario that finished last; a failed scenario also leaves a line of its own above it. When the console
is not a terminal (a CI log, a pipe) there is no redrawing: one plain line per finished scenario, with the same
counts. It is a pytest plugin registered by `omni_harness.harness.certify` for one run; it only writes to the console, never
into the reports, and it folds the scenarios' reports itself (`omni_harness.harness.results.Results`), so what it counts is
what the verdict counts.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TextIO

import pytest

from .results import OUTCOME_MARKS, Outcome, Results, ScenarioResult

# How often the live line is redrawn without news, so its elapsed time keeps moving.
REDRAW_SECONDS = 1.0
FAILED_OUTCOMES = (Outcome.FAILED, Outcome.ERROR)
NOT_RUN_OUTCOMES = (Outcome.SKIPPED, Outcome.NOT_DECLARED)
CLEAR_TO_END = "\033[K"
DEFAULT_WIDTH = 80


class Mode(StrEnum):
    LIVE = "live"  # a terminal: one line redrawn in place
    LINES = "lines"  # anything else: one plain line per finished scenario


@dataclass
class Tally:
    """What the progress line says: scenarios finished of those selected, and how they ended."""

    total: int | None = None  # known once pytest has collected (and deselected) the scenarios
    done: int = 0
    passed: int = 0
    failed: int = 0
    not_run: int = 0  # skipped: not declared by the connector, or the connector was never ready

    def add(self, outcome: Outcome) -> None:
        self.done += 1
        if outcome in FAILED_OUTCOMES:
            self.failed += 1
        elif outcome in NOT_RUN_OUTCOMES:
            self.not_run += 1
        else:
            self.passed += 1


def _separator(stream: TextIO) -> str:
    """`·` where the console can print it, `-` on a console whose encoding cannot."""
    try:
        " · ".encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return " - "
    return " · "


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """pytest plugin: counts the scenarios as they finish and shows it on `stream`."""

    def __init__(self, stream: TextIO, mode: Mode | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.mode = mode or (Mode.LIVE if _is_terminal(stream) else Mode.LINES)
        self.clock = clock
        self.started = clock()
        self.tally = Tally()
        self.last: ScenarioResult | None = None
        self._results = Results()
        self._sep = _separator(stream)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._drawn = False  # a live line is on the screen (it must end with a newline before anything else)

    # what is shown -------------------------------------------------------------------------------
    def counts(self) -> str:
        t = self.tally
        total = "?" if t.total is None else str(t.total)
        parts = [f"scenarios {t.done}/{total}", f"passed {t.passed}", f"failed {t.failed}"]
        if t.not_run:
            parts.append(f"not run {t.not_run}")
        parts.append(f"elapsed {self.clock() - self.started:.0f} s")
        return self._sep.join(parts)

    def scenario(self, result: ScenarioResult) -> str:
        return (f"{OUTCOME_MARKS[result.outcome]} {','.join(result.requirements)} [{result.medium}] "
                f"{result.feature}: {result.name}")

    def live_line(self, final: bool = False) -> str:
        """The counts and what is going on; the final line (left on the screen) holds the counts alone."""
        t = self.tally
        if final:
            tail = ""
        elif t.total is not None and t.done >= t.total:
            tail = "stopping the connector and the fakes, writing the report"
        elif self.last is not None:
            tail = self.scenario(self.last)
        else:
            tail = "starting the fakes and the connector"
        line = self.counts() + (self._sep + tail if tail else "")
        return line[:max(20, self._width() - 1)]  # a wrapped line could not be redrawn in place

    def _width(self) -> int:
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
        return columns or DEFAULT_WIDTH  # a terminal that does not say its size (a bare pty) answers 0

    # drawing -------------------------------------------------------------------------------------
    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the console went away (a closed pipe): the run goes on without it
            self._stop.set()

    def _redraw(self) -> None:
        with self._lock:
            if self.mode is Mode.LIVE and not self._stop.is_set():
                self._write("\r" + self.live_line() + CLEAR_TO_END)
                self._drawn = True

    def _finished(self, result: ScenarioResult) -> None:
        with self._lock:
            self.tally.add(result.outcome)
            self.last = result
            if self.mode is Mode.LINES:
                self._write(f"{self.counts()}{self._sep}{self.scenario(result)}\n")
                return
            if result.outcome in FAILED_OUTCOMES:  # a failure stays on the screen above the live line
                self._write("\r" + CLEAR_TO_END + self.scenario(result) + "\n")
            self._write("\r" + self.live_line() + CLEAR_TO_END)
            self._drawn = True

    def _tick(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            self._redraw()

    def start(self) -> None:
        if self.mode is Mode.LIVE and self._ticker is None:
            self._redraw()
            self._ticker = threading.Thread(target=self._tick, name="omni-harness-progress", daemon=True)
            self._ticker.start()

    def close(self) -> None:
        """Stops redrawing; the live line stays, finished with a newline, above what is printed next."""
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
        with self._lock:
            if self._drawn:
                self._write("\r" + self.live_line(final=True) + CLEAR_TO_END + "\n")
                self._drawn = False
            self._stop.set()

    # pytest hooks --------------------------------------------------------------------------------
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.start()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # In this process only without pytest-xdist: its controller collects nothing (the workers tell it).
        if session.items and self.tally.total is None:
            self.tally.total = len(session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        # Every worker collects the same selection (deselected scenarios are gone already).
        if self.tally.total is None:
            self.tally.total = len(ids)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = self._results.add(report)
        if result is not None:
            self._finished(result)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.close()
