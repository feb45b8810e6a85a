"""The feature files are the suite's contract: every requirement covered, every scenario tagged, every step bound."""

from __future__ import annotations

import importlib

import pytest
from pytest_bdd.feature import get_features
from pytest_bdd.steps import step_function_context_registry

from omni_harness.harness.features import feature_files, features_root, suite_module
from omni_harness.harness.plugin import STEP_MODULES
from omni_harness.harness.requirements import FLAG_TAGS, REQUIREMENT_TAG, Profile, catalogue

CAPABILITIES = {"presence", "routing", "pickup", "ending", "wrapup", "transfer", "accept"}


@pytest.fixture(scope="module")
def scenarios():
    features = get_features([str(p) for p in feature_files()])
    return [(f, s) for f in features for s in f.scenarios.values()]


def test_one_folder_per_capability():
    folders = {p.parent.name for p in feature_files()}
    assert CAPABILITIES <= folders
    assert suite_module().exists()
    assert features_root().name == "features"


def test_every_scenario_has_one_profile_and_known_requirements(scenarios):
    known = catalogue()
    profiles = {p.value for p in Profile}
    for feature, scenario in scenarios:
        tags = scenario.tags | feature.tags
        where = f"{feature.rel_filename}: {scenario.name}"
        assert len(tags & profiles) == 1, f"{where} needs exactly one profile tag, has {sorted(tags & profiles)}"
        requirements = {t for t in tags if REQUIREMENT_TAG.match(t)}
        assert requirements, f"{where} names no requirement"
        assert requirements <= set(known), f"{where} names unknown requirements {requirements - set(known)}"
        for rid in requirements:
            assert known[rid].profile.value in tags, f"{where}: {rid} is {known[rid].profile}, not {tags & profiles}"
        assert not tags - profiles - requirements - set(FLAG_TAGS), f"{where} has unknown tags"


def test_every_core_and_extended_requirement_has_a_scenario(scenarios):
    covered = {t for f, s in scenarios for t in s.tags | f.tags if REQUIREMENT_TAG.match(t)}
    wanted = {rid for rid, r in catalogue().items() if r.profile in (Profile.CORE, Profile.EXTENDED)}
    assert wanted - covered == set()


def test_every_step_has_exactly_one_definition(scenarios):
    for module in STEP_MODULES:
        importlib.import_module(module)
    contexts = list(step_function_context_registry.values())
    for feature, scenario in scenarios:
        for step in scenario.steps:
            matches = [c for c in contexts if c.type in (None, step.type) and c.parser.is_matching(step.name)]
            assert len(matches) == 1, (f"{feature.rel_filename}: {step.type} {step.name!r} matches "
                                       f"{len(matches)} step definitions")


def test_both_ways_of_ending_and_the_open_window_note_are_covered(scenarios):
    steps = {s.name for _, sc in scenarios for s in sc.steps}
    assert "she clicks Disconnect in the client" in steps
    assert "she closes the chat conversation window in Salesforce" in steps
    assert "she ends the chat in Salesforce but leaves the chat conversation window open" in steps
