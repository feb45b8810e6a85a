"""The virtual clock: real time by default, frozen and advanced on demand, timers fire in due order."""

import threading

import pytest

from omni_harness.fakes.core import VirtualClock


@pytest.fixture
def clock():
    c = VirtualClock()
    yield c
    c.close()


def test_follows_real_time_by_default(clock):
    import time

    assert abs(clock.time() - time.time()) < 1.0
    assert not clock.frozen


def test_frozen_clock_does_not_move_and_advance_moves_it_exactly(clock):
    clock.freeze()
    t0 = clock.time()
    assert clock.time() == t0
    clock.advance(12.5)
    assert clock.time() == pytest.approx(t0 + 12.5)


def test_advance_fires_due_timers_in_order_before_returning(clock):
    clock.freeze()
    fired = []
    clock.call_later(30, lambda: fired.append("b"))
    clock.call_later(10, lambda: fired.append("a"))
    clock.call_later(90, lambda: fired.append("c"))
    state = clock.advance(29)
    assert fired == ["a"] and state["firedTimers"] == 1
    clock.advance(1)
    assert fired == ["a", "b"]
    assert clock.state()["pendingTimers"] == 1


def test_cancelled_timer_never_fires(clock):
    clock.freeze()
    fired = []
    timer = clock.call_later(5, lambda: fired.append(1))
    timer.cancel()
    clock.advance(10)
    assert fired == []


def test_timer_fires_in_real_time_when_not_frozen(clock):
    done = threading.Event()
    clock.call_later(0.05, done.set)
    assert done.wait(5), "a real-time timer did not fire"


def test_advance_while_running_fires_timers_early(clock):
    done = threading.Event()
    clock.call_later(3600, done.set)
    clock.advance(3600)
    assert done.is_set()


def test_unfreeze_continues_from_frozen_instant(clock):
    clock.freeze()
    clock.advance(100)
    frozen_at = clock.time()
    clock.unfreeze()
    assert clock.time() >= frozen_at
    assert clock.time() - frozen_at < 1.0


def test_negative_advance_is_refused(clock):
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_reset_drops_timers_and_returns_to_real_time(clock):
    import time

    clock.freeze()
    clock.advance(1000)
    fired = []
    clock.call_later(1, lambda: fired.append(1))
    clock.reset()
    assert not clock.frozen
    assert abs(clock.time() - time.time()) < 1.0
    clock.advance(5)
    assert fired == []


def test_broken_timer_does_not_stop_later_ones(clock):
    clock.freeze()
    fired = []

    def boom():
        raise RuntimeError("boom")

    clock.call_later(1, boom)
    clock.call_later(2, lambda: fired.append(2))
    clock.advance(3)
    assert fired == [2]


def test_iso_has_milliseconds_and_z(clock):
    assert clock.iso(0) == "1970-01-01T00:00:00.000Z"
