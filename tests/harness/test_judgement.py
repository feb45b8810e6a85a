"""The run's verdict from the requirements' verdicts, and failures grouped by root cause."""

from __future__ import annotations

import io

from omni_harness.harness.certify import Certification, print_verdict
from omni_harness.harness.results import (
    RequirementVerdict,
    Results,
    RunVerdict,
    ScenarioResult,
    Verdict,
    complete,
    judge,
)
from omni_harness.harness.rootcause import group, normalize

REQUIRED = ["PRES-1", "PICK-2", "END-1"]


def verdicts(**by_id: Verdict) -> dict[str, RequirementVerdict]:
    return {rid.replace("_", "-"): RequirementVerdict(rid.replace("_", "-"), v, ["s"]) for rid, v in by_id.items()}


def test_certified_only_when_everything_required_ran_and_passed():
    everything = verdicts(PRES_1=Verdict.PASSED, PICK_2=Verdict.PASSED, END_1=Verdict.PASSED)
    assert judge(everything, REQUIRED).verdict is RunVerdict.CERTIFIED
    narrowed = judge(verdicts(PRES_1=Verdict.PASSED), REQUIRED)
    assert narrowed.verdict is RunVerdict.PASSED_FOR_THE_SELECTION and narrowed.not_run == ["PICK-2", "END-1"]
    failed = judge(verdicts(PRES_1=Verdict.PASSED, PICK_2=Verdict.FAILED), REQUIRED)
    assert failed.verdict is RunVerdict.NOT_CERTIFIED and failed.not_run == ["END-1"]
    skipped = verdicts(PRES_1=Verdict.PASSED, PICK_2=Verdict.PASSED, END_1=Verdict.NOT_RUN)
    assert judge(skipped, REQUIRED).verdict is RunVerdict.PASSED_FOR_THE_SELECTION


def test_an_interrupt_or_a_connector_never_ready_is_never_certified():
    everything = verdicts(PRES_1=Verdict.PASSED, PICK_2=Verdict.PASSED, END_1=Verdict.PASSED)
    interrupted = judge(everything, REQUIRED, interrupted_by="SIGTERM")
    assert interrupted.verdict is RunVerdict.INTERRUPTED and interrupted.banner == "INTERRUPTED"
    assert judge(verdicts(), REQUIRED, startup_error="not ready").verdict is RunVerdict.NOT_READY
    assert judge(verdicts(RES_1=Verdict.NOT_DECLARED), REQUIRED).verdict is RunVerdict.NOTHING


def test_requirements_no_scenario_reported_on_are_not_run_with_the_reason():
    done = complete(verdicts(PICK_2=Verdict.PASSED), ["PRES-1", "PICK-2"], "not run: interrupted")
    assert list(done) == ["PRES-1", "PICK-2"]  # catalogue order
    assert done["PRES-1"].verdict is Verdict.NOT_RUN and done["PRES-1"].reason == "not run: interrupted"
    assert done["PICK-2"].verdict is Verdict.PASSED
    outside = complete({}, ["PRES-1", "RES-1"], "not run: interrupted", frozenset({"RES-1"}))
    assert outside["RES-1"].verdict is Verdict.NOT_DECLARED and not outside["RES-1"].reason


def failed(nodeid: str, rid: str, step: str, who: str, outcome: str = "failed") -> dict:
    return ScenarioResult(nodeid, nodeid, "F", [rid], "core", outcome=outcome, failed_step=step,
                          expectation=f"Omni-Channel status of Alice ({who}) to be Online",
                          message=f"omni_harness.harness.waits.WaitTimeout: Timed out after 2 s waiting for Omni-Channel status "
                                  f"of Alice ({who}) to be Online; it is Offline (since 10:0{len(who) % 9}:01.5, "
                                  "2 s).").to_json()


def test_scenarios_that_stop_at_the_same_step_for_the_same_thing_are_one_cause():
    given = "Given Alice is On Queue in the client"
    scenarios = [failed("a", "END-1", given, "Megan Chang"), failed("b", "PICK-2", given, "Kristen Turner"),
                 failed("c", "PRES-1", "Then Omni-Channel shows her Online", "Jo Ann Lee"),
                 {"nodeid": "d", "outcome": "passed", "requirements": ["ROUTE-2"]}]
    causes = group(scenarios)
    assert [len(c.scenarios) for c in causes] == [2, 1]
    first = causes[0]
    assert first.step == given and first.requirements == ["PICK-2 [chat]", "END-1 [chat]"]  # catalogue order
    assert first.message.startswith("Timed out after 2 s")  # without the exception's class
    assert "setServicePresenceStatus" in first.call and "on Salesforce" in first.call
    assert normalize("AgentWork 0Bz5i0000000001CAA of Alice (Megan Chang)") == "AgentWork <id> of Alice"


def test_the_readiness_gap_is_the_first_cause():
    causes = group([], "The connector was not ready after 2 s. Still missing: a Salesforce Streaming API "
                   "subscription (/cometd).\nCommand: x", ["PICK-2", "PRES-1"])
    assert causes[0].readiness and causes[0].requirements == ["PRES-1", "PICK-2"]
    assert causes[0].call.startswith("a Salesforce Streaming API subscription")


def test_the_terminal_says_a_shared_cause_once_then_the_verdict():
    given = "Given Alice is On Queue in the client"
    results = Results()
    for s in (failed("a", "END-1", given, "Megan Chang"), failed("b", "PICK-2", given, "Kristen Turner")):
        results.scenarios[s["nodeid"]] = ScenarioResult(**{**s, "outcome": s["outcome"]})
    v = verdicts(PICK_2=Verdict.FAILED, END_1=Verdict.FAILED, PRES_1=Verdict.PASSED)
    outcome = Certification(1, results, judgement=judge(v, REQUIRED), verdicts=v,
                            scenarios=list(results.scenarios.values()))
    out = io.StringIO()
    print_verdict(outcome, out)
    text = out.getvalue()
    assert text.count("Timed out after 2 s") == 1 and "2 scenarios of PICK-2 [chat], END-1 [chat] stopped at" in text
    assert "expected of the connector: set the agent's Omni-Channel status" in text
    assert text.rstrip().splitlines()[-1].startswith("NOT CERTIFIED: 1 of 3 requirements passed")
