"""`wait_for`: wait on the fakes' event feed (`/_fake/events` long-poll) for an event or a condition; never sleep.

A wait that times out explains itself, the way a `responses` matcher does: what was expected, what was seen
instead (each candidate event with the reason it did not match), and after how long.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..control import FakeControl
from ..waits import EventFeed, Observation, WaitTimeout, wait_until

DEFAULT_TIMEOUT = 10.0
# One long-poll is held at most this long, so the deadline is honoured closely.
POLL_SECONDS = 5.0
Event = dict[str, Any]
_MISSING = object()


def _field(data: Any, key: str) -> Any:
    """`record__Status` reads data["record"]["Status"]."""
    value = data
    for part in key.split("__"):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def match_event(event: Event, type_: str, source: str | None, fields: dict[str, Any]) -> tuple[bool, str]:
    """(matched, reason): the reason names the first thing that differs, as a test author would say it."""
    if event.get("type") != type_:
        return False, f"type is {event.get('type')!r}, not {type_!r}"
    if source and event.get("source") != source:
        return False, f"it comes from {event.get('source')}, not {source}"
    data = event.get("data") or {}
    for key, wanted in fields.items():
        value = _field(data, key)
        shown = key.replace("__", ".")
        if value is _MISSING:
            return False, f"it has no {shown}"
        if callable(wanted):
            if not wanted(value):
                return False, f"{shown} is {value!r}, which {getattr(wanted, '__name__', 'the check')} refuses"
        elif value != wanted:
            return False, f"{shown} is {value!r}, not {wanted!r}"
    return True, "matched"


def describe_event(type_: str, source: str | None, fields: dict[str, Any]) -> str:
    where = ", ".join(f"{k.replace('__', '.')}={v!r}" for k, v in fields.items() if not callable(v))
    checks = ", ".join(k.replace("__", ".") for k, v in fields.items() if callable(v))
    text = f"{source + ' ' if source else ''}event {type_}"
    if where:
        text += f" with {where}"
    if checks:
        text += f" ({checks} checked)"
    return text


def _brief(event: Event) -> str:
    data = event.get("data") or {}
    keys = [k for k, v in data.items() if isinstance(v, (str, int, bool)) and v is not None][:5]
    detail = ", ".join(f"{k}={data[k]!r}" for k in keys)
    return f"#{event['seq']} {event['source']} {event['type']}" + (f" ({detail})" if detail else "")


class EventWaiter:
    """`wait_for(...)`: waits on the event feed of both fakes.

    - `wait_for("console.tab", action="opened", userId=...)` waits for an event of that type (optionally
      "salesforce:console.tab" or `source=`) whose `data` has those values (`record__Status` reaches into
      `data["record"]["Status"]`; a value may be a callable that checks it); answers the event.
    - `wait_for(predicate, "the agent's chat alerting")` checks the predicate, waits for the next event, checks
      again. The predicate answers a value (truthy = done; the value is answered) or `(matched, reason)` /
      `(matched, reason, value)`; `reason` is what the failure message shows as "it is ...".

    Event waits look at events after the previous event a wait answered (the first wait of a test: since the
    fakes' reset), so a sequence of waits reads the feed in order; `since=seq` (e.g. `wait_for.mark()` taken
    before an action) or `since=0` says otherwise.
    """

    def __init__(self, control: FakeControl, default_timeout: float = DEFAULT_TIMEOUT, since: int = 0) -> None:
        self.control = control
        self.default_timeout = default_timeout
        self.cursor = since
        self.feed = EventFeed(control)

    def mark(self) -> int:
        """The feed's current position: pass it as `since=` to wait only for what an action causes."""
        return self.control.last_seq()

    def __call__(self, what: str | Callable[[], Any], describe: str | None = None, *, timeout: float | None = None,
                 since: int | None = None, source: str | None = None, **fields: Any) -> Any:
        timeout = self.default_timeout if timeout is None else timeout
        if callable(what):
            return self.until(what, describe or getattr(what, "__name__", "the condition"), timeout)
        type_ = what
        if ":" in type_ and source is None:
            source, type_ = type_.split(":", 1)
        return self.event(type_, source=source, timeout=timeout, since=since, describe=describe, **fields)

    def until(self, predicate: Callable[[], Any], describe: str, timeout: float | None = None) -> Any:
        def check() -> Observation:
            answer = predicate()
            if isinstance(answer, tuple) and len(answer) in (2, 3) and isinstance(answer[0], bool):
                obs = Observation.of(answer)
                return obs if len(answer) == 3 or not obs.ok else Observation(True, obs.seen, True)
            return Observation(bool(answer), repr(answer), answer)

        return wait_until(check, describe, self.default_timeout if timeout is None else timeout, feed=self.feed)

    def event(self, type_: str, *, source: str | None = None, timeout: float | None = None, since: int | None = None,
              describe: str | None = None, **fields: Any) -> Event:
        timeout = self.default_timeout if timeout is None else timeout
        start = self.cursor if since is None else since
        cursor = start
        seen: list[Event] = []
        started = time.monotonic()
        deadline = started + timeout
        while True:
            for event in self.control.journal(since=cursor, kind="event"):
                cursor = max(cursor, int(event["seq"]))
                seen.append(event)
                if match_event(event, type_, source, fields)[0]:
                    self.cursor = int(event["seq"])
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.control.events(after=cursor, wait=min(remaining, POLL_SECONDS), limit=1)
        raise self._timeout(describe or describe_event(type_, source, fields), type_, source, fields, seen, start,
                            time.monotonic() - started)

    @staticmethod
    def _timeout(describe: str, type_: str, source: str | None, fields: dict[str, Any], seen: list[Event],
                 start: int, waited: float) -> WaitTimeout:
        same = [e for e in seen if e.get("type") == type_]
        lines = [f"Timed out after {waited:.1f} s waiting for {describe}; "
                 f"{len(seen)} event(s) arrived after #{start}, "
                 + (f"{len(same)} of type {type_} and none matched:" if same else f"none of type {type_}.")]
        for event in same[-10:]:
            lines.append(f"  #{event['seq']} {event['source']} {event['type']}: "
                         f"{match_event(event, type_, source, fields)[1]}")
        others = [e for e in seen if e.get("type") != type_]
        if others:
            lines.append("Other events meanwhile: " + "; ".join(_brief(e) for e in others[-8:]) + ".")
        seen_text = f"{len(same)} non-matching {type_} event(s)" if same else f"no {type_} event"
        return WaitTimeout("\n".join(lines), describe, seen_text, waited)
