"""Field-level rules for create and update bodies: names, writability, types, required fields, picklists, references."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from ..errors import SalesforceError, parser_error
from .schema import (
    BOOLEAN,
    DATE,
    DATETIME,
    DOUBLE,
    EMAIL,
    INT,
    PERCENT,
    PICKLIST,
    REFERENCE,
    Field,
    SObjectType,
)
from .store import RecordStore, normalize_id, sf_datetime

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID_SHAPE = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")


def parse_datetime(value: str) -> float | None:
    """Epoch seconds of an ISO-8601 datetime as Salesforce accepts it (`Z`, `+0000`, `+00:00`, no zone = UTC)."""
    text = value.strip()
    if re.fullmatch(r".*[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    text = text.replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def coerce(f: Field, value: Any, store: RecordStore) -> Any:
    """The stored form of `value` for field `f`, or the platform's error for it."""
    if value is None:
        if not f.nillable:
            raise SalesforceError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{f.name}]", [f.name])
        return None
    if f.type == BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise parser_error("boolean", value)
    if f.type == INT:
        if isinstance(value, bool):
            raise parser_error("int", value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise parser_error("int", value)
    if f.type in (DOUBLE, PERCENT):
        if isinstance(value, bool):
            raise parser_error("double", value)
        if isinstance(value, (int, float)):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                raise parser_error("double", value) from None
        else:
            raise parser_error("double", value)
        if f.type == PERCENT and not 0 <= number <= 100:
            raise SalesforceError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                                  f"{f.label}: value outside of valid range on numeric field: {value}", [f.name])
        return number
    if f.type == DATETIME:
        ts = parse_datetime(value) if isinstance(value, str) else None
        if ts is None:
            raise parser_error("datetime", value)
        return sf_datetime(ts)
    if f.type == DATE:
        if not isinstance(value, str):
            raise parser_error("date", value)
        try:
            return date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            raise parser_error("date", value) from None
    if isinstance(value, (list, dict)):
        raise parser_error("String", value)
    text = value if isinstance(value, str) else (str(value).lower() if isinstance(value, bool) else str(value))
    if f.type == REFERENCE:
        return _reference(f, text, store)
    if f.type == PICKLIST:
        if f.restricted_picklist and text not in f.picklist_values:
            raise SalesforceError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                  f"{f.label}: bad value for restricted picklist field: {text}", [f.name])
        return text
    if f.type == EMAIL and text and not _EMAIL_RE.match(text):
        raise SalesforceError(400, "INVALID_EMAIL_ADDRESS", f"{f.label}: invalid email address: {text}", [f.name])
    limit = f.describe()["length"]
    if limit and len(text) > limit:
        raise SalesforceError(400, "STRING_TOO_LONG", f"{f.label}: data value too large: {text} (max length={limit})",
                              [f.name])
    return text


def _reference(f: Field, text: str, store: RecordStore) -> str:
    # inferred messages: the platform's "<label>: id value of incorrect type" family.
    if not _ID_SHAPE.match(text):
        raise SalesforceError(400, "MALFORMED_ID", f"{f.label}: id value of incorrect type: {text}", [f.name])
    id18 = normalize_id(text)
    if id18 is None:
        raise SalesforceError(400, "MALFORMED_ID", f"{f.label}: id value of incorrect type: {text}", [f.name])
    sobject = store.prefixes.get(id18[:3])
    if sobject not in f.reference_to:
        raise SalesforceError(400, "FIELD_INTEGRITY_EXCEPTION", f"{f.label}: id value of incorrect type: {text}",
                              [f.name])
    if store.get(id18) is None:
        raise SalesforceError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f.name])
    return id18


def validate_body(otype: SObjectType, body: Any, store: RecordStore, creating: bool) -> dict[str, Any]:
    """Canonical field name -> stored value for a create (all required present) or update body."""
    if not isinstance(body, dict):
        raise parser_error(otype.name, body)
    values: dict[str, Any] = {}
    not_writable: list[str] = []
    for key, value in body.items():
        if key == "attributes":
            continue
        f = otype.field(key)
        if f is None:
            raise SalesforceError(400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {otype.name}")
        if f.name == "Id":
            raise SalesforceError(400, "INVALID_FIELD", "The Id field should not be specified in the sobject data.")
        if not (f.createable if creating else f.updateable):
            not_writable.append(f.name)
            continue
        values[f.name] = value
    if not_writable:
        names = ", ".join(not_writable)
        raise SalesforceError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                              f"Unable to create/update fields: {names}. Please check the security settings of this "
                              f"field and verify that it is read/write for your profile or permission set.",
                              not_writable)
    out: dict[str, Any] = {}
    for name, value in values.items():
        out[name] = coerce(otype.fields[name], value, store)
    if creating:
        missing = [f.name for f in otype.fields.values() if f.required and out.get(f.name) is None]
        if missing:
            raise SalesforceError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]",
                                  missing)
    return out


def check_unique(otype: SObjectType, values: dict[str, Any], store: RecordStore, record_id: str | None = None) -> None:
    for f in otype.fields.values():
        if not f.unique or values.get(f.name) is None:
            continue
        wanted = str(values[f.name]).lower()
        for other in store.all(otype.name):
            if other["Id"] != record_id and str(other.get(f.name) or "").lower() == wanted:
                if otype.name == "User" and f.name == "Username":
                    raise SalesforceError(400, "DUPLICATE_USERNAME",
                                          "Duplicate Username.<br>The username already exists in this or another "
                                          "Salesforce organization. Usernames must be unique across all Salesforce "
                                          "organizations. To resolve, use a different username (it doesn't need to "
                                          "match the user's email address). ", ["Username"])
                raise SalesforceError(400, "DUPLICATE_VALUE",
                                      f"duplicate value found: {f.name} duplicates value on record with id: "
                                      f"{other['Id']}", [f.name])
