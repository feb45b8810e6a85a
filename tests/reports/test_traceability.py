"""Traceability: every requirement of DESIGN §4.4 is in the catalogue, has a scenario, and traces to the seed article.

The check itself (`omni_harness.harness.traceability.check`) must fail the suite when a requirement loses its only scenario, when a
scenario carries an unknown requirement tag or no requirement or profile tag, and when a step or note of the seed
article maps to no requirement; each is shown here on a copy of the feature tree or of the catalogue.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from omni_harness.harness import requirements as requirements_module
from omni_harness.harness.features import features_root
from omni_harness.harness.requirements import (
    EXPECTED,
    CatalogueError,
    PassageKind,
    Profile,
    catalogue,
    catalogue_path,
    load,
    load_catalogue,
    words,
    words_sha256,
)
from omni_harness.harness.traceability import check, main

# DESIGN §4.4, by profile.
DESIGN_REQUIREMENTS = {
    Profile.CORE: ["PRES-1", "ROUTE-1", "ROUTE-2", "PICK-1", "PICK-2", "END-1", "END-2", "END-3", "WRAP-1", "WRAP-2",
                   "XFER-1", "XFER-2", "XFER-3", "ACCEPT-1", "ACCEPT-2"],
    Profile.EXTENDED: ["PRES-2", "PICK-3", "XFER-4", "END-4", "ROUTE-3"],  # END-4, ROUTE-3: messaging (DESIGN §4.7)
    Profile.RESILIENCE: ["RES-1", "RES-2", "RES-3", "RES-4", "RES-5", "RES-6"],
    Profile.SCALE: ["SCALE-1"],
}
# The steps and notes of the seed article, by the names the catalogue's article map gives them.
ARTICLE_STEPS = ["step 1", "step 2", "step 3", "step 4", "step 4 note", "step 5", "Transfer ¶1", "Transfer ¶2",
                 "Accept ¶1"]
SEED_ARTICLE_VARIABLE = "OMNI_SEED_ARTICLE"  # path of the seed article's text, to compare the map with it
# The project's shared folder (design, references, seed article) sits beside the repository.
SHARED_SEED_ARTICLE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "externally-routed-salesforce-chat.txt"


@pytest.fixture
def features_copy(tmp_path: Path) -> Path:
    root = tmp_path / "features"
    shutil.copytree(features_root(), root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def remove_scenario(feature: Path, tag: str) -> None:
    """Deletes the scenario whose tag line carries `tag` (its tag line, title and steps) from a feature file."""
    lines = feature.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("@") and tag in line.split())
    end = next((i for i in range(start + 2, len(lines)) if lines[i].strip().startswith(("@", "Scenario"))), len(lines))
    feature.write_text("".join(lines[:start] + lines[end:]))


def test_the_catalogue_holds_every_requirement_of_the_design_with_its_profile():
    cat = catalogue()
    assert list(cat) == [rid for ids in DESIGN_REQUIREMENTS.values() for rid in ids]
    for profile, ids in DESIGN_REQUIREMENTS.items():
        for rid in ids:
            req = cat[rid]
            assert req.profile is profile, rid
            assert req.statement and req.source, rid
            assert isinstance(req.required, bool)
            assert req.required or req.reason, f"{rid} is not required but does not say why"


def test_documented_requirements_cite_the_article_and_the_others_are_expected():
    article = load().article
    for rid, req in catalogue().items():
        if req.profile is Profile.CORE:
            assert req.sources and req.quote, f"{rid} must cite the passage of the seed article it encodes"
            assert all(article.passage(p) for p in req.sources), f"{rid} cites {req.source!r}"
            assert any(words(req.quote) in words(article.passage(p).text) for p in req.sources), rid
        else:
            assert req.source == EXPECTED and not req.sources, rid


def test_harness_reads_the_yaml_as_its_only_source():
    source = Path(requirements_module.__file__).read_text()
    assert not re.search(r"\b(PRES|ROUTE|PICK|END|WRAP|XFER|ACCEPT|RES|SCALE)-\d\b", source), \
        "harness/requirements.py must not carry a second list of requirements"
    data = yaml.safe_load(catalogue_path().read_text())
    assert [r["id"] for r in data["requirements"]] == list(catalogue())


def test_a_malformed_catalogue_is_refused_with_the_file_named(tmp_path: Path):
    data = yaml.safe_load(catalogue_path().read_text())
    del data["requirements"][0]["required"]
    broken = tmp_path / "requirements.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CatalogueError, match=r"requirements\.yaml.*PRES-1.*required"):
        load_catalogue(broken)


def test_the_suite_traces():
    result = check()
    assert result.ok, "\n".join(result.problems)
    assert set(result.coverage) == set(catalogue())
    assert main([]) == 0


def test_every_step_and_note_of_the_seed_article_maps_to_a_requirement():
    article = load().article
    mapped = {p.id: p for p in article.passages}
    for name in ARTICLE_STEPS:
        assert name in mapped, f"the article map has no passage {name!r}"
        assert mapped[name].requirements, f"{name} maps to no requirement"
    for p in article.passages:
        if p.kind in (PassageKind.STEP, PassageKind.NOTE, PassageKind.PARAGRAPH, PassageKind.CAPTION):
            assert p.requirements, f"{p.kind} {p.id!r} maps to no requirement"
        else:
            assert p.requirements or p.informative, p.id
    assert mapped["step 4 note"].requirements == ("END-3",)


def test_the_article_map_is_the_whole_article_word_for_word():
    article = load().article
    assert words_sha256(" ".join(p.text for p in article.passages)) == article.words_sha256
    seed = os.environ.get(SEED_ARTICLE_VARIABLE)
    if not seed and SHARED_SEED_ARTICLE.exists():
        seed = str(SHARED_SEED_ARTICLE)
    if not seed:
        pytest.skip(f"set {SEED_ARTICLE_VARIABLE} to the seed article's text file to compare it word for word")
    text = Path(seed).read_text()
    assert words(" ".join(p.text for p in article.passages)) == words(text)
    assert words_sha256(text) == article.words_sha256


def test_removing_the_only_scenario_of_a_requirement_fails_the_check(features_copy: Path):
    assert check(features_copy).ok  # the copy traces, as the original does
    remove_scenario(features_copy / "pickup" / "pickup.feature", "@PICK-1")
    result = check(features_copy)
    assert not result.ok
    assert any(p.startswith("requirement PICK-1 (core) has no scenario") for p in result.problems), result.problems
    assert main([str(features_copy)]) == 1


def test_removing_one_of_two_scenarios_of_a_requirement_keeps_it_covered(features_copy: Path):
    remove_scenario(features_copy / "wrapup" / "wrapup.feature", "@WRAP-2")
    result = check(features_copy)
    assert result.ok, result.problems
    assert len(result.coverage["WRAP-2"]) == 1


def test_a_scenario_with_an_unknown_requirement_tag_fails_the_check(features_copy: Path):
    feature = features_copy / "presence" / "presence.feature"
    feature.write_text(feature.read_text().replace("@PRES-2 @extended", "@PRES-2 @PRES-9 @extended"))
    result = check(features_copy)
    assert any("carries @PRES-9, which is not in the catalogue" in p for p in result.problems), result.problems


def test_a_scenario_without_a_requirement_or_a_profile_tag_fails_the_check(features_copy: Path):
    feature = features_copy / "routing" / "routing.feature"
    text = feature.read_text()
    feature.write_text(text.replace("@ROUTE-1 @core", "@core").replace("@ROUTE-2 @core @webchat", "@ROUTE-2 @webchat"))
    problems = check(features_copy).problems
    assert any("carries no requirement tag" in p and "A customer chat alerts" in p for p in problems), problems
    assert any("needs exactly one profile tag" in p and "A plain web chat" in p for p in problems), problems
    assert any(p.startswith("requirement ROUTE-1 (core) has no scenario") for p in problems), problems


def test_a_scenario_whose_profile_is_not_its_requirements_fails_the_check(features_copy: Path):
    feature = features_copy / "presence" / "presence.feature"
    feature.write_text(feature.read_text().replace("@PRES-2 @extended", "@PRES-2 @core"))
    assert any("is @core but PRES-2 is a extended requirement" in p for p in check(features_copy).problems)


def _with_passage(requirements: tuple[str, ...], pid: str, informative: str = ""):
    cat = load()
    passages = tuple(dataclasses.replace(p, requirements=requirements, informative=informative) if p.id == pid else p
                     for p in cat.article.passages)
    return dataclasses.replace(cat, article=dataclasses.replace(cat.article, passages=passages))


def test_a_step_or_note_that_maps_to_no_requirement_fails_the_check():
    for pid in ("step 3", "step 4 note"):
        problems = check(cat=_with_passage((), pid)).problems
        assert any(f"{pid!r} maps to no requirement" in p for p in problems), problems
    # Calling a step informative does not excuse it: only titles, headings, scope and references may be.
    problems = check(cat=_with_passage((), "step 1", informative="nothing to see")).problems
    assert any("article step 'step 1' maps to no requirement" in p for p in problems), problems


def test_the_two_directions_of_the_article_map_must_agree():
    problems = check(cat=_with_passage(("END-1",), "step 4")).problems  # END-2 cites step 4; step 4 drops it
    assert any("END-2 cites 'step 4', but that passage does not map to END-2" in p for p in problems), problems
    problems = check(cat=_with_passage(("PRES-1", "WRAP-1"), "step 1")).problems
    assert any("'step 1' maps to WRAP-1, but WRAP-1's source does not cite it" in p for p in problems), problems


def test_an_edited_passage_no_longer_matches_the_article():
    cat = load()
    passages = tuple(dataclasses.replace(p, text=p.text + " Also sync the weather.") if p.id == "step 1" else p
                     for p in cat.article.passages)
    edited = dataclasses.replace(cat, article=dataclasses.replace(cat.article, passages=passages))
    assert any("wordsSha256 differs" in p for p in check(cat=edited).problems)


def test_a_requirement_without_a_scenario_is_never_skipped_silently(features_copy: Path):
    shutil.rmtree(features_copy / "scale")
    required = check(features_copy)
    assert any(p.startswith("requirement SCALE-1 (scale) has no scenario") for p in required.problems)
    cat = load()
    optional = dict(cat.requirements)
    optional["SCALE-1"] = dataclasses.replace(optional["SCALE-1"], required=False, reason="measured elsewhere")
    result = check(features_copy, dataclasses.replace(cat, requirements=optional))
    assert result.ok, result.problems
    assert result.notes == ["requirement SCALE-1 has no scenario and is not required for certification: "
                            "measured elsewhere"]
