"""The negative controls' manifests (`connector.yaml` beside each broken connector), read without importing them."""

from __future__ import annotations

import re
import shlex
import sys
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

    @property
    def must_catch(self) -> set[str]:
        """The declared requirements the suite, as it is, must fail every time."""
        return set(self.must_fail) - set(self.suite_gaps)

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
    strays = sorted(set(gaps) - set(must_fail))
    if strays:
        raise ManifestError(f"{path}: `suiteGaps` names {strays}, which `mustFail` does not declare")
    return BrokenManifest(path.parent.name, data["name"], str(data["version"]), data["command"],
                          _strings(data, "profiles", path), _strings(data, "media", path), data["defect"].strip(),
                          must_fail, path, {str(k): " ".join(v.split()) for k, v in gaps.items()})


def discover(root: Path = HERE) -> list[BrokenManifest]:
    """Every broken connector under `root`, by package name."""
    return [load(p) for p in sorted(root.glob(f"*/{MANIFEST}"))]
