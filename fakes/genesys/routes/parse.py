"""Request parsing for the Genesys handlers: the bearer token, bodies checked against contracts/genesys, query
parameters typed.

Bad input becomes the platform's own 400 body: `bad.request` for malformed JSON, wrong types and missing
fields (or the operation's documented code, from the schema's `x-missing` annotation), `invalid.value`
for a value outside an enum.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import g, request
from jsonschema.exceptions import best_match

from omni_harness import contracts

from ..errors import invalid_body, invalid_value, malformed, not_an_integer, out_of_range

if TYPE_CHECKING:
    from ..model.fake import GenesysFake
    from ..model.tokens import Principal


def authenticate(fake: GenesysFake) -> Principal:
    """The principal of the request's bearer token (401 otherwise); it becomes the journal's actor."""
    principal = fake.oauth.authenticate(request.headers.get("Authorization"))
    g.actor = principal.owner
    return principal


def authorize(fake: GenesysFake, principal: Principal, permissions: tuple[str, ...], own: Iterable[str | None] = (),
              any_of: bool = False) -> None:
    """403 the platform's way unless the token may make the call: the integration's client-credentials token, an
    admin user, or a user whose id is among `own` (the users the call concerns)."""
    with fake.lock:
        fake.users.authorize(principal, permissions, own, any_of)


def json_body(schema: str, required: bool = True) -> Any:
    """The request's JSON body, valid against `contracts/genesys/<schema>.json`; None when absent and optional."""
    body = optional_json()
    if body is None and not required:
        return None
    if body is None and not request.get_data(cache=True).strip():
        raise malformed()
    validate(schema, body)
    return body


def optional_json() -> Any:
    """Any well-formed JSON body, or None when there is none."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    try:
        return strict_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise malformed() from exc


def strict_json(raw: bytes) -> Any:
    """JSON as the platform reads it: no `NaN`/`Infinity` and no number a double cannot hold (ValueError)."""
    return json.loads(raw, parse_constant=_not_json, parse_float=_finite)


def _not_json(token: str) -> Any:
    """`NaN`, `Infinity` and `-Infinity` are no JSON; Python's reader takes them, the platform's parser does not."""
    raise ValueError(f"non-standard token {token}")


def _finite(text: str) -> float:
    """A number too large for a double (`1e309`) would be stored as infinity and sent back as invalid JSON."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text}")
    return value


def validate(schema: str, body: Any) -> None:
    errors = list(contracts.validator("genesys", schema).iter_errors(body))
    if errors:
        raise invalid_body(best_match(errors))


def int_arg(name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise not_an_integer(name, raw) from exc
    if value < minimum or (maximum is not None and value > maximum):
        raise out_of_range(name, minimum, maximum)
    return value


def bool_arg(name: str, default: bool | None = False) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise invalid_value(name, raw, "boolean", ["true", "false"])
    return lowered == "true"


def list_arg(name: str) -> list[str]:
    """Repeated (`id=a&id=b`) or comma-separated values."""
    out: list[str] = []
    for raw in request.args.getlist(name):
        out += [v for v in raw.split(",") if v]
    return out


def enum_list_arg(name: str, field_type: str, allowed: list[str]) -> list[str]:
    values = list_arg(name)
    for value in values:
        if value not in allowed:
            raise invalid_value(name, value, field_type, allowed)
    return values


def enum_arg(name: str, field_type: str, allowed: list[str], default: str | None = None) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in allowed:
        raise invalid_value(name, raw, field_type, allowed)
    return raw


def paging(max_size: int = 500, default_size: int = 25) -> tuple[int, int]:
    return int_arg("pageNumber", 1), int_arg("pageSize", default_size, 1, max_size)
