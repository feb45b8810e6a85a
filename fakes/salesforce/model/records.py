"""sObject operations as the REST API offers them: create, retrieve, update, delete, query with paging."""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..errors import (
    SoqlError,
    invalid_query_locator,
    no_external_id,
    no_such_column,
    not_found,
    not_supported,
    push_topic_query,
    query_refused,
    required_missing,
)
from . import soql
from .access import RecordAccess
from .fields import check_unique, validate_body
from .org import SalesforceOrg
from .routing import RoutingBackend
from .schema import SObjectType
from .store import normalize_id

# Query locators expire after 15 minutes without use (REST API guide).
LOCATOR_IDLE_SECONDS = 15 * 60
MAX_OPEN_LOCATORS = 500


@dataclass
class QueryCursor:
    locator: str
    rows: list[dict[str, Any]]
    batch: int
    last_used: float


class _SoqlSource:
    """The org as a SOQL source, with queryAll's view of deleted records fixed per call."""

    def __init__(self, org: SalesforceOrg, include_deleted: bool) -> None:
        self.org = org
        self.include_deleted = include_deleted

    def field(self, sobject: str, name: str):
        return self.org.field(sobject, name)

    def sobject_name(self, name: str) -> str | None:
        return self.org.sobject_name(name)

    def records(self, sobject: str, include_deleted: bool = False):
        return list(self.org.store.all(sobject, include_deleted or self.include_deleted))

    def get(self, record_id: str):
        return self.org.store.get(record_id, include_deleted=True)

    def sobject_of(self, record_id: str) -> str | None:
        return self.org.store.sobject_of(record_id)

    def now(self) -> float:
        return self.org.clock.time()


class RecordBackend:
    """Generic rules for every object, with the Omni-Channel objects' own rules delegated to `RoutingBackend`."""

    def __init__(self, org: SalesforceOrg, routing: RoutingBackend) -> None:
        self.org = org
        self.routing = routing
        self._cursors: OrderedDict[str, QueryCursor] = OrderedDict()
        self.access = RecordAccess(org)

    def reset(self) -> None:
        self._cursors.clear()

    # -- lookups ----------------------------------------------------------------------------------
    def sobject(self, name: str) -> SObjectType:
        canonical = self.org.sobject_name(name)
        if canonical is None:
            raise not_found()
        return self.org.schema[canonical]

    def live_record(self, otype: SObjectType, record_id: str) -> dict[str, Any]:
        id18 = normalize_id(record_id)
        if id18 is None:
            raise no_external_id(record_id)
        record = self.org.store.get(id18)
        if record is None or id18[:3] != otype.key_prefix:
            raise not_found()
        return record

    # -- CRUD ---------------------------------------------------------------------------------------
    def create(self, sobject: str, body: Any, user_id: str, origin: str) -> str:
        otype = self.sobject(sobject)
        with self.org.lock:
            if not otype.createable:
                raise not_supported("inserted", otype.label)
            values = validate_body(otype, body, self.org.store, creating=True)
            check_unique(otype, values, self.org.store)
            if otype.name == "AgentWork":
                return self.routing.insert_agent_work(values, user_id, origin)
            if otype.name == "PendingServiceRouting":
                return self.routing.insert_routing(values, user_id, origin)
            if otype.name == "PushTopic":
                self._check_push_topic(values)
            if otype.name == "User":
                values.setdefault("Name", " ".join(x for x in (values.get("FirstName"), values["LastName"]) if x))
            with self.org.transaction(user_id, origin) as tx:
                owner = values.pop("OwnerId", None)
                record = tx.create(otype.name, values, owner_id=owner)
            return record["Id"]

    def retrieve(self, sobject: str, record_id: str,
                 fields: list[str] | None = None) -> tuple[SObjectType, dict[str, Any], list[str] | None]:
        """The record (a copy), with the canonical names of the fields asked for (None: every field)."""
        otype = self.sobject(sobject)
        with self.org.lock:
            record = self.live_record(otype, record_id)
            names = None
            if fields is not None:
                names = []
                for name in fields:
                    f = otype.field(name)
                    if f is None:
                        raise no_such_column(name, otype.name)
                    names.append(f.name)
            return otype, copy.deepcopy(record), names

    def recent(self, otype: SObjectType, count: int = 10) -> list[dict[str, Any]]:
        """The last records of a type (`recentItems` of the sObject info), copies."""
        with self.org.lock:
            return [copy.deepcopy(r) for r in list(self.org.store.all(otype.name))[-count:]]

    def update(self, sobject: str, record_id: str, body: Any, user_id: str, origin: str) -> None:
        otype = self.sobject(sobject)
        with self.org.lock:
            record = self.live_record(otype, record_id)
            if not otype.updateable:
                raise not_supported("updated", otype.label)
            self.access.check(otype.name, record, user_id)
            values = validate_body(otype, body, self.org.store, creating=False)
            for f in otype.fields.values():
                if f.required and f.name in values and values[f.name] is None:
                    raise required_missing(f.name)
            check_unique(otype, values, self.org.store, record["Id"])
            if otype.name == "PendingServiceRouting":
                self.routing.update_routing(record, values, user_id, origin)
                return
            if otype.name == "PushTopic" and "Query" in values:
                self._check_push_topic(values)
            with self.org.transaction(user_id, origin) as tx:
                if otype.name == "User" and ({"FirstName", "LastName"} & values.keys()):
                    first = values.get("FirstName", record.get("FirstName"))
                    last = values.get("LastName", record.get("LastName"))
                    values["Name"] = " ".join(x for x in (first, last) if x)
                tx.update(record, values)

    def delete(self, sobject: str, record_id: str, user_id: str, origin: str) -> None:
        otype = self.sobject(sobject)
        with self.org.lock:
            record = self.live_record(otype, record_id)
            if not otype.deletable:
                raise not_supported("deleted", otype.label)
            self.access.check(otype.name, record, user_id)
            if otype.name == "AgentWork":
                self.routing.check_agent_work_delete(record)
            with self.org.transaction(user_id, origin) as tx:
                tx.delete(record)
            if otype.name in ("PendingServiceRouting", "AgentWork", "UserServicePresence"):
                self.routing.record_deleted(otype.name, record)

    def _check_push_topic(self, values: dict[str, Any]) -> None:
        query = values.get("Query")
        if query is None:
            return
        try:
            parsed = soql.parse(query)
            soql.check(parsed, _SoqlSource(self.org, False))
        except SoqlError as exc:
            raise query_refused(exc) from None
        if parsed.is_count or parsed.is_aggregate or not any(
                item.path is not None and [p.lower() for p in item.path.parts] == ["id"] for item in parsed.select):
            raise push_topic_query()

    # -- query --------------------------------------------------------------------------------------
    def query(self, text: str | None, version: str, include_deleted: bool, batch_size: int | None) -> dict[str, Any]:
        with self.org.lock:
            source = _SoqlSource(self.org, include_deleted)
            try:
                if text is None:
                    # inferred: `q` missing altogether
                    raise SoqlError("MALFORMED_QUERY", "A query string has to be specified")
                parsed = soql.parse(text)
                if parsed.is_count:
                    total = soql.count(parsed, source, include_deleted, now=self.org.clock.time())
                    return {"totalSize": total, "done": True, "records": []}
                rows = soql.execute(parsed, source, include_deleted, api_version=version, now=self.org.clock.time())
            except SoqlError as exc:
                raise query_refused(exc) from None
            return self._page(rows, len(rows), version, batch_size)

    def query_more(self, locator: str, version: str) -> dict[str, Any]:
        cursor_id, _, offset_text = locator.partition("-")
        with self.org.lock:
            self._expire_cursors()
            cursor = self._cursors.get(normalize_id(cursor_id) or cursor_id)
            if cursor is None or not offset_text.isdigit() or int(offset_text) > len(cursor.rows):
                raise invalid_query_locator()
            offset = int(offset_text)
            cursor.last_used = self.org.clock.time()
            self._cursors.move_to_end(cursor.locator)
            return self._slice(cursor, offset, version)

    def _page(self, rows: list[dict[str, Any]], total: int, version: str, batch_size: int | None) -> dict[str, Any]:
        batch = self._batch(batch_size)
        if total <= batch:
            return {"totalSize": total, "done": True, "records": rows}
        self._expire_cursors()
        locator = self.org.ids.sf_id("01g")
        cursor = QueryCursor(locator, rows, batch, self.org.clock.time())
        self._cursors[locator] = cursor
        while len(self._cursors) > MAX_OPEN_LOCATORS:
            self._cursors.popitem(last=False)
        return self._slice(cursor, 0, version)

    def _slice(self, cursor: QueryCursor, offset: int, version: str) -> dict[str, Any]:
        end = offset + cursor.batch
        out: dict[str, Any] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows),
                               "records": cursor.rows[offset:end]}
        if not out["done"]:
            out["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor.locator}-{end}"
        else:
            self._cursors.pop(cursor.locator, None)
        return out

    def _batch(self, requested: int | None) -> int:
        config = self.org.config
        if requested is None:
            return config.query_batch_size
        return max(config.query_batch_min, min(requested, config.query_batch_size))

    def _expire_cursors(self) -> None:
        now = self.org.clock.time()
        for locator in [k for k, c in self._cursors.items() if now - c.last_used > LOCATOR_IDLE_SECONDS]:
            self._cursors.pop(locator, None)
