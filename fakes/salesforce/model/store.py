"""The record store: every sObject record by id (deleted ones kept for queryAll), and the change transactions.

Every create/update/delete/undelete goes through a `Transaction`, which stamps the system fields and
appends exactly one `sobject.change` journal event per record change; the changes of one operation
share a `transactionKey`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from omni_harness.fakes.core.ids import sf_to18

from .schema import SObjectType, prefix_index

EVENT_TYPE = "sobject.change"


class ChangeType(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    UNDELETE = "UNDELETE"


# Auto-number formats; inferred for every object but PendingServiceRouting (reference §10 shows "00000075").
AUTO_NUMBER_FORMATS: dict[str, str] = {
    "PendingServiceRouting": "{:08d}",
    "AgentWork": "{:08d}",
    "UserServicePresence": "USP-{:010d}",
    "LiveChatVisitor": "{:010d}",
    "LiveChatTranscript": "{:08d}",
    "MessagingSession": "MS-{:010d}",
}

# Not reported in change events' changedFields (inferred: CDC leaves SystemModstamp out).
_UNTRACKED = {"SystemModstamp"}


def sf_datetime(ts: float) -> str:
    """REST datetime: `yyyy-MM-ddTHH:mm:ss.SSS+0000`."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}+0000"


def normalize_id(value: Any) -> str | None:
    """18-character form of a 15/18-character id, or None when `value` is not an id."""
    try:
        return sf_to18(value)
    except (ValueError, TypeError):
        return None


class RecordStore:
    """Records by sObject and id; the caller holds the fake's lock."""

    def __init__(self, schema: dict[str, SObjectType]) -> None:
        self.schema = schema
        self.prefixes = prefix_index(schema)
        self._records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in schema}
        self._auto: dict[str, int] = {}

    def clear(self) -> None:
        for table in self._records.values():
            table.clear()
        self._auto.clear()

    # -- reading -----------------------------------------------------------------------------
    def sobject_of(self, record_id: str) -> str | None:
        id18 = normalize_id(record_id)
        if id18 is None:
            return None
        return self.prefixes.get(id18[:3])

    def get(self, record_id: str, include_deleted: bool = False) -> dict[str, Any] | None:
        """The live record (not a copy) by 15/18-character id."""
        id18 = normalize_id(record_id)
        if id18 is None:
            return None
        sobject = self.prefixes.get(id18[:3])
        if sobject is None:
            return None
        record = self._records[sobject].get(id18)
        if record is None or (record["IsDeleted"] and not include_deleted):
            return None
        return record

    def all(self, sobject: str, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        for record in self._records.get(sobject, {}).values():
            if include_deleted or not record["IsDeleted"]:
                yield record

    def find(self, sobject: str, **values: Any) -> list[dict[str, Any]]:
        return [r for r in self.all(sobject) if all(r.get(k) == v for k, v in values.items())]

    def find_one(self, sobject: str, **values: Any) -> dict[str, Any] | None:
        found = self.find(sobject, **values)
        return found[0] if found else None

    def count(self, sobject: str) -> int:
        return sum(1 for _ in self.all(sobject))

    # -- writing (only through Transaction) ----------------------------------------------------
    def _next_auto(self, sobject: str) -> str:
        n = self._auto.get(sobject, 0) + 1
        self._auto[sobject] = n
        return AUTO_NUMBER_FORMATS.get(sobject, "{:08d}").format(n)

    def _put(self, sobject: str, record: dict[str, Any]) -> None:
        self._records[sobject][record["Id"]] = record


Emitter = Callable[[str, dict[str, Any]], None]


class Transaction:
    """One operation's record changes; each change appends one `sobject.change` event at once."""

    def __init__(self, store: RecordStore, new_id: Callable[[str], str], now: Callable[[], float], emit: Emitter,
                 user_id: str, key: str, origin: str = "") -> None:
        self.store = store
        self._new_id = new_id
        self._now = now
        self._emit = emit
        self.user_id = user_id
        self.key = key
        self.origin = origin
        self.changes: list[tuple[ChangeType, str]] = []

    def _event(self, change: ChangeType, sobject: str, record: dict[str, Any], changed: list[str]) -> None:
        self.changes.append((change, record["Id"]))
        self._emit(EVENT_TYPE, {
            "entity": sobject, "changeType": change.value, "recordId": record["Id"], "record": copy.deepcopy(record),
            "changedFields": changed, "commitUser": self.user_id, "transactionKey": self.key,
            "changeOrigin": self.origin,
        })

    def create(self, sobject: str, values: dict[str, Any], owner_id: str | None = None) -> dict[str, Any]:
        """Insert a record; `values` are already validated and use canonical field names."""
        otype = self.store.schema[sobject]
        stamp = sf_datetime(self._now())
        record: dict[str, Any] = {}
        for name, f in otype.fields.items():
            if f.auto_number:
                record[name] = self.store._next_auto(sobject)
            else:
                record[name] = copy.deepcopy(f.default) if f.default is not None else None
        record.update({"Id": self._new_id(otype.key_prefix), "IsDeleted": False, "CreatedDate": stamp,
                       "CreatedById": self.user_id, "LastModifiedDate": stamp, "LastModifiedById": self.user_id,
                       "SystemModstamp": stamp})
        if "OwnerId" in otype.fields:
            record["OwnerId"] = owner_id or self.user_id
        for name, value in values.items():
            record[name] = value
        self.store._put(sobject, record)
        changed = [k for k, v in record.items() if v is not None and k not in _UNTRACKED]
        self._event(ChangeType.CREATE, sobject, record, changed)
        return record

    def update(self, record: dict[str, Any], values: dict[str, Any]) -> list[str]:
        """Apply `values` to a live record; returns the changed field names (one event even when none changed)."""
        sobject = self.store.prefixes[record["Id"][:3]]
        stamp = sf_datetime(self._now())
        before = dict(record)
        record.update(values)
        record["LastModifiedDate"] = stamp
        record["LastModifiedById"] = self.user_id
        record["SystemModstamp"] = stamp
        changed = [k for k in record if record[k] != before.get(k) and k not in _UNTRACKED]
        self._event(ChangeType.UPDATE, sobject, record, changed)
        return changed

    def delete(self, record: dict[str, Any]) -> None:
        sobject = self.store.prefixes[record["Id"][:3]]
        snapshot = copy.deepcopy(record)
        stamp = sf_datetime(self._now())
        record["IsDeleted"] = True
        record["LastModifiedDate"] = stamp
        record["LastModifiedById"] = self.user_id
        record["SystemModstamp"] = stamp
        self._event(ChangeType.DELETE, sobject, snapshot, [])

    def undelete(self, record: dict[str, Any]) -> None:
        sobject = self.store.prefixes[record["Id"][:3]]
        stamp = sf_datetime(self._now())
        record["IsDeleted"] = False
        record["LastModifiedDate"] = stamp
        record["LastModifiedById"] = self.user_id
        record["SystemModstamp"] = stamp
        changed = [k for k, v in record.items() if v is not None and k not in _UNTRACKED]
        self._event(ChangeType.UNDELETE, sobject, record, changed)
