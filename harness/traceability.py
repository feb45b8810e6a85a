"""Traceability: seed article passage -> requirement -> scenario, and every gap between them as a problem.

`check()` reads the requirement catalogue and the feature files and answers every problem it finds: a
requirement no scenario covers, a scenario with an unknown requirement tag or without a requirement or
profile tag, a step or note of the seed article that maps to no requirement, a requirement whose source
names no passage of the article, and the two directions of the article map disagreeing.

    python -m omni_harness.harness.traceability [FEATURES_DIR]    # prints the matrix and the problems; exit 1 on a problem
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from .requirements import (
    EXPECTED,
    FLAG_TAGS,
    INFORMATIVE_KINDS,
    REQUIREMENT_TAG,
    Catalogue,
    Profile,
    load,
    words,
    words_sha256,
)


@dataclass(frozen=True)
class TaggedScenario:
    """One scenario of a feature file with the tags it carries (its own and its feature's)."""

    feature_file: str  # relative to the features folder
    feature: str
    name: str
    line: int
    tags: frozenset[str]

    @property
    def where(self) -> str:
        return f"{self.feature_file}:{self.line} {self.name!r}"

    @property
    def requirements(self) -> set[str]:
        return {t for t in self.tags if REQUIREMENT_TAG.match(t)}

    @property
    def profiles(self) -> set[str]:
        return self.tags & {p.value for p in Profile}


@dataclass
class Traceability:
    """What `check` found: coverage per requirement, notes, and the problems (empty when the suite traces)."""

    coverage: dict[str, list[TaggedScenario]] = field(default_factory=dict)
    passages: dict[str, list[str]] = field(default_factory=dict)  # passage id -> requirement ids
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def flag_tags() -> frozenset[str]:
    return frozenset(FLAG_TAGS)


def scenarios_in(root: str | Path) -> list[TaggedScenario]:
    """Every scenario of the feature files under `root`, parsed as pytest-bdd parses them."""
    from pytest_bdd.parser import FeatureParser

    root = Path(root)
    out = []
    # Parsed afresh (pytest-bdd's own cache would keep a file as it was first read).
    for path in sorted(root.rglob("*.feature")):
        feature = FeatureParser(str(path.parent), path.name).parse()
        rel = Path(feature.filename).resolve().relative_to(root.resolve()).as_posix()
        for scenario in feature.scenarios.values():
            out.append(TaggedScenario(rel, feature.name, scenario.name, scenario.line_number,
                                      frozenset(scenario.tags | feature.tags)))
    return out


def _check_scenarios(scenarios: list[TaggedScenario], cat: Catalogue, out: Traceability) -> None:
    known = cat.requirements
    flags = flag_tags()
    for s in scenarios:
        profiles = s.profiles
        if len(profiles) != 1:
            out.problems.append(f"scenario {s.where} needs exactly one profile tag (@core, @extended, @resilience "
                                f"or @scale); it has {sorted(profiles) or 'none'}")
        if not s.requirements:
            out.problems.append(f"scenario {s.where} carries no requirement tag (like @END-1)")
        for rid in sorted(s.requirements):
            if rid not in known:
                out.problems.append(f"scenario {s.where} carries @{rid}, which is not in the catalogue "
                                    f"({cat.path})")
                continue
            out.coverage.setdefault(rid, []).append(s)
            if len(profiles) == 1 and known[rid].profile.value not in profiles:
                out.problems.append(f"scenario {s.where} is @{next(iter(profiles))} but {rid} is a "
                                    f"{known[rid].profile} requirement")
        strays = s.tags - s.requirements - {p.value for p in Profile} - flags
        if strays:
            out.problems.append(f"scenario {s.where} carries unknown tags {sorted(strays)}")


def _check_coverage(cat: Catalogue, out: Traceability) -> None:
    for rid, req in cat.requirements.items():
        if out.coverage.get(rid):
            continue
        if req.required:
            out.problems.append(f"requirement {rid} ({req.profile}) has no scenario: no feature file carries @{rid}")
        else:
            out.notes.append(f"requirement {rid} has no scenario and is not required for certification: {req.reason}")


def _check_article(cat: Catalogue, out: Traceability) -> None:
    known = cat.requirements
    article = cat.article
    if not article.passages:
        out.problems.append("the catalogue maps no passage of the seed article")
        return
    if article.words_sha256 and words_sha256(" ".join(p.text for p in article.passages)) != article.words_sha256:
        out.problems.append("the passages of the article map, joined, are not the seed article (wordsSha256 differs): "
                            "a passage was edited, dropped or added")
    for p in article.passages:
        out.passages[p.id] = list(p.requirements)
        unknown = [r for r in p.requirements if r not in known]
        if unknown:
            out.problems.append(f"article passage {p.id!r} maps to {unknown}, which are not in the catalogue")
        if p.requirements and p.informative:
            out.problems.append(f"article passage {p.id!r} maps to requirements and is also marked informative")
        if not p.requirements:
            if p.kind not in INFORMATIVE_KINDS:
                out.problems.append(f"article {p.kind} {p.id!r} maps to no requirement: {p.text!r}")
            elif not p.informative:
                out.problems.append(f"article {p.kind} {p.id!r} maps to no requirement and does not say why "
                                    "(`informative`)")
    for rid, req in known.items():
        sources = req.sources
        if req.source.strip() == EXPECTED:
            if req.profile is Profile.CORE:
                out.problems.append(f"{rid} is a core requirement, so its source must be a passage of the seed "
                                    "article, not \"expected\"")
            continue
        if req.profile is not Profile.CORE:
            out.problems.append(f"{rid} is {req.profile}: undocumented behaviour, so its source is \"expected\", "
                                f"not {req.source!r}")
        cited = []
        for pid in sources:
            passage = article.passage(pid)
            if passage is None:
                out.problems.append(f"{rid} cites {pid!r}, which is no passage of the seed article map")
                continue
            cited.append(passage)
            if rid not in passage.requirements:
                out.problems.append(f"{rid} cites {pid!r}, but that passage does not map to {rid}")
        if req.quote and cited and not any(words(req.quote) in words(p.text) for p in cited):
            out.problems.append(f"{rid}'s quote is not in the passages it cites ({req.source}): {req.quote!r}")
    for p in article.passages:
        for rid in p.requirements:
            if rid in known and p.id not in known[rid].sources:
                out.problems.append(f"article passage {p.id!r} maps to {rid}, but {rid}'s source does not cite it "
                                    f"({known[rid].source!r})")


def check(features_root: str | Path | None = None, cat: Catalogue | None = None) -> Traceability:
    """Every traceability problem of the feature files under `features_root` (default: the installed features)."""
    from .features import features_root as installed

    cat = cat or load()
    root = Path(features_root) if features_root is not None else installed()
    out = Traceability()
    scenarios = scenarios_in(root)
    if not scenarios:
        out.problems.append(f"no scenario under {root}")
    _check_scenarios(scenarios, cat, out)
    _check_coverage(cat, out)
    _check_article(cat, out)
    return out


def render(result: Traceability, cat: Catalogue | None = None) -> str:
    cat = cat or load()
    lines = ["Requirement  Profile     Source                       Scenarios"]
    for rid, req in cat.requirements.items():
        covered = result.coverage.get(rid, [])
        lines.append(f"{rid:<12} {req.profile.value:<11} {req.source:<28} {len(covered)}")
        for s in covered:
            lines.append(f"{'':<54}{s.where}")
    lines.append("")
    lines.append("Seed article passage -> requirements")
    for pid, ids in result.passages.items():
        lines.append(f"  {pid:<18} {', '.join(ids) or '(informative)'}")
    for note in result.notes:
        lines.append(f"note: {note}")
    if result.problems:
        lines.append("")
        lines.append(f"{len(result.problems)} traceability problem(s):")
        lines += [f"  - {p}" for p in result.problems]
    else:
        lines.append("\nEvery requirement has a scenario; every scenario names known requirements; every step and note "
                     "of the seed article maps to a requirement.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    result = check(args[0] if args else None)
    print(render(result))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
