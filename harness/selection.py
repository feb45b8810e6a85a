"""What a certification run selects, checked before anything starts, and what the certification needs.

`--profile` (default `declared`: the profiles the connector's manifest declares), `-r ID` and `-k EXPR` narrow the
scenarios. `validate` refuses, with one line, an unknown or mis-cased id (naming the right one), an id outside the
selected profiles, a `-k` that is not an expression or matches no scenario: a mistake costs a second, not a start
of the fakes and the connector. `required_ids` is what certification needs: every required requirement of the
profiles the connector declares; a run that selects less can pass only "for the selection".
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from _pytest.mark.expression import Expression
from pytest_bdd.scenario import make_python_name, scenario_wrapper_template_registry

from .features import features_root
from .manifest import ManifestLookup
from .media import Medium, parse_media, verdict_key
from .requirements import PROFILE_SELECTION, REQUIREMENT_TAG, Profile, Requirement, catalogue
from .results import NOT_DECLARED_PROPERTY
from .shards import PlannedScenario, Shard, plan_shards
from .traceability import scenarios_in

DECLARED = "declared"  # --profile default: what the connector's manifest declares
PROFILE_CHOICES = (DECLARED, *PROFILE_SELECTION)
NO_MANIFEST_PROFILE = "extended"  # what `declared` means for a connector without connector.yaml


class SelectionError(ValueError):
    """The selection names something that does not exist or selects nothing; the message is one line."""


@dataclass(frozen=True)
class ScenarioKeys:
    """What `-k` can match for one scenario (as pytest would: names and ids, case-insensitive substrings)."""

    name: str
    requirements: tuple[str, ...]
    profile: str
    keywords: tuple[str, ...]
    feature: str = ""

    def matches(self, keyword: str, medium: str | None = None) -> bool:
        """With `medium`: as pytest matches the scenario's item on that medium (its `[chat]` id matches too)."""
        names = [k.lower() for k in (*self.keywords, *((medium,) if medium else ()))]
        return Expression.compile(keyword).evaluate(lambda sub: any(sub.lower() in n for n in names))


@dataclass(frozen=True)
class Selection:
    profile: str  # as given: declared, core, extended or all
    profiles: tuple[Profile, ...]
    requirements: tuple[str, ...] = ()  # -r ids (empty: every one of the profiles)
    keyword: str | None = None
    media: tuple[Medium, ...] = (Medium.CHAT,)  # --media (default: what the manifest declares)
    media_narrowed: bool = False  # --media left out a medium the connector declares
    shard: Shard | None = None  # --shard I/N: this run holds one part of the selection
    plan: tuple[PlannedScenario, ...] = ()  # every selected scenario and medium, with the shard that runs it

    def in_shard(self, name: str, medium: str) -> bool:
        """Whether this run runs the scenario on that medium (always, without --shard)."""
        if self.shard is None:
            return True
        return any(p.name == name and p.medium == medium and p.shard == self.shard.index for p in self.plan)

    def shard_scenarios(self) -> list[PlannedScenario]:
        """The scenarios (per medium) this shard runs; every selected one without --shard."""
        return [p for p in self.plan if self.shard is None or p.shard == self.shard.index]

    @property
    def narrowed(self) -> bool:
        return bool(self.requirements or self.keyword)


def parse_ids(values: list[str] | tuple[str, ...] | None) -> list[str]:
    """`-r A -r B,C` as ["A", "B", "C"] (order kept, duplicates dropped)."""
    out = [rid.strip() for value in values or [] for rid in value.split(",") if rid.strip()]
    return list(dict.fromkeys(out))


def profiles_for(profile: str, lookup: ManifestLookup | None) -> tuple[Profile, ...]:
    """The requirement profiles `--profile` selects; `declared` follows the manifest (extended without one)."""
    if profile == DECLARED:
        if lookup is not None and lookup.manifest is not None:
            declared = set(lookup.manifest.profiles)
            return tuple(p for p in Profile if p in declared)
        return PROFILE_SELECTION[NO_MANIFEST_PROFILE]
    if profile not in PROFILE_SELECTION:
        raise SelectionError(f"unknown profile {profile!r}; choose from {', '.join(PROFILE_CHOICES)}")
    return PROFILE_SELECTION[profile]


@cache
def scenario_keys() -> tuple[ScenarioKeys, ...]:
    """Every scenario of the installed feature files with what `-k` can match on it."""
    out = []
    for s in scenarios_in(features_root()):
        ids = tuple(sorted(s.requirements))
        profile = next(iter(s.profiles), "")
        keywords = (f"test_{make_python_name(s.name)}", s.name, s.feature, *ids, *s.tags, "test_certification.py")
        out.append(ScenarioKeys(s.name, ids, profile, keywords, s.feature))
    return tuple(out)


def _unknown(rid: str, known: dict[str, Requirement]) -> str:
    for kid in known:
        if kid.lower() == rid.lower():
            return f"unknown requirement {rid!r}: ids are upper case; did you mean {kid}?"
    close = difflib.get_close_matches(rid.upper(), list(known), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown requirement {rid!r}{hint} (`omni-harness requirements` lists them)"


def declared_media(lookup: ManifestLookup | None) -> tuple[str, ...] | None:
    return lookup.manifest.media if lookup is not None and lookup.manifest is not None else None


def validate(profile: str, requirements: list[str] | None, keyword: str | None,
             lookup: ManifestLookup | None, media: str | None = None, shard: str | Shard | None = None) -> Selection:
    """The run's selection, or SelectionError (one line) when it names an unknown id, an id outside the
    selected profiles, a `-k` that is no expression, or selects no scenario. With `shard` (`--shard I/N`) it also
    holds the split of the selected scenarios into N shards, the same on every machine."""
    known = catalogue()
    profiles = profiles_for(profile, lookup)
    try:
        chosen_media = parse_media(media, declared_media(lookup))
    except ValueError as exc:
        raise SelectionError(str(exc)) from None
    declared = declared_media(lookup)
    narrowed_media = declared is not None and any(m not in chosen_media for m in declared)
    ids = parse_ids(requirements)
    for rid in ids:
        if rid not in known:
            raise SelectionError(_unknown(rid, known))
        if known[rid].profile not in profiles:
            where = "declared by the connector" if profile == DECLARED else f"of --profile {profile}"
            raise SelectionError(f"{rid} is a {known[rid].profile} requirement, outside the profiles {where} "
                                 f"({', '.join(map(str, profiles))}); add --profile all to run it")
    if not profiles:
        raise SelectionError("the selection is empty: no profile selected")
    chosen = [s for s in scenario_keys() if s.profile in {p.value for p in profiles}
              and (not ids or set(ids) & set(s.requirements))]
    if keyword:
        try:
            Expression.compile(keyword)
        except SyntaxError as exc:
            raise SelectionError(f"-k {keyword!r} is not a valid expression: {exc.msg}") from None
        chosen = [s for s in chosen if s.matches(keyword)]
    if not chosen:
        what = " ".join([f"--profile {profile}", *(f"-r {r}" for r in ids)] + ([f"-k {keyword!r}"] if keyword else []))
        raise SelectionError(f"the selection is empty: no scenario matches {what}")
    applicable = [s for s in chosen if any(known[r].applies_to(m) for r in s.requirements if r in known
                                           for m in chosen_media)]
    if not applicable:
        raise SelectionError(f"the selection is empty: no scenario of it applies to {', '.join(chosen_media)} "
                             "(`omni-harness requirements` lists the media of each requirement)")
    try:
        part = Shard.parse(shard) if isinstance(shard, str) else shard
    except ValueError as exc:
        raise SelectionError(str(exc)) from None
    # The plan holds the items pytest will run: each scenario on each medium it applies to that `-k` keeps.
    planned = [(s.name, s.feature, s.requirements, m) for s in scenario_keys()
               if s.profile in {p.value for p in profiles} and (not ids or set(ids) & set(s.requirements))
               for m in chosen_media if any(known[r].applies_to(m) for r in s.requirements if r in known)
               and (not keyword or s.matches(keyword, str(m)))]
    # A scenario the connector does not declare is skipped at once: it costs its shard nothing.
    plan = plan_shards(planned, part.total if part else 1,
                       free=lambda ids, m: lookup is not None and not_declared_reason(lookup, list(ids), m) is not None)
    return Selection(profile, profiles, tuple(ids), keyword or None, chosen_media, narrowed_media, part, plan)


def required_ids(lookup: ManifestLookup | None, profiles: tuple[Profile, ...],
                 media: tuple[Medium, ...] = (Medium.CHAT,)) -> list[str]:
    """The verdict keys (`PICK-2 [messaging]`) certification needs: every required requirement the connector
    declares, on every medium it declares and the requirement applies to (without a manifest, every required one
    of the selected profiles on the selected media)."""
    out = []
    for medium in Medium:
        for req in catalogue().values():
            if not req.required or not req.applies_to(medium):
                continue
            if lookup is not None and lookup.manifest is not None:
                if lookup.declares(req, medium):
                    out.append(verdict_key(req.id, medium))
            elif req.profile in profiles and medium in media:
                out.append(verdict_key(req.id, medium))
    return out


def is_requirement_id(text: str) -> bool:
    return bool(REQUIREMENT_TAG.match(text))


def selected_keys(selection: Selection) -> list[str]:
    """The verdict keys the selection runs: its requirements on each selected medium they apply to (a shard's:
    those of the scenarios it runs; the other shards run the rest)."""
    cat = catalogue()
    keys = [verdict_key(rid, m) for m in selection.media for rid in selected_ids(selection) if cat[rid].applies_to(m)]
    if selection.shard is None:
        return keys
    mine = {verdict_key(rid, p.medium) for p in selection.shard_scenarios() for rid in p.requirements}
    return [k for k in keys if k in mine]


def selected_ids(selection: Selection) -> list[str]:
    """The requirements whose scenarios the selection runs (profiles, -r, -k), in catalogue order."""
    wanted = {p.value for p in selection.profiles}
    ids: set[str] = set()
    for s in scenario_keys():
        if s.profile not in wanted:
            continue
        if selection.requirements and not set(selection.requirements) & set(s.requirements):
            continue
        if selection.keyword and not s.matches(selection.keyword):
            continue
        ids.update(r for r in s.requirements if not selection.requirements or r in selection.requirements)
    return [rid for rid in catalogue() if rid in ids]


# -- the collected scenarios -------------------------------------------------------------------------------
def scenario_of(item: pytest.Item) -> Any:
    """The pytest-bdd scenario an item runs (None for any other test)."""
    return scenario_of_function(getattr(item, "obj", None))


def scenario_of_function(function: Any) -> Any:
    return scenario_wrapper_template_registry.get(function) if function is not None else None


def item_requirements(item: pytest.Item) -> list[str]:
    return [m.args[0] for m in item.iter_markers("requirement") if m.args]


def item_profile(item: pytest.Item) -> str | None:
    marks = [m.args[0] for m in item.iter_markers("profile") if m.args]
    return marks[0] if marks else None


def item_medium(item: pytest.Item) -> Medium | None:
    """The medium a scenario item runs on (its `omni_medium` parameter); None for a scenario that applies to none
    of the selected media (pytest then holds an empty parameter set)."""
    callspec = getattr(item, "callspec", None)
    value = callspec.params.get("omni_medium", Medium.CHAT) if callspec is not None else Medium.CHAT
    try:
        return Medium(value)
    except ValueError:
        return None


def not_declared_reason(lookup: ManifestLookup, requirements: list[str], medium: str = "chat") -> str | None:
    """Why a scenario of these requirements is not run for this connector on that medium (None: it is declared)."""
    cat = catalogue()
    known = [cat[r] for r in requirements if r in cat]
    if lookup.manifest is None or not known or any(lookup.declares(r, medium) for r in known):
        return None
    m = lookup.manifest
    what = (f"{', '.join(r.id for r in known)} ({known[0].profile})" if medium in m.media
            else f"the {medium} medium")
    return (f"not declared: {what} is outside what {m.name} {m.version} declares "
            f"(profiles {', '.join(map(str, m.profiles))}; media {', '.join(m.media)})")


def select_items(items: list[pytest.Item], selection: Selection,
                 lookup: ManifestLookup) -> tuple[list[pytest.Item], list[pytest.Item]]:
    """(kept, deselected): the scenarios of the selected profiles and ids, labelled for the reports, run-alone
    ones first; those the connector does not declare are kept but skipped "not declared" before their fixtures
    (no lease, no step), so they are reported and never passed. pytest's own `-k` is applied after this."""
    wanted = {p.value for p in selection.profiles}
    only = set(selection.requirements)
    keep, drop = [], []
    for item in items:
        template = scenario_of(item)
        if template is None:
            keep.append(item)
            continue
        ids = item_requirements(item)
        profile = item_profile(item)
        medium = item_medium(item)
        if profile not in wanted or (only and not only & set(ids)) or medium is None or medium not in selection.media \
                or not selection.in_shard(template.name, str(medium)):
            drop.append(item)
            continue
        # `-k "PRES-1 or XFER-2"` selects by requirement id.
        item.extra_keyword_matches.update(ids)
        item.user_properties += [("requirements", ",".join(ids)), ("profile", profile or ""),
                                 ("scenario", template.name), ("feature", template.feature.name),
                                 ("medium", str(medium))]
        reason = not_declared_reason(lookup, ids, medium)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
            item.user_properties.append((NOT_DECLARED_PROPERTY, reason))
        keep.append(item)
    # Run-alone scenarios first: at the start nothing else is running yet, so they wait for nobody.
    keep.sort(key=lambda item: item.get_closest_marker("exclusive") is None)
    return keep, drop
