"""`certify --shard I/N`: the split of the selected scenarios (deterministic, balanced, each scenario exactly once),
its bad values, and a shard's verdict (never CERTIFIED by itself)."""

from __future__ import annotations

import json
import random

import pytest

from omni_harness.harness.cli import build_parser
from omni_harness.harness.connector import parse_command
from omni_harness.harness.manifest import find
from omni_harness.harness.results import RequirementVerdict, RunVerdict, Verdict, judge
from omni_harness.harness.selection import SelectionError, selected_keys, validate
from omni_harness.harness.shards import DEFAULT_SECONDS, Shard, durations, measure, plan_shards, shard_loads


def _reference():
    return find(parse_command(None))


@pytest.mark.parametrize("total", [1, 2, 3, 5])
def test_every_selected_scenario_is_in_exactly_one_shard(total):
    lookup = _reference()
    plans = [validate("all", None, None, lookup, "all", f"{i}/{total}") for i in range(1, total + 1)]
    everything = {(p.name, p.medium) for p in plans[0].plan}
    assert len(everything) == len(plans[0].plan) > 30  # every scenario once per medium it applies to
    ran = [(p.name, p.medium) for s in plans for p in s.shard_scenarios()]
    assert sorted(ran) == sorted(everything)  # all of them, none twice
    assert all(s.plan == plans[0].plan for s in plans)  # every shard computes the same split


def test_the_split_does_not_depend_on_the_order_of_the_scenarios():
    scenarios = [(f"scenario {i}", "F", ("PRES-1",), "chat") for i in range(40)]
    table = {f"scenario {i} [chat]": float(i % 7) for i in range(40)}
    first = {p.name: p.shard for p in plan_shards(scenarios, 4, table)}
    shuffled = scenarios[:]
    random.Random(7).shuffle(shuffled)
    assert {p.name: p.shard for p in plan_shards(shuffled, 4, table)} == first


def test_the_split_is_balanced_by_measured_duration():
    lookup = _reference()
    for total in (2, 3, 4):
        plan = validate("all", None, None, lookup, "all", f"1/{total}").plan
        loads = shard_loads(plan, total)
        longest = max(p.seconds for p in plan)
        # Greedy longest-first: no shard exceeds another by more than its longest scenario.
        assert max(loads) - min(loads) <= longest, loads
    # One long scenario and many short ones: the long one is alone in its shard.
    scenarios = [("long", "F", ("RES-1",), "chat")] + [(f"short {i}", "F", ("PRES-1",), "chat") for i in range(10)]
    table = {"long [chat]": 10.0, **{f"short {i} [chat]": 1.0 for i in range(10)}}
    plan = plan_shards(scenarios, 2, table)
    assert [p.name for p in plan if p.shard == 1] == ["long"]
    assert shard_loads(plan, 2) == [10.0, 10.0]


def test_ties_go_by_name_and_unknown_scenarios_get_the_default():
    plan = plan_shards([("b", "F", ("PRES-1",), "chat"), ("a", "F", ("PRES-1",), "chat")], 2, {})
    assert {p.name: p.shard for p in plan} == {"a": 1, "b": 2}
    assert all(p.seconds == DEFAULT_SECONDS for p in plan)
    free = plan_shards([("a", "F", ("SCALE-1",), "chat")], 2, {"a [chat]": 9.0}, free=lambda ids, m: True)
    assert free[0].seconds == 0.0  # a scenario the connector does not declare is skipped at once


def test_the_checked_in_table_knows_every_scenario_of_the_suite():
    lookup = _reference()
    plan = validate("all", None, None, lookup, "all", "1/1").plan
    table = durations()
    assert {p.key for p in plan} <= set(table), sorted({p.key for p in plan} - set(table))
    assert all(v > 0 for v in table.values())


def test_the_table_is_regenerated_from_a_report(tmp_path):
    (tmp_path / "scenarios.json").write_text(json.dumps([
        {"name": "A", "medium": "chat", "outcome": "passed", "duration": 2.345},
        {"name": "A", "medium": "messaging", "outcome": "failed", "duration": 4.0},
        {"name": "B", "medium": "chat", "outcome": "not declared", "duration": 0.01}]))
    assert measure([tmp_path]) == {"A [chat]": 2.35, "A [messaging]": 4.0}


def test_a_shard_runs_the_requirements_of_its_own_scenarios():
    lookup = _reference()
    keys = [set(selected_keys(validate("core", None, None, lookup, "chat", f"{i}/2"))) for i in (1, 2)]
    whole = set(selected_keys(validate("core", None, None, lookup, "chat")))
    assert keys[0] | keys[1] == whole and keys[0] != whole and keys[1] != whole


@pytest.mark.parametrize("value", ["0/2", "3/2", "x", "1/0", "1", "1/2/3", "-1/2", ""])
def test_a_bad_shard_is_an_argparse_error(value, capsys):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["certify", "--shard", value])
    assert stop.value.code == 2
    assert "--shard" in capsys.readouterr().err
    with pytest.raises(SelectionError):
        validate("core", None, None, _reference(), "chat", value)


def test_a_good_shard_parses():
    args = build_parser().parse_args(["certify", "--shard", "2/3"])
    assert args.shard == Shard(2, 3) and str(args.shard) == "2/3"
    assert build_parser().parse_args(["certify"]).shard is None


def _verdicts(*pairs: tuple[str, Verdict]) -> dict[str, RequirementVerdict]:
    return {f"{rid} [chat]": RequirementVerdict(rid, verdict, ["s"]) for rid, verdict in pairs}


def test_a_shard_is_never_certified_by_itself():
    everything = _verdicts(("PRES-1", Verdict.PASSED), ("END-1", Verdict.PASSED))
    required = list(everything)
    assert judge(everything, required).verdict is RunVerdict.CERTIFIED
    shard = Shard(1, 2)
    passed = judge(everything, required, shard=shard)
    assert passed.verdict is RunVerdict.PASSED_FOR_THE_SHARD and passed.shard == shard
    part = judge(_verdicts(("PRES-1", Verdict.PASSED)), required, shard=shard)
    assert part.verdict is RunVerdict.PASSED_FOR_THE_SHARD and part.not_run == ["END-1 [chat]"]
    failed = judge(_verdicts(("PRES-1", Verdict.FAILED)), required, shard=shard)
    assert failed.verdict is RunVerdict.NOT_CERTIFIED  # a failure anywhere fails the certification
    assert judge(everything, required, startup_error="no socket", shard=shard).verdict is RunVerdict.NOT_READY
    assert judge(everything, required, interrupted_by="SIGTERM", shard=shard).verdict is RunVerdict.INTERRUPTED


def test_the_plan_holds_what_k_keeps_on_each_medium():
    lookup = _reference()
    plan = validate("core", None, "chat", lookup, "all", "1/2").plan
    everything = validate("core", None, None, lookup, "all", "1/2").plan
    # `-k chat` keeps every scenario's [chat] item (pytest matches the parametrized id too), and on messaging
    # only the scenarios whose own names say chat.
    assert {p.name for p in plan if p.medium == "chat"} == {p.name for p in everything if p.medium == "chat"}
    on_messaging = {p.name for p in plan if p.medium == "messaging"}
    assert on_messaging and all("chat" in (n + p.feature).lower() for p in plan for n in [p.name]
                                if p.medium == "messaging")
    assert on_messaging < {p.name for p in everything if p.medium == "messaging"}
    one = validate("core", ["PRES-1"], None, lookup, "chat", "1/2").plan
    assert {p.requirements for p in one} == {("PRES-1",)} and {p.shard for p in one} == {1, 2}


def test_a_shard_without_scenarios_starts_nothing_and_passes(tmp_path, capsys):
    from omni_harness.harness.certify import EXIT_PASSED, certify, print_verdict

    report = tmp_path / "report"
    report.mkdir()
    (report / "summary.json").write_text("{}")  # an earlier run's report there is cleared, not left to be merged
    plan = validate("core", ["PRES-1"], None, _reference(), "chat", "3/3").plan
    assert len(plan) == 2 and {p.shard for p in plan} == {1, 2}  # two scenarios: shard 3 holds none
    outcome = certify(profile="core", requirements=["PRES-1"], media="chat", shard="3/3", report_dir=report)
    assert outcome.exit_code == EXIT_PASSED and outcome.judgement.verdict is RunVerdict.PASSED_FOR_THE_SHARD
    assert not outcome.scenarios and list(report.iterdir()) == []
    print_verdict(outcome)
    assert "Shard 3/3 holds no scenario" in capsys.readouterr().out
