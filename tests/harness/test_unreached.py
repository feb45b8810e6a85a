"""A Given the connector already failed to reach in this run fails the next time at once, after one more check."""

from __future__ import annotations

import time

import pytest
from test_waits import JournalControl

from omni_harness.fakes.core import Journal, VirtualClock
from omni_harness.harness.unreached import UnreachedGivens
from omni_harness.harness.waits import EventFeed, WaitTimeout, wait_until


class GivenScope:
    """A scenario's wait scope, as far as the waits need it, inside a Given step on chat."""

    def __init__(self, feed: EventFeed, registry: UnreachedGivens, step_kind: str = "given") -> None:
        self.feed = feed
        self.default_timeout = 0.6
        self.registry = registry
        self.step_kind = step_kind

    def evidence(self) -> str:
        return ""

    def relevant(self, entry) -> bool:
        return True

    def unreached(self, describe: str):
        return self.registry.find("chat", describe) if self.step_kind == "given" else None

    def timed_out(self, describe: str, seen: str) -> None:
        if self.step_kind == "given":
            self.registry.record("chat", describe, "first scenario [chat]", seen)


@pytest.fixture
def feed():
    clock = VirtualClock()
    yield EventFeed(JournalControl(Journal(clock)))
    clock.close()


def test_the_same_wait_in_a_later_given_fails_at_once_naming_the_first(tmp_path, feed):
    registry = UnreachedGivens(tmp_path)
    first = GivenScope(feed, registry)
    with pytest.raises(WaitTimeout):
        wait_until(lambda: (False, "logged out"), "Omni-Channel status of Alice (Ann Lee) to be Online", scope=first)
    later = GivenScope(feed, registry)
    started = time.monotonic()
    with pytest.raises(WaitTimeout) as err:
        wait_until(lambda: (False, "logged out"), "Omni-Channel status of Alice (Bo Kim) to be Online", scope=later)
    assert time.monotonic() - started < 0.3  # not another full time-out
    assert "Not reached" in str(err.value) and "first scenario [chat]" in str(err.value)


def test_a_state_that_holds_now_passes_whatever_failed_before(tmp_path, feed):
    registry = UnreachedGivens(tmp_path)
    registry.record("chat", "Omni-Channel status of Alice to be Online", "earlier [chat]", "logged out")
    assert wait_until(lambda: (True, "Online", "ok"), "Omni-Channel status of Alice to be Online",
                      scope=GivenScope(feed, registry)) == "ok"


def test_only_givens_on_the_same_medium_are_shortened(tmp_path, feed):
    registry = UnreachedGivens(tmp_path)
    registry.record("messaging", "AgentWork of Alice to be Opened", "earlier [messaging]", "none")
    registry.record("chat", "AgentWork of Alice to be Opened", "earlier [chat]", "none")
    for scope in (GivenScope(feed, UnreachedGivens(tmp_path / "other")), GivenScope(feed, registry, "then")):
        started = time.monotonic()
        with pytest.raises(WaitTimeout) as err:
            wait_until(lambda: (False, "none"), "AgentWork of Alice to be Opened", scope=scope)
        assert time.monotonic() - started >= 0.5 and "Not reached" not in str(err.value)
    assert registry.find("chat", "AgentWork of Alice to be Opened").scenario == "earlier [chat]"
    assert registry.find("messaging", "AgentWork of Bob to be Opened") is None
