"""The connector manifest (`connector.yaml`): what a connector declares it supports, found beside the connector.

    name: acme-omni-connector
    version: 2.3.0
    command: python -m acme.connector      # how to start it (used when certify gets no --connector)
    profiles: [core, extended]            # the requirement profiles it claims: core, extended, resilience, scale
    media: [chat]                         # the media it bridges

A capability declaration in the style of the CSI sanity and OCI conformance profiles: requirements outside
what the connector declares are reported "not declared", are not run, never pass, and do not count against
it. Other keys (a negative control's `mustFail`, `defect`, `suiteGaps`) are allowed and kept as they are.

Where it is looked for, when certify is not given `--manifest PATH`: beside the connector command, i.e. in
the package folder of `python -m pkg.module` (or the folder of the module file), or in the folder of the
script the command runs (`node ./conn/index.js` -> `./conn/connector.yaml`).
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .connector import parse_command
from .requirements import Profile, Requirement

MANIFEST_FILE = "connector.yaml"
KNOWN_MEDIA = ("chat", "messaging")
INTERPRETERS = ("python", "python3", "node", "ruby", "perl", "php", "bash", "sh", "java", "deno", "bun")


class ManifestError(ValueError):
    """A connector.yaml that cannot be read or says something impossible; the message names the file."""


class ManifestOrigin(StrEnum):
    GIVEN = "given"  # --manifest PATH
    FOUND = "found"  # beside the connector
    MISSING = "missing"  # none found: everything selected is certified, name and version unknown


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    command: str
    profiles: tuple[Profile, ...]
    media: tuple[str, ...]
    path: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def declares(self, requirement: Requirement, medium: str = "chat") -> bool:
        """Whether it claims the requirement on that medium: its profile and the medium are declared."""
        return requirement.profile in self.profiles and medium in self.media

    def argv(self) -> list[str]:
        """The command as an argument list; a leading `python` is this interpreter (as the bundled connectors
        are started)."""
        args = shlex.split(self.command)
        if args and args[0] in ("python", "python3"):
            args[0] = sys.executable
        return args

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "command": self.command,
                "profiles": [str(p) for p in self.profiles], "media": list(self.media), "path": str(self.path)}


@dataclass(frozen=True)
class ManifestLookup:
    """The manifest of a run, where it came from, and where it was looked for."""

    origin: ManifestOrigin
    manifest: Manifest | None = None
    searched: tuple[str, ...] = ()

    def declares(self, requirement: Requirement, medium: str = "chat") -> bool:
        # Without a manifest nothing is known to be undeclared: certify what was asked.
        return self.manifest is None or self.manifest.declares(requirement, medium)

    @property
    def note(self) -> str:
        if self.manifest is not None:
            m = self.manifest
            return (f"{m.name} {m.version} declares profiles {', '.join(map(str, m.profiles))} and media "
                    f"{', '.join(m.media)} ({m.path})")
        where = ", ".join(self.searched) or "the connector command names no module or script"
        return (f"No {MANIFEST_FILE} beside the connector (looked for {where}): its name and version are unknown, "
                "and every selected requirement was certified. Add one, or pass --manifest PATH.")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"origin": str(self.origin), "searched": list(self.searched)}
        if self.manifest is not None:
            out.update(self.manifest.to_json())
        return out


def _strings(data: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ManifestError(f"{path}: `{key}` must be a non-empty list of strings, not {value!r}")
    return tuple(v.strip() for v in value)


def load(path: str | Path) -> Manifest:
    path = Path(path)
    try:
        import yaml

        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the connector manifest: {exc}") from exc
    except Exception as exc:  # yaml.YAMLError, with its line and column
        raise ManifestError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a mapping of fields (name, version, command, profiles, media)")
    if isinstance(data.get("version"), int | float):
        data["version"] = str(data["version"])  # `version: 1` is a number in YAML
    for key in ("name", "version"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ManifestError(f"{path}: `{key}` is missing or empty")
    command = data.get("command", "")
    if not isinstance(command, str):
        raise ManifestError(f"{path}: `command` must be a string")
    profiles = []
    for value in _strings(data, "profiles", path):
        try:
            profiles.append(Profile(value.lower()))
        except ValueError:
            raise ManifestError(f"{path}: unknown profile {value!r} in `profiles`; the profiles are "
                                f"{', '.join(p.value for p in Profile)}") from None
    media = tuple(m.lower() for m in _strings(data, "media", path))
    unknown = [m for m in media if m not in KNOWN_MEDIA]
    if unknown:
        raise ManifestError(f"{path}: unknown media {unknown} in `media`; the media are {', '.join(KNOWN_MEDIA)}")
    extra = {k: v for k, v in data.items() if k not in ("name", "version", "command", "profiles", "media")}
    return Manifest(data["name"].strip(), data["version"].strip(), command.strip(), tuple(dict.fromkeys(profiles)),
                    media, path.resolve(), extra)


PACKAGE = "omni_harness"  # the installed import name of this project's folders


def _module_folder(module: str, search: list[str]) -> Path | None:
    """The folder of `module` (a package's own folder, or a module file's folder), found without importing any of
    it: on `search`, then through the import system's finders for its top-level package (an editable install)."""
    parts = module.split(".")
    roots = [Path(entry or ".") for entry in search]
    try:
        spec = importlib.util.find_spec(parts[0])  # a top-level name: found, not imported
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        roots += [Path(loc).parent for loc in spec.submodule_search_locations]
    elif spec is not None and spec.origin and spec.origin not in ("built-in", "frozen") and len(parts) == 1:
        return Path(spec.origin).parent
    candidates = [(root, parts) for root in roots]
    if parts[0] == PACKAGE and len(parts) > 2:
        # Our own namespace package: its folders are mapped (setup.py), so the path does not spell the module. Its
        # second-level package is ours to import; the rest is found below it as for any module.
        try:
            own = importlib.util.find_spec(".".join(parts[:2]))
        except (ImportError, ValueError):
            own = None
        if own is not None and own.submodule_search_locations:
            candidates += [(Path(loc), parts[2:]) for loc in own.submodule_search_locations]
    for root, rest in candidates:
        base = root.joinpath(*rest)
        if (base / "__init__.py").is_file() or (base / "__main__.py").is_file():
            return base
        if base.with_suffix(".py").is_file():
            return base.parent
    return None


def _is_interpreter(arg: str) -> bool:
    name = Path(arg).name.lower()
    return any(name == i or name.startswith(i + ".") or (name.startswith(i) and name[len(i):].replace(".", "").isdigit())
               for i in INTERPRETERS)


def candidate_folders(argv: list[str], cwd: str | Path | None = None) -> list[Path]:
    """Folders beside the connector a command starts, most specific first."""
    cwd = Path(cwd or os.getcwd())
    out: list[Path] = []
    if "-m" in argv[:-1]:
        module = argv[argv.index("-m") + 1]
        folder = _module_folder(module, [str(cwd), *sys.path])
        if folder is not None:
            out.append(folder)
    else:
        for index, arg in enumerate(argv[:3]):
            if arg.startswith("-") or (index == 0 and _is_interpreter(arg)):
                continue
            path = Path(arg) if Path(arg).is_absolute() else cwd / arg
            if path.is_file():
                out.append(path.parent)
                break
            if path.is_dir():  # `python ./conn` (a folder with __main__.py), `node ./conn`
                out.append(path)
                break
    return list(dict.fromkeys(p.resolve() for p in out))


def find(argv: list[str], cwd: str | Path | None = None) -> ManifestLookup:
    """The manifest beside the connector a command starts, or where it was looked for."""
    folders = candidate_folders(argv, cwd)
    for folder in folders:
        path = folder / MANIFEST_FILE
        if path.is_file():
            return ManifestLookup(ManifestOrigin.FOUND, load(path), (str(path),))
    return ManifestLookup(ManifestOrigin.MISSING, None, tuple(str(f / MANIFEST_FILE) for f in folders))


def resolve(argv: list[str], given: str | Path | None = None, cwd: str | Path | None = None) -> ManifestLookup:
    """`--manifest PATH` when given (it must exist and be valid), else the one beside the connector."""
    if given:
        return ManifestLookup(ManifestOrigin.GIVEN, load(given), (str(Path(given).resolve()),))
    return find(argv, cwd)


def connector_argv(explicit: str | list[str] | None, lookup: ManifestLookup) -> list[str]:
    """The command that starts the connector: `--connector`, else the command of a manifest given with
    `--manifest`, else the bundled reference connector."""
    if explicit:
        return parse_command(explicit)
    if lookup.origin is ManifestOrigin.GIVEN and lookup.manifest is not None and lookup.manifest.command:
        return lookup.manifest.argv()
    return parse_command(None)
