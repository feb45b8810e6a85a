"""Scenario results and per-requirement verdicts, folded from pytest's setup/call/teardown reports."""

from __future__ import annotations

from types import SimpleNamespace

from omni_harness.harness.journal import describe_entry, slice_entries, timeline
from omni_harness.harness.results import Outcome, Results, Verdict


def report(nodeid: str, when: str, outcome: str = "passed", requirements: str = "PICK-1", message: str = ""):
    crash = SimpleNamespace(message=message) if message else None
    return SimpleNamespace(nodeid=nodeid, when=when, outcome=outcome, passed=outcome == "passed",
                           failed=outcome == "failed", skipped=outcome == "skipped", duration=0.5,
                           longrepr=SimpleNamespace(reprcrash=crash) if crash else None,
                           user_properties=[("requirements", requirements), ("scenario", nodeid),
                                            ("feature", "Pick up"), ("profile", "core")])


def feed(results: Results, nodeid: str, call: str = "passed", setup: str = "passed", teardown: str = "passed",
         requirements: str = "PICK-1", message: str = "") -> None:
    results.add(report(nodeid, "setup", setup, requirements, message if setup == "failed" else ""))
    if setup == "passed":
        results.add(report(nodeid, "call", call, requirements, message if call == "failed" else ""))
    results.add(report(nodeid, "teardown", teardown, requirements, message if teardown == "failed" else ""))


def test_a_requirement_passes_only_when_all_its_scenarios_pass():
    results = Results()
    feed(results, "a", requirements="WRAP-2")
    feed(results, "b", "failed", requirements="WRAP-2", message="Timed out after 5 s waiting for ...")
    feed(results, "c", requirements="PICK-1,PICK-2")
    verdicts = results.verdicts()
    assert verdicts["WRAP-2 [chat]"].verdict is Verdict.FAILED
    assert verdicts["PICK-1 [chat]"].verdict is verdicts["PICK-2 [chat]"].verdict is Verdict.PASSED
    assert list(verdicts) == ["PICK-1 [chat]", "PICK-2 [chat]", "WRAP-2 [chat]"]  # catalogue order
    assert results.scenarios["b"].message.startswith("Timed out after 5 s")
    assert not results.passed


def test_a_failed_setup_or_cleanup_is_an_error_and_fails_the_requirement():
    results = Results()
    feed(results, "a", setup="failed", message="connector not ready")
    feed(results, "b", requirements="END-1", teardown="failed", message="clean-up broke")
    assert results.scenarios["a"].outcome is Outcome.ERROR
    assert results.scenarios["b"].outcome is Outcome.ERROR
    assert results.verdicts()["END-1 [chat]"].verdict is Verdict.FAILED


def test_reports_of_other_tests_are_ignored():
    results = Results()
    other = SimpleNamespace(nodeid="x", when="call", user_properties=[])
    assert results.add(other) is None
    assert results.verdicts() == {}
    assert not results.passed


def test_a_journal_slice_keeps_what_names_the_scenario_and_reads_as_a_timeline():
    entries = [
        {"seq": 1, "time": "2026-01-01T10:00:00.000Z", "kind": "event", "source": "salesforce",
         "type": "sobject.change", "correlationId": "",
         "data": {"entity": "AgentWork", "changeType": "UPDATE", "recordId": "0Bz1",
                  "record": {"Status": "Opened", "UserId": "005A"}, "changedFields": ["Status"]}},
        {"seq": 2, "time": "2026-01-01T10:00:00.100Z", "kind": "event", "source": "genesys",
         "type": "user.presence", "correlationId": "", "data": {"userId": "someone-else"}},
        {"seq": 3, "time": "2026-01-01T10:00:00.200Z", "kind": "request", "source": "genesys", "type": "http",
         "correlationId": "c-1", "data": {"method": "PATCH", "path": "/api/v2/x", "status": 403, "actor": "user:u",
                                          "responseBody": {"code": "not.allowed"}}},
    ]
    mine = slice_entries(entries, ["005A", "c-1"])
    assert [e["seq"] for e in mine] == [1, 3]
    text = timeline(mine, {"c-1"})
    assert "AgentWork UPDATE 0Bz1 Status=Opened" in text
    assert "PATCH /api/v2/x -> 403 [harness]" in text and "not.allowed" in text
    assert describe_entry(entries[1]).startswith("#2 10:00:00.100 genesys")
