"""Scenario isolation: slots of agents and queue pairs, the web chat queue lock, the run-alone guard."""

from __future__ import annotations

import threading

import pytest

from omni_harness.harness.directory import Directory, Person, QueuePair
from omni_harness.harness.lease import AGENTS_PER_SLOT, QUEUES_PER_SLOT, FileLock, Guard, LeasePool, pool_size


def directory(slots: int) -> Directory:
    agents, queues = pool_size(slots)
    people = [Person(i, f"Agent {i}", f"agent{i}@example.com", f"g-{i}", f"005{i:015d}") for i in range(agents)]
    pairs = [QueuePair(i, f"Chat Queue {i}", f"gq-{i}", f"Chat_Queue_{i}", f"00G{i:015d}") for i in range(queues)]
    return Directory(people, pairs, "Web Chat Queue", "gq-web", {}, {})


def test_the_pool_is_cut_into_disjoint_slots(tmp_path):
    pool = LeasePool(directory(3), tmp_path)
    assert len(pool.slots) == 3
    agents = [p.email for slot in pool.slots for p in slot.agents]
    queues = [q.genesys_id for slot in pool.slots for q in slot.queue_pairs]
    assert len(agents) == len(set(agents)) == 3 * AGENTS_PER_SLOT
    assert len(queues) == len(set(queues)) == 3 * QUEUES_PER_SLOT


def test_two_leases_never_share_a_slot(tmp_path):
    pool = LeasePool(directory(2), tmp_path)
    first, second = pool.lease(), pool.lease()
    try:
        assert first.slot.index != second.slot.index
        assert not set(p.email for p in first.agents) & set(p.email for p in second.agents)
    finally:
        first.release()
        second.release()


def test_a_worker_prefers_its_own_slot(tmp_path):
    lease = LeasePool(directory(4), tmp_path, preferred=2).lease()
    assert lease.slot.index == 2
    lease.release()


def test_a_lease_waits_for_a_slot_to_come_free(tmp_path):
    pool = LeasePool(directory(1), tmp_path)
    held = pool.lease()
    got = []
    waiter = threading.Thread(target=lambda: got.append(pool.lease()))
    waiter.start()
    waiter.join(0.3)
    assert not got  # still waiting: the only slot is taken
    held.release()
    waiter.join(10)
    assert got and got[0].slot.index == 0
    got[0].release()


def test_the_web_chat_queue_is_leased_by_one_scenario_at_a_time(tmp_path):
    pool = LeasePool(directory(2), tmp_path)
    first = pool.lease(web_chat=True)
    assert first.web_chat
    lock = FileLock(tmp_path / "web-chat-queue.lock")
    assert not lock.acquire(blocking=False)
    first.release()
    assert lock.acquire(blocking=False)
    lock.release()


def test_a_pool_too_small_for_one_scenario_is_refused(tmp_path):
    small = directory(1)
    small.people = small.people[:1]
    with pytest.raises(RuntimeError, match="too small"):
        LeasePool(small, tmp_path)


def test_file_locks_exclude_each_other_even_in_one_process(tmp_path):
    a, b = FileLock(tmp_path / "x.lock"), FileLock(tmp_path / "x.lock")
    assert a.acquire(exclusive=True, blocking=False)
    assert not b.acquire(exclusive=False, blocking=False)
    a.release()
    assert b.acquire(exclusive=False, blocking=False)
    c = FileLock(tmp_path / "x.lock")
    assert c.acquire(exclusive=False, blocking=False)  # shared with shared
    b.release()
    c.release()


def test_a_run_alone_scenario_waits_for_the_running_ones_and_holds_back_new_ones(tmp_path):
    guard = Guard(tmp_path)
    order: list[str] = []
    reader_in = threading.Event()
    release_reader = threading.Event()
    writer_waiting = threading.Event()

    def reader(name: str, hold: threading.Event | None) -> None:
        with guard.hold(exclusive=False):
            order.append(f"{name} in")
            reader_in.set()
            if hold is not None:
                hold.wait(10)
            order.append(f"{name} out")

    def writer() -> None:
        writer_waiting.set()
        with guard.hold(exclusive=True):
            order.append("writer in")
            order.append("writer out")

    first = threading.Thread(target=reader, args=("first", release_reader))
    first.start()
    assert reader_in.wait(5)
    w = threading.Thread(target=writer)
    w.start()
    assert writer_waiting.wait(5)
    w.join(0.3)  # the writer holds the gate and waits for the running reader
    late = threading.Thread(target=reader, args=("late", None))
    late.start()
    late.join(0.3)
    assert "late in" not in order  # a new scenario does not start while the writer waits
    release_reader.set()
    for t in (first, w, late):
        t.join(10)
    assert order.index("first out") < order.index("writer in") < order.index("writer out") < order.index("late in")
