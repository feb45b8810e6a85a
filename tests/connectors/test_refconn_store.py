"""Reference connector: the books on disk, the replay ledger, and the keyed dispatcher."""

from __future__ import annotations

import json
import threading

from omni_harness.connectors.reference.dispatch import KeyedExecutor
from omni_harness.connectors.reference.events import LegState
from omni_harness.connectors.reference.store import (
    WORK_ITEM_DIR,
    AgentWorkRecord,
    AgentWorkStatus,
    Books,
    LegRecord,
    ReplayLedger,
    TransferRecord,
    WorkOrigin,
)


def test_books_round_trip_through_disk(tmp_path):
    books = Books(tmp_path)
    rec = books.ensure("570000000000001AAA")
    with books.edit(rec):
        rec.conversation_id = "conv-1"
        rec.psr_id = "0JR000000000001AAA"
        rec.routed_psrs.append(rec.psr_id)
        rec.legs["p1"] = LegRecord("p1", "conv-1", "g-alice", LegState.CONNECTED, agent_work_id="0Bz1")
        rec.agent_works["0Bz1"] = AgentWorkRecord("0Bz1", "005A", WorkOrigin.PICKUP, AgentWorkStatus.OPENED, "p1",
                                                 accepted=True)
        rec.transfer = TransferRecord("0Bz2", "005B", "g-bob", "p1")
    with books.edit():
        books.presence["g-alice"] = "ON_QUEUE"
        books.presence_at["g-alice"] = 12.5
    again = Books(tmp_path)
    rec = again.get("570000000000001AAA")
    assert rec.legs["p1"].state is LegState.CONNECTED and rec.agent_works["0Bz1"].status is AgentWorkStatus.OPENED
    assert rec.transfer.receiver_genesys_user_id == "g-bob"
    assert again.presence == {"g-alice": "ON_QUEUE"} and again.presence_at == {"g-alice": 12.5}
    assert again.work_item_for_conversation("conv-1") == rec.work_item_id
    assert again.work_item_for_psr("0JR000000000001AAA") == rec.work_item_id
    assert again.work_item_for_work("0Bz1") == rec.work_item_id


def test_a_change_rewrites_only_its_work_item_file(tmp_path):
    books = Books(tmp_path)
    for i in range(5):
        rec = books.ensure(f"w{i}")
        with books.edit(rec):
            rec.conversation_id = f"c{i}"
    folder = tmp_path / WORK_ITEM_DIR
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    rec = books.get("w3")
    with books.edit(rec):
        rec.conversation_ended = True
    after = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert sorted(after) == [f"w{i}.json" for i in range(5)]  # no temporary file left behind
    assert [name for name in after if after[name] != before[name]] == ["w3.json"]
    assert json.loads((folder / "w3.json").read_text())["conversation_ended"] is True


def test_unreadable_work_item_file_is_ignored(tmp_path):
    (tmp_path / WORK_ITEM_DIR).mkdir()
    (tmp_path / WORK_ITEM_DIR / "broken.json").write_text("{not json")
    assert Books(tmp_path).work_items == {}


def test_finished_work_items_are_pruned_oldest_first(tmp_path, monkeypatch):
    monkeypatch.setattr("omni_harness.connectors.reference.store.KEEP_FINISHED", 2)
    books = Books(tmp_path)
    for i in range(4):
        rec = books.ensure(f"w{i}")
        with books.edit(rec):
            rec.finished = True
    live = books.ensure("live")
    with books.edit(live):
        pass
    assert sorted(books.work_items) == ["live", "w2", "w3"]
    assert sorted(p.name for p in (tmp_path / WORK_ITEM_DIR).iterdir()) == ["live.json", "w2.json", "w3.json"]


def test_replay_mark_waits_for_every_earlier_event(tmp_path):
    ledger = ReplayLedger(tmp_path)
    for replay_id in (10, 11, 12):
        ledger.received("/data/ChangeEvents", replay_id)
    ledger.processed("/data/ChangeEvents", 12)
    assert ledger.resume_id("/data/ChangeEvents") is None  # 10 and 11 still in flight
    ledger.processed("/data/ChangeEvents", 10)
    assert ledger.resume_id("/data/ChangeEvents") == 10
    ledger.processed("/data/ChangeEvents", 11)
    assert ledger.resume_id("/data/ChangeEvents") == 12
    assert ReplayLedger(tmp_path).resume_id("/data/ChangeEvents") == 12  # survives a restart


def test_dispatcher_keeps_order_per_key_and_runs_keys_in_parallel():
    executor = KeyedExecutor(workers=4)
    seen: dict[str, list[int]] = {"a": [], "b": []}
    gate = threading.Event()
    executor.submit("a", gate.wait)  # "a" is blocked ...
    for i in range(20):
        executor.submit("a", lambda i=i: seen["a"].append(i))
    done = threading.Event()
    executor.submit("b", lambda: (seen["b"].append(1), done.set()))
    assert done.wait(5)  # ... while "b" (another worker) runs
    gate.set()
    assert executor.wait_idle(5)
    assert seen["a"] == list(range(20))
    executor.stop()


def test_dispatcher_survives_a_failing_task_and_reports_done():
    executor = KeyedExecutor(workers=1)
    finished = []
    executor.submit("k", lambda: 1 / 0, done=lambda: finished.append("first"))
    executor.submit("k", lambda: None, done=lambda: finished.append("second"))
    assert executor.wait_idle(5)
    assert finished == ["first", "second"]
    executor.stop()
