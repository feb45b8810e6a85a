"""Waits that ride the fakes' event feed: check, long-poll for the next change, check again; never sleep.

A check reads state through the platforms' APIs and answers `(ok, what_is_seen)` (or `(ok, seen, value)`).
Between checks the wait long-polls `/_fake/events?after=<seq>&wait=<s>`, so it wakes on the first state
change anywhere in the world and on nothing else. On time-out the message says what was expected, what
is seen now and since when, and carries the scenario's journal slice.
"""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn, Protocol

import requests

from .http import ApiError

DEFAULT_TIMEOUT = 10.0
# One long-poll is held at most this long, so a lost connection costs little.
MAX_POLL_SECONDS = 10.0
RELEVANCE_BATCH = 200


Relevance = Callable[[dict[str, Any]], bool]


class Feed(Protocol):
    def last_seq(self) -> int: ...

    def wait_after(self, seq: int, timeout: float, relevant: Relevance | None = None) -> int: ...


class EventFeed:
    """The world's journal, read through one fake's control API (`/_fake/events`)."""

    def __init__(self, control: Any) -> None:
        self.control = control

    def last_seq(self) -> int:
        return self.control.last_seq()

    def wait_after(self, seq: int, timeout: float, relevant: Relevance | None = None) -> int:
        """Block until an event newer than `seq` exists (or `timeout`); answers the sequence to wait after next.

        Without `relevant`, `limit=1` keeps the answer small: the wait only needs to know that something
        changed, and the next check reads the state itself. With it, events that concern other scenarios
        are skipped, so a check runs again only when something it could be about has changed.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = max(0.0, deadline - time.monotonic())
            if relevant is None:
                answer = self.control.events(after=seq, wait=remaining, limit=1)
                return max(seq, int(answer.get("journalSeq", answer.get("lastSeq", seq))))
            answer = self.control.events(after=seq, wait=remaining, limit=RELEVANCE_BATCH)
            events = answer.get("events") or []
            if not events:
                return seq
            seq = max(seq, int(answer.get("lastSeq", seq)))
            if any(relevant(e) for e in events) or time.monotonic() >= deadline:
                return seq


class Scope(Protocol):
    """What a wait needs from the running scenario."""

    feed: Feed
    default_timeout: float

    def evidence(self) -> str: ...

    def relevant(self, entry: dict[str, Any]) -> bool: ...


_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("omni_harness_wait_scope", default=None)


def set_scope(scope: Scope | None) -> contextvars.Token:
    return _scope.set(scope)


def reset_scope(token: contextvars.Token) -> None:
    _scope.reset(token)


def current_scope() -> Scope | None:
    return _scope.get()


@dataclass
class Observation:
    ok: bool
    seen: str
    value: Any = None

    @classmethod
    def of(cls, result: Any) -> Observation:
        if isinstance(result, Observation):
            return result
        if isinstance(result, tuple):
            if len(result) == 2:
                return cls(bool(result[0]), str(result[1]))
            if len(result) == 3:
                return cls(bool(result[0]), str(result[1]), result[2])
        raise TypeError(f"a check answers (ok, seen) or (ok, seen, value), not {result!r}")


class WaitTimeout(AssertionError):
    """The expected state did not come in time; the message explains itself."""

    def __init__(self, message: str, describe: str, seen: str, waited: float) -> None:
        super().__init__(message)
        self.describe = describe
        self.seen = seen
        self.waited = waited


class CheckFailed(AssertionError):
    """A check that had to hold at once did not; the message explains itself."""

    def __init__(self, message: str, describe: str, seen: str) -> None:
        super().__init__(message)
        self.describe = describe
        self.seen = seen


_TIMED_OUT = re.compile(r"^Timed out after [^ ]+ s waiting for (?P<describe>.+?); it is (?P<seen>.+?)"
                        r"(?: \(since [^)]*\))?\.?$")
_EXPECTED = re.compile(r"^Expected (?P<describe>.+?); it is (?P<seen>.+?)\.?$")


def expectation_of(exc: BaseException) -> tuple[str, str]:
    """(what was expected, what was seen) of a failed step, for the reports; empty when it does not say."""
    describe, seen = getattr(exc, "describe", None), getattr(exc, "seen", None)
    if isinstance(describe, str) and isinstance(seen, str):
        return describe, seen
    first = (str(exc).strip().splitlines() or [""])[0]
    for pattern in (_TIMED_OUT, _EXPECTED):
        match = pattern.match(first)
        if match:
            return match["describe"], match["seen"]
    return "", first or type(exc).__name__


@dataclass
class _History:
    """Distinct observations in order, each with when it was first seen."""

    items: list[tuple[str, float, float]] = field(default_factory=list)  # (seen, monotonic, wall)

    def note(self, seen: str) -> None:
        if not self.items or self.items[-1][0] != seen:
            self.items.append((seen, time.monotonic(), time.time()))

    @property
    def current(self) -> tuple[str, float, float]:
        return self.items[-1]


def _fmt_seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 or abs(value - round(value)) < 0.05 else f"{value:.1f} s"


def _clock(wall: float) -> str:
    return datetime.fromtimestamp(wall).strftime("%H:%M:%S.%f")[:-3]


def _observe(check: Callable[[], Any]) -> Observation:
    try:
        return Observation.of(check())
    except ApiError as exc:
        return Observation(False, f"the platform answered {exc.status} to {exc.method} {exc.url}: {exc.body}")
    except requests.RequestException as exc:
        return Observation(False, f"no answer from the platform ({type(exc).__name__}: {exc})")


def wait_until(check: Callable[[], Any], describe: str, timeout: float | None = None, *,
               feed: Feed | None = None, scope: Scope | None = None) -> Any:
    """Check until `check` says ok; between checks wait for the next event of the world. Answers the value.

    `describe` completes "waiting for ...", e.g. "AgentWork of agent Alice Smith to be Opened".
    """
    scope = scope or current_scope()
    if feed is None:
        if scope is None:
            raise RuntimeError("wait_until needs a feed (or a running scenario)")
        feed = scope.feed
    if timeout is None:
        timeout = scope.default_timeout if scope is not None else DEFAULT_TIMEOUT
    started = time.monotonic()
    deadline = started + timeout
    history = _History()
    # The cursor is taken before the first check, so a change made while checking still wakes the wait.
    cursor = feed.last_seq()
    unreached = getattr(scope, "unreached", None)
    known = unreached(describe) if unreached is not None else None
    while True:
        obs = _observe(check)
        if obs.ok:
            return obs.value
        history.note(obs.seen)
        if known is not None:
            # A Given this run already failed to reach for the same thing: the state was checked once more and
            # does not hold, so waiting out the time-out again would only repeat the first failure.
            raise WaitTimeout(_unreached_message(describe, known, obs.seen, scope), describe, obs.seen,
                              time.monotonic() - started)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            relevant = getattr(scope, "relevant", None) if scope is not None else None
            cursor = feed.wait_after(cursor, min(remaining, MAX_POLL_SECONDS), relevant)
        except requests.RequestException:
            # The feed itself stalled: check once more, then let the deadline decide.
            cursor = feed.last_seq()
    error = WaitTimeout(_timeout_message(describe, timeout, history, scope), describe, history.current[0],
                        time.monotonic() - started)
    timed_out = getattr(scope, "timed_out", None)
    if timed_out is not None:
        timed_out(describe, history.current[0])
    raise error


def _unreached_message(describe: str, known: Any, seen: str, scope: Scope | None) -> str:
    lines = [f"Not reached: waiting for {describe} already timed out in this run (in {known.scenario}, where it "
             f"was {known.seen}); checked once more, it is {seen}, so this scenario stops here instead of waiting "
             "out the same time-out."]
    if scope is not None:
        evidence = scope.evidence()
        if evidence:
            lines += ["", evidence]
    return "\n".join(lines)


def _timeout_message(describe: str, timeout: float, history: _History, scope: Scope | None) -> str:
    seen, since_mono, since_wall = history.current
    lasted = time.monotonic() - since_mono
    lines = [f"Timed out after {_fmt_seconds(timeout)} waiting for {describe}; it is {seen} "
             f"(since {_clock(since_wall)}, {_fmt_seconds(lasted)})."]
    if len(history.items) > 1:
        steps = [f"{s} (at {_clock(w)})" for s, _, w in history.items[-6:]]
        lines.append("Seen meanwhile: " + " -> ".join(steps) + ".")
    if scope is not None:
        evidence = scope.evidence()
        if evidence:
            lines.append("")
            lines.append(evidence)
    return "\n".join(lines)


def expected(describe: str, requirement: str | None = None) -> str:
    """What a step expects, naming the requirement it checks: "AgentWork of Alice to be Opened (PICK-2)"."""
    return f"{describe} ({requirement})" if requirement else describe


def fail(describe: str, seen: str, *, requirement: str | None = None, scope: Scope | None = None) -> NoReturn:
    """Fails a step with the standard message: what was expected (and for which requirement), what is seen, and the
    scenario's journal."""
    scope = scope or current_scope()
    describe = expected(describe, requirement)
    lines = [f"Expected {describe}; it is {seen}."]
    if scope is not None:
        evidence = scope.evidence()
        if evidence:
            lines += ["", evidence]
    raise CheckFailed("\n".join(lines), describe, seen)


def expect(ok: bool, describe: str, seen: str, *, requirement: str | None = None, scope: Scope | None = None) -> None:
    """A hand-written assertion with the standard message (see `fail`)."""
    if not ok:
        fail(describe, seen, requirement=requirement, scope=scope)


def check_now(check: Callable[[], Any], describe: str, *, scope: Scope | None = None) -> Any:
    """One check that must hold now (after a barrier): fails with the same kind of message as a wait."""
    obs = _observe(check)
    if obs.ok:
        return obs.value
    fail(describe, obs.seen, scope=scope)
