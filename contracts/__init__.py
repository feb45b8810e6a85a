"""JSON Schemas (draft 2020-12) of every body on the wire, and the requirement catalogue.

Schemas live in `contracts/<platform>/<name>.json`, each with an `$id` of `<platform>/<name>.json`, so
schemas may `$ref` one another by relative file name (`"$ref": "error.json"`).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parent

__all__ = ["ROOT", "ValidationError", "load", "names", "registry", "validate", "validator"]


def names(platform: str) -> list[str]:
    """Schema names (file stems) of one platform."""
    return sorted(p.stem for p in (ROOT / platform).glob("*.json"))


@cache
def registry() -> Registry:
    resources = []
    for path in ROOT.glob("*/*.json"):
        schema = json.loads(path.read_text())
        uri = schema.get("$id") or f"{path.parent.name}/{path.name}"
        resources.append((uri, Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@cache
def load(platform: str, name: str) -> dict[str, Any]:
    path = ROOT / platform / f"{name}.json"
    if not path.exists():
        raise KeyError(f"no schema {platform}/{name}.json")
    return json.loads(path.read_text())


@cache
def validator(platform: str, name: str) -> Draft202012Validator:
    return Draft202012Validator(load(platform, name), registry=registry())


def validate(platform: str, name: str, instance: Any) -> None:
    """Raise `ValidationError` (with the best-matching error) when `instance` does not fit."""
    v = validator(platform, name)
    errors = sorted(v.iter_errors(instance), key=lambda e: e.path)
    if errors:
        from jsonschema.exceptions import best_match

        raise best_match(errors)
