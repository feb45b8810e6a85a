"""The negative controls' manifests (`connector.yaml` beside each broken connector), read without importing them."""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
MANIFEST = "connector.yaml"
REQUIREMENT_ID = re.compile(r"^[A-Z]+-\d+$")
# `omni-harness certify --profile` that runs every profile a manifest declares (each profile includes the ones before).
PROFILE_RUN = (("resilience", "all"), ("scale", "all"), ("extended", "extended"), ("core", "core"))


class ManifestError(ValueError):
    """A connector.yaml that is missing a field or says something impossible; the message names the file."""


@dataclass(frozen=True)
class BrokenManifest:
    package: str  # folder name under connectors/broken/
    name: str
    version: str
    command: str
    profiles: tuple[str, ...]
    media: tuple[str, ...]
    defect: str
    must_fail: tuple[str, ...]
    path: Path
    # Declared requirements the suite does not fail reliably yet (a gap in the suite), with the reason: the
    # self-test accepts either verdict for them until the suite is fixed.
    suite_gaps: dict[str, str] = field(default_factory=dict)
    # `mustFailByMedium`: what it must fail on one medium when that differs from `mustFail` (a defect of one
    # medium's path: the chat create call, the inbound open message).
    must_fail_by_medium: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def must_fail_on(self, medium: str) -> tuple[str, ...]:
        return self.must_fail_by_medium.get(medium, self.must_fail)

    def must_fail_keys(self, applies: Callable[[str, str], bool]) -> set[str]:
        """Every declared failure as a verdict key (`END-3 [messaging]`), on each medium it declares and where the
        requirement applies (`applies(id, medium)`, from the catalogue)."""
        return {f"{rid} [{medium}]" for medium in self.media for rid in self.must_fail_on(medium)
                if applies(rid, medium)}

    def gap(self, key: str) -> bool:
        """A declared failure the suite does not catch reliably yet (`suiteGaps` names its requirement id)."""
        return key.split(" [", 1)[0] in self.suite_gaps

    @property
    def certify_profile(self) -> str:
        """The `--profile` of `omni-harness certify` that covers every profile the connector declares."""
        for declared, run in PROFILE_RUN:
            if declared in self.profiles:
                return run
        return "core"

    def argv(self, python: str | None = None) -> list[str]:
        """The command as an argument list; a leading `python` becomes this interpreter (or `python`)."""
        args = shlex.split(self.command)
        if args and args[0] in ("python", "python3"):
            args[0] = python or sys.executable
        return args

    def command_line(self, python: str | None = None) -> str:
        return shlex.join(self.argv(python))


def _strings(data: dict, key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ManifestError(f"{path}: `{key}` must be a non-empty list of strings, not {value!r}")
    return tuple(value)


def load(path: Path) -> BrokenManifest:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a mapping of fields")
    if isinstance(data.get("version"), int | float):
        data["version"] = str(data["version"])  # `version: 1` is a number in YAML
    for key in ("name", "version", "command", "defect"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ManifestError(f"{path}: `{key}` is missing or empty")
    must_fail = _strings(data, "mustFail", path)
    bad = [r for r in must_fail if not REQUIREMENT_ID.match(r)]
    if bad:
        raise ManifestError(f"{path}: `mustFail` holds {bad}, which are not requirement ids (like END-1)")
    if len(set(must_fail)) != len(must_fail):
        raise ManifestError(f"{path}: `mustFail` lists a requirement twice")
    gaps = data.get("suiteGaps") or {}
    if not isinstance(gaps, dict) or not all(isinstance(v, str) and v.strip() for v in gaps.values()):
        raise ManifestError(f"{path}: `suiteGaps` must map requirement ids to the reason the suite misses them")
    by_medium_data = data.get("mustFailByMedium") or {}
    if not isinstance(by_medium_data, dict):
        raise ManifestError(f"{path}: `mustFailByMedium` must map a medium to the requirement ids it must fail there")
    media = _strings(data, "media", path)
    by_medium: dict[str, tuple[str, ...]] = {}
    for medium, ids in by_medium_data.items():
        if medium not in media:
            raise ManifestError(f"{path}: `mustFailByMedium` names {medium!r}, which `media` does not declare")
        ids = [ids] if isinstance(ids, str) else ids
        if not isinstance(ids, list) or not all(isinstance(r, str) and REQUIREMENT_ID.match(r) for r in ids):
            raise ManifestError(f"{path}: `mustFailByMedium.{medium}` must be a list of requirement ids")
        by_medium[str(medium)] = tuple(ids)
    every = set(must_fail).union(*by_medium.values()) if by_medium else set(must_fail)
    strays = sorted(set(gaps) - every)
    if strays:
        raise ManifestError(f"{path}: `suiteGaps` names {strays}, which `mustFail` does not declare")
    return BrokenManifest(path.parent.name, data["name"], str(data["version"]), data["command"],
                          _strings(data, "profiles", path), media, data["defect"].strip(),
                          must_fail, path, {str(k): " ".join(v.split()) for k, v in gaps.items()}, by_medium)


def discover(root: Path = HERE) -> list[BrokenManifest]:
    """Every broken connector under `root`, by package name."""
    return [load(p) for p in sorted(root.glob(f"*/{MANIFEST}"))]
