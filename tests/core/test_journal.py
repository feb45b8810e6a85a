"""The journal: monotonic sequence, long-poll waits, listeners in order, exactly once."""

import threading

from fakes.core import Journal, VirtualClock


def make():
    return Journal(VirtualClock())


def test_sequence_is_monotonic_and_entries_are_filtered():
    j = make()
    e1 = j.event("genesys", "user.presence", {"userId": "u1"}, "c1")
    r1 = j.request("genesys", {"method": "GET", "path": "/x", "status": 200})
    e2 = j.event("salesforce", "sobject.change", {"entity": "AgentWork"})
    assert (e1.seq, r1.seq, e2.seq) == (1, 2, 3)
    assert [e.seq for e in j.since(0, kinds=["event"])] == [1, 3]
    assert [e.seq for e in j.since(1)] == [2, 3]
    assert [e.seq for e in j.since(0, source="salesforce")] == [3]
    assert j.since(0, limit=1)[0].seq == 1
    assert e1.to_json()["correlationId"] == "c1"


def test_wait_returns_at_once_when_something_is_there():
    j = make()
    j.event("genesys", "t", {})
    assert [e.seq for e in j.wait(0, timeout=5)] == [1]


def test_wait_wakes_when_an_event_is_appended():
    j = make()
    got = []
    started = threading.Event()

    def waiter():
        started.set()
        got.extend(j.wait(0, timeout=10))

    t = threading.Thread(target=waiter)
    t.start()
    started.wait()
    j.event("genesys", "t", {})
    t.join(10)
    assert [e.type for e in got] == ["t"]


def test_wait_times_out_empty():
    j = make()
    assert j.wait(0, timeout=0.01) == []


def test_wait_ignores_requests_by_default():
    j = make()
    j.request("genesys", {"method": "GET"})
    assert j.wait(0, timeout=0.01) == []


def test_listeners_see_every_entry_once_in_order_across_threads():
    j = make()
    seen = []
    j.add_listener(lambda e: seen.append(e.seq))
    threads = [threading.Thread(target=lambda: [j.event("g", "t", {}) for _ in range(200)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == list(range(1, 801))


def test_failing_listener_does_not_break_appends():
    j = make()
    j.add_listener(lambda e: 1 / 0)
    assert j.event("g", "t", {}).seq == 1


def test_clear_keeps_sequence_increasing():
    j = make()
    j.event("g", "a", {})
    j.clear()
    assert j.since(0) == []
    assert j.event("g", "b", {}).seq == 2


def test_bounded_size_drops_oldest():
    j = Journal(VirtualClock(), max_entries=10)
    for _ in range(25):
        j.event("g", "t", {})
    entries = j.since(0)
    assert len(entries) == 10 and entries[0].seq == 16
    assert [e.seq for e in j.since(20)] == [21, 22, 23, 24, 25]
