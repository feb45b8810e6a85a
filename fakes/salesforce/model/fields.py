"""Field-level rules for create and update bodies: names, writability, types, required fields, picklists, references."""

from __future__ import annotations

import math
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
from .store import RecordStore, normalize_id

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID_SHAPE = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")


# An int field holds a 32-bit signed integer (the platform's deserializer refuses what does not fit).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def parse_utc_datetime(value: str) -> datetime | None:
    """An ISO-8601 datetime as Salesforce accepts it (`Z`, `+0000`, `+00:00`, no zone = UTC), shifted to UTC;
    None when unreadable or when the UTC instant falls outside years 1-9999 (`0001-01-01T00:00:00+0100`)."""
    text = value.strip()
    if re.fullmatch(r".*[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    text = text.replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # the offset moves it before year 1 or after year 9999
        return None


def parse_datetime(value: str) -> float | None:
    """Epoch seconds of an ISO-8601 datetime as Salesforce accepts it, None when it is not one (see above)."""
    parsed = parse_utc_datetime(value)
    return None if parsed is None else parsed.timestamp()


def utc_text(parsed: datetime) -> str:
    """REST datetime text of a UTC datetime (`yyyy-MM-ddTHH:mm:ss.SSS+0000`), years 1-9999 included."""
    return f"{parsed.year:04d}-{parsed:%m-%dT%H:%M:%S}.{parsed.microsecond // 1000:03d}+0000"


def _number(f: Field, value: Any) -> float:
    """A DOUBLE or PERCENT value: a finite JSON number or numeric text, within the field's precision."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise parser_error("double", value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise parser_error("double", value) from None
        if not math.isfinite(number) and not re.fullmatch(r"\s*[-+]?\d[\d.]*([eE][-+]?\d+)?\s*", value):
            # inferred: "NaN" / "Infinity" as text; Salesforce keeps no non-finite number in a field
            raise parser_error("double", value)
    else:
        number = float(value)
    digits = f.precision - f.scale
    if not math.isfinite(number) or abs(number) >= 10**digits:
        # inferred: a JSON number too large for a double (1e309) reaches the field as Infinity and is refused
        # like any value beyond the field's precision
        raise SalesforceError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                              f"{f.label}: value outside of valid range on numeric field: {value}", [f.name])
    return number


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
        number: int | None = None
        if isinstance(value, bool):
            pass  # true / false are no numbers
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():  # NaN and Infinity are not
            number = int(value)
        elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            number = int(value)
        if number is None or not INT_MIN <= number <= INT_MAX:
            raise parser_error("int", value)
        return number
    if f.type in (DOUBLE, PERCENT):
        amount = _number(f, value)
        if f.type == PERCENT and not 0 <= amount <= 100:
            raise SalesforceError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                                  f"{f.label}: value outside of valid range on numeric field: {value}", [f.name])
        return amount
    if f.type == DATETIME:
        # An instant outside years 1-9999 once in UTC is no datetime the platform reads (JSON_PARSER_ERROR).
        parsed = parse_utc_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            raise parser_error("datetime", value)
        return utc_text(parsed)
    if f.type == DATE:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()[:10]):
            raise parser_error("date", value)
        try:
            return date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:  # year 0000, month 13, ...
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
