"""Waits ride the event feed: they wake on the next change, never sleep, and explain themselves on time-out."""

from __future__ import annotations

import threading
import time

import pytest

from omni_harness.fakes.core import Journal, VirtualClock
from omni_harness.harness.http import ApiError
from omni_harness.harness.waits import EventFeed, Observation, WaitTimeout, check_now, wait_until


class JournalControl:
    """The control API's `/_fake/events` and `health`, answered straight from a Journal (no HTTP)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.polls: list[tuple[int, float, int | None]] = []
        self.on_first_poll = None

    def last_seq(self) -> int:
        return self.journal.last_seq

    def events(self, after: int, wait: float = 0.0, limit: int | None = None, **_) -> dict:
        self.polls.append((after, wait, limit))
        if self.on_first_poll is not None:
            action, self.on_first_poll = self.on_first_poll, None
            threading.Thread(target=action).start()  # another actor changes the world meanwhile
        entries = self.journal.wait(after, wait, limit=limit)
        return {"events": [e.to_json() for e in entries], "lastSeq": entries[-1].seq if entries else after,
                "journalSeq": self.journal.last_seq}


@pytest.fixture
def journal():
    clock = VirtualClock()
    yield Journal(clock)
    clock.close()


@pytest.fixture
def control(journal):
    return JournalControl(journal)


class Scope:
    def __init__(self, feed, evidence="Journal of this scenario (1 entries):\n  #1 something", relevant=None):
        self.feed = feed
        self.default_timeout = 0.3
        self._evidence = evidence
        self._relevant = relevant

    def evidence(self) -> str:
        return self._evidence

    def relevant(self, entry) -> bool:
        return self._relevant(entry) if self._relevant else True


def test_returns_the_value_as_soon_as_the_check_holds(control):
    assert wait_until(lambda: (True, "ok", 42), "the answer", 1.0, feed=EventFeed(control)) == 42
    assert control.polls == []  # held at once: no long-poll at all


def test_a_change_elsewhere_wakes_the_wait_long_before_its_timeout(journal, control):
    state = {"status": "Assigned"}

    def change():
        state["status"] = "Opened"
        journal.event("salesforce", "sobject.change", {"Status": "Opened"})

    control.on_first_poll = change
    started = time.monotonic()
    value = wait_until(lambda: (state["status"] == "Opened", f"it is {state['status']}", state["status"]),
                       "AgentWork of agent X to be Opened", 10.0, feed=EventFeed(control))
    assert value == "Opened"
    assert time.monotonic() - started < 5.0
    assert control.polls and all(wait > 0 for _, wait, _ in control.polls)  # it long-polled, it did not sleep


def test_the_timeout_message_says_what_was_expected_what_is_seen_and_since_when(control):
    feed = EventFeed(control)
    with pytest.raises(WaitTimeout) as failure:
        wait_until(lambda: (False, "Assigned"), "AgentWork of agent X to be Opened", 0.2, feed=feed,
                   scope=Scope(feed))
    message = str(failure.value)
    assert message.startswith("Timed out after 0.2 s waiting for AgentWork of agent X to be Opened; it is Assigned")
    assert "(since " in message
    assert "Journal of this scenario" in message and "#1 something" in message
    assert failure.value.seen == "Assigned"


def test_the_message_lists_what_was_seen_meanwhile(journal, control):
    seen = iter(["none", "Assigned", "Declined"])
    current = {"value": "none"}

    def check():
        current["value"] = next(seen, current["value"])
        journal.event("salesforce", "tick", {})  # each look is followed by a change, so the wait re-checks
        return False, current["value"]

    with pytest.raises(WaitTimeout) as failure:
        wait_until(check, "it to be Opened", 0.5, feed=EventFeed(control))
    assert "Seen meanwhile: none (at" in str(failure.value)
    assert "Declined" in str(failure.value)


def test_a_platform_error_in_a_check_is_what_is_seen_not_a_crash(control):
    def check():
        raise ApiError("GET", "https://x/api/v2/conversations/chats/1", 404, {"code": "not.found"})

    with pytest.raises(WaitTimeout) as failure:
        wait_until(check, "the conversation", 0.1, feed=EventFeed(control))
    assert "the platform answered 404" in str(failure.value)


def test_events_of_other_scenarios_do_not_wake_the_check(journal, control):
    checks = []

    def noise():
        for i in range(20):
            journal.event("genesys", "user.presence", {"userId": "someone-else", "n": i})
        journal.event("genesys", "user.presence", {"userId": "mine"})

    feed = EventFeed(control)
    scope = Scope(feed, relevant=lambda e: "mine" in str(e.get("data")))
    control.on_first_poll = noise

    def check():
        checks.append(1)
        return len(checks) > 1, "not yet"

    wait_until(check, "my presence", 5.0, feed=feed, scope=scope)
    assert len(checks) == 2  # woken once, by the one relevant event


def test_the_wait_uses_the_scenario_default_timeout(control):
    feed = EventFeed(control)
    scope = Scope(feed)
    started = time.monotonic()
    with pytest.raises(WaitTimeout):
        wait_until(lambda: (False, "no"), "something", feed=feed, scope=scope)
    assert 0.25 < time.monotonic() - started < 3.0


def test_check_now_fails_with_what_is_seen():
    with pytest.raises(AssertionError, match="Expected the leg to stay connected; it is disconnected"):
        check_now(lambda: (False, "disconnected"), "the leg to stay connected")
    assert check_now(lambda: (True, "ok", 7), "x") == 7


def test_an_observation_needs_a_verdict_and_what_is_seen():
    assert Observation.of((True, "ok")).ok
    with pytest.raises(TypeError):
        Observation.of(True)
