"""The requirement catalogue (DESIGN §4.4), read from `contracts/requirements.yaml`, its only source.

The catalogue lists every requirement (id, profile, statement, source in the seed article, whether it is required
for certification) and maps the seed article, passage by passage, to the requirements that encode it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

REQUIREMENT_TAG = re.compile(r"^[A-Z]+-\d+$")
# Tags a scenario may carry besides its requirement ids and its profile.
FLAG_TAGS = {"exclusive": "runs alone: it moves the shared clock or changes the whole world",
             "webchat": "uses the one Genesys Web Chat Queue"}
EXPECTED = "expected"  # the source of a requirement users expect but the article does not document
CATALOGUE_FILE = "requirements.yaml"
LIST_NUMBER = re.compile(r"^\s*\d+\.\s+", re.MULTILINE)


class Profile(StrEnum):
    CORE = "core"
    EXTENDED = "extended"
    RESILIENCE = "resilience"
    SCALE = "scale"


class PassageKind(StrEnum):
    TITLE = "title"
    SCOPE = "scope"
    PARAGRAPH = "paragraph"
    STEP = "step"
    NOTE = "note"
    CAPTION = "caption"
    HEADING = "heading"
    REFERENCE = "reference"


# Passages that may state no behaviour (they must say why); every other kind must map to a requirement.
INFORMATIVE_KINDS = frozenset({PassageKind.TITLE, PassageKind.SCOPE, PassageKind.HEADING, PassageKind.REFERENCE})

# What `--profile` selects: each profile includes the ones before it.
PROFILE_SELECTION: dict[str, tuple[Profile, ...]] = {
    "core": (Profile.CORE,),
    "extended": (Profile.CORE, Profile.EXTENDED),
    "all": (Profile.CORE, Profile.EXTENDED, Profile.RESILIENCE, Profile.SCALE),
}


class CatalogueError(ValueError):
    """contracts/requirements.yaml is missing or malformed; the message names the file and the entry."""


GUARANTEE_PLATFORM = "platform"
MEDIA = ("chat", "messaging")  # every medium the catalogue knows, in report order


@dataclass(frozen=True)
class Requirement:
    id: str
    profile: Profile
    statement: str
    source: str
    quote: str = ""
    required: bool = True
    reason: str = ""  # why a requirement is not required for certification
    # "platform": the platforms alone satisfy it and no connector mistake breaks it on its own, so no negative
    # control can target it (its scenario still runs); `guarantee_reason` says why.
    guarantee: str = ""
    guarantee_reason: str = ""
    # The media it applies to (DESIGN §4.7; both unless the catalogue says otherwise) and, when not both, why.
    media: tuple[str, ...] = MEDIA
    media_reason: str = ""

    def applies_to(self, medium: str) -> bool:
        return medium in self.media

    @property
    def sources(self) -> list[str]:
        """The article passages it encodes (empty for an expected, undocumented behaviour)."""
        if self.source.strip() == EXPECTED:
            return []
        return [s.strip() for s in self.source.split(",") if s.strip()]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "profile": str(self.profile), "statement": self.statement,
                               "source": self.source, "required": self.required}
        if self.quote:
            out["quote"] = self.quote
        if self.reason:
            out["reason"] = self.reason
        if self.guarantee:
            out["guarantee"] = self.guarantee
            out["guaranteeReason"] = self.guarantee_reason
        out["media"] = list(self.media)
        if self.media_reason:
            out["mediaReason"] = self.media_reason
        return out


@dataclass(frozen=True)
class Passage:
    """One passage of the seed article: a step, a note, a paragraph, a caption, a heading..."""

    id: str
    kind: PassageKind
    text: str
    requirements: tuple[str, ...] = ()
    informative: str = ""  # why it maps to no requirement (title, heading, scope, reference only)


@dataclass(frozen=True)
class Article:
    title: str
    passages: tuple[Passage, ...]
    words_sha256: str = ""

    def passage(self, pid: str) -> Passage | None:
        return next((p for p in self.passages if p.id == pid), None)


@dataclass(frozen=True)
class Catalogue:
    requirements: dict[str, Requirement]
    article: Article
    path: Path | None = None
    profiles: dict[str, str] = field(default_factory=dict)


def catalogue_path() -> Path:
    from omni_harness import contracts

    return Path(contracts.ROOT) / CATALOGUE_FILE


def words(text: str) -> str:
    """The words of a text in order: list numbers dropped, whitespace collapsed (to compare passages with the article)."""
    return " ".join(LIST_NUMBER.sub("", text).split())


def words_sha256(text: str) -> str:
    return hashlib.sha256(words(text).encode()).hexdigest()


def _text(item: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = item.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: `{key}` must be a non-empty string, not {value!r}")
    return " ".join(value.split())


def _requirement(item: Any, where: str) -> Requirement:
    if not isinstance(item, dict):
        raise CatalogueError(f"{where}: expected a mapping, not {item!r}")
    rid = _text(item, "id", where)
    where = f"{where} ({rid})"
    if not REQUIREMENT_TAG.match(rid):
        raise CatalogueError(f"{where}: `id` must be upper-case letters, a dash and a number")
    try:
        profile = Profile(str(item.get("profile", "")).lower())
    except ValueError:
        raise CatalogueError(f"{where}: `profile` must be one of {', '.join(p.value for p in Profile)}") from None
    required = item.get("required")
    if not isinstance(required, bool):
        raise CatalogueError(f"{where}: `required` must be true or false")
    reason = _text(item, "reason", where, required=not required)
    guarantee = _text(item, "guarantee", where, required=False)
    if guarantee not in ("", GUARANTEE_PLATFORM):
        raise CatalogueError(f"{where}: `guarantee` can only be `{GUARANTEE_PLATFORM}`")
    guarantee_reason = _text(item, "guaranteeReason", where, required=bool(guarantee))
    media = item.get("media", list(MEDIA))
    if not isinstance(media, list) or not media or any(m not in MEDIA for m in media):
        raise CatalogueError(f"{where}: `media` must be a non-empty list of {', '.join(MEDIA)}")
    media_reason = _text(item, "mediaReason", where, required=set(media) != set(MEDIA))
    return Requirement(rid, profile, _text(item, "statement", where), _text(item, "source", where),
                       _text(item, "quote", where, required=False), required, reason, guarantee, guarantee_reason,
                       tuple(m for m in MEDIA if m in media), media_reason)


def _passage(item: Any, where: str) -> Passage:
    if not isinstance(item, dict):
        raise CatalogueError(f"{where}: expected a mapping, not {item!r}")
    pid = _text(item, "id", where)
    where = f"{where} ({pid})"
    try:
        kind = PassageKind(str(item.get("kind", "")))
    except ValueError:
        raise CatalogueError(f"{where}: `kind` must be one of {', '.join(k.value for k in PassageKind)}") from None
    ids = item.get("requirements") or []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise CatalogueError(f"{where}: `requirements` must be a list of requirement ids")
    return Passage(pid, kind, _text(item, "text", where), tuple(ids),
                   _text(item, "informative", where, required=False))


def load_catalogue(path: str | Path) -> Catalogue:
    """Reads and checks the shape of a catalogue file (the cross-checks are `omni_harness.harness.traceability`'s)."""
    path = Path(path)
    try:
        import yaml

        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the requirement catalogue: {exc}") from exc
    except Exception as exc:  # yaml.YAMLError, with its line and column
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
        raise CatalogueError(f"{path}: expected a mapping with a `requirements` list")
    requirements: dict[str, Requirement] = {}
    for index, item in enumerate(data["requirements"]):
        req = _requirement(item, f"{path}: requirements[{index}]")
        if req.id in requirements:
            raise CatalogueError(f"{path}: requirement {req.id} is listed twice")
        requirements[req.id] = req
    article = data.get("article") or {}
    if not isinstance(article, dict) or not isinstance(article.get("passages"), list):
        raise CatalogueError(f"{path}: expected an `article` with a `passages` list (the seed article's map)")
    passages = tuple(_passage(p, f"{path}: article.passages[{i}]") for i, p in enumerate(article["passages"]))
    seen: set[str] = set()
    for p in passages:
        if p.id in seen:
            raise CatalogueError(f"{path}: passage {p.id!r} is listed twice")
        seen.add(p.id)
    profiles = data.get("profiles") or {}
    return Catalogue(requirements, Article(str(article.get("title", "")), passages,
                                           str(article.get("wordsSha256", ""))), path,
                     {str(k): str(v) for k, v in profiles.items()} if isinstance(profiles, dict) else {})


@cache
def load() -> Catalogue:
    """The catalogue shipped in `contracts/requirements.yaml` (read once)."""
    return load_catalogue(catalogue_path())


def catalogue() -> dict[str, Requirement]:
    """Requirement by id, in catalogue order."""
    return load().requirements


def article() -> Article:
    return load().article


def selected_profiles(profile: str) -> tuple[Profile, ...]:
    if profile not in PROFILE_SELECTION:
        raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILE_SELECTION)}")
    return PROFILE_SELECTION[profile]
