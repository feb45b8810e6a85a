"""Salesforce record ids: the console passes 15 characters, REST 18; the connector keys everything by 18."""

from __future__ import annotations

_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def sf_id18(value: str | None) -> str | None:
    """The 18-character form of a Salesforce id (unchanged when it is already 18 or not an id)."""
    if not value or not isinstance(value, str):
        return value
    if len(value) != 15 or not value.isalnum():
        return value
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(value[chunk * 5:chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += _SUFFIX[bits]
    return value + suffix


def same_sf_id(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return (sf_id18(a) or "")[:15] == (sf_id18(b) or "")[:15]
