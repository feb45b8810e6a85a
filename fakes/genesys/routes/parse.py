"""Request parsing for the Genesys handlers: bodies checked against contracts/genesys, query parameters typed.

Bad input becomes the platform's own 400 body: `bad.request` for malformed JSON, wrong types and missing
fields (or the operation's documented code, from the schema's `x-missing` annotation), `invalid.value`
for a value outside an enum.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from jsonschema.exceptions import ValidationError, best_match

import contracts

from ..errors import GenesysError, bad_request, invalid_value

MALFORMED = "The request could not be understood by the server due to malformed syntax."
JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
              "object": "object", "array": "array", "null": "null"}


def _field(error: ValidationError, extra: str | None = None) -> str:
    parts = [str(p) for p in error.absolute_path]
    if extra:
        parts.append(extra)
    return ".".join(parts) or "body"


def _schema_error(error: ValidationError) -> GenesysError:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "enum":
        field_type = schema.get("x-field-type") or (str(error.absolute_path[-1]) if error.absolute_path else "value")
        return invalid_value(_field(error), error.instance, field_type, [str(v) for v in error.validator_value])
    if error.validator == "required":
        missing = next((name for name in error.validator_value
                        if isinstance(error.instance, dict) and name not in error.instance), "")
        special = (schema.get("x-missing") or {}).get(missing)
        if special:
            return GenesysError(400, special["code"], special["message"])
        # inferred: the platform's validation message for a missing field
        return bad_request(f"{_field(error, missing)} may not be null",
                           details=[{"errorCode": "field.required", "fieldName": _field(error, missing)}])
    if error.validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else JSON_TYPES.get(wanted, wanted)
        return bad_request(f"Unable to read the value of field [{_field(error)}]: expected {wanted}.",
                           details=[{"errorCode": "field.type", "fieldName": _field(error)}])
    return bad_request(f"Invalid value for field [{_field(error)}]: {error.message}",
                       details=[{"errorCode": "field.invalid", "fieldName": _field(error)}])


def json_body(schema: str, required: bool = True) -> Any:
    """The request's JSON body, valid against `contracts/genesys/<schema>.json`; None when absent and optional."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if not required:
            return None
        raise bad_request(MALFORMED)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(MALFORMED) from exc
    if body is None and not required:
        return None
    validate(schema, body)
    return body


def validate(schema: str, body: Any) -> None:
    errors = list(contracts.validator("genesys", schema).iter_errors(body))
    if errors:
        raise _schema_error(best_match(errors))


def int_arg(name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_request(f"Value [{raw}] is not valid for field [{name}]: expected an integer.") from exc
    if value < minimum or (maximum is not None and value > maximum):
        # inferred: the message for an out-of-range page parameter
        raise bad_request(f"The value of {name} must be between {minimum} and {maximum or 'unbounded'}.")
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
