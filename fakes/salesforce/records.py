"""sObject operations as the REST API offers them: create, retrieve, update, delete, query with paging."""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import SalesforceError
from .fields import check_unique, validate_body
from .schema import SObjectType
from .store import normalize_id

if TYPE_CHECKING:
    from .models import SalesforceFake

# Query locators expire after 15 minutes without use (REST API guide).
LOCATOR_IDLE_SECONDS = 15 * 60
MAX_OPEN_LOCATORS = 500


def not_found() -> SalesforceError:
    return SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")


@dataclass
class QueryCursor:
    locator: str
    rows: list[dict[str, Any]]
    batch: int
    last_used: float


class _SoqlSource:
    """The fake as a SOQL source, with queryAll's view of deleted records fixed per call."""

    def __init__(self, fake: SalesforceFake, include_deleted: bool) -> None:
        self.fake = fake
        self.include_deleted = include_deleted

    def field(self, sobject: str, name: str):
        return self.fake.field(sobject, name)

    def sobject_name(self, name: str) -> str | None:
        return self.fake.sobject_name(name)

    def records(self, sobject: str, include_deleted: bool = False):
        return list(self.fake.store.all(sobject, include_deleted or self.include_deleted))

    def get(self, record_id: str):
        return self.fake.store.get(record_id, include_deleted=True)

    def sobject_of(self, record_id: str) -> str | None:
        return self.fake.store.sobject_of(record_id)

    def now(self) -> float:
        return self.fake.clock.time()


class RecordService:
    """Generic rules for every object, with the Omni-Channel objects' own rules delegated to `fake.omni`."""

    def __init__(self, fake: SalesforceFake) -> None:
        self.fake = fake
        self._cursors: OrderedDict[str, QueryCursor] = OrderedDict()

    def reset(self) -> None:
        self._cursors.clear()

    # -- lookups ----------------------------------------------------------------------------------
    def sobject(self, name: str) -> SObjectType:
        canonical = self.fake.sobject_name(name)
        if canonical is None:
            raise not_found()
        return self.fake.schema[canonical]

    def live_record(self, otype: SObjectType, record_id: str) -> dict[str, Any]:
        id18 = normalize_id(record_id)
        if id18 is None:
            raise SalesforceError(404, "NOT_FOUND",
                                  f"Provided external ID field does not exist or is not accessible: {record_id}")
        record = self.fake.store.get(id18)
        if record is None or id18[:3] != otype.key_prefix:
            raise not_found()
        return record

    # -- serialisation ----------------------------------------------------------------------------
    def attributes(self, sobject: str, record_id: str, version: str) -> dict[str, str]:
        return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}

    def serialize(self, otype: SObjectType, record: dict[str, Any], version: str,
                  fields: list[str] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": self.attributes(otype.name, record["Id"], version)}
        if fields is None:
            out.update(copy.deepcopy(record))
        else:
            for name in fields:
                out[name] = copy.deepcopy(record.get(name))
            out.setdefault("Id", record["Id"])
        return out

    # -- CRUD ---------------------------------------------------------------------------------------
    def create(self, sobject: str, body: Any, user_id: str, origin: str) -> str:
        otype = self.sobject(sobject)
        with self.fake.lock:
            if not otype.createable:
                # inferred code and message for an object without the create call
                raise SalesforceError(400, "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be inserted: {otype.label}")
            values = validate_body(otype, body, self.fake.store, creating=True)
            check_unique(otype, values, self.fake.store)
            if otype.name == "AgentWork":
                return self.fake.omni.insert_agent_work(values, user_id, origin)
            if otype.name == "PendingServiceRouting":
                return self.fake.omni.insert_routing(values, user_id, origin)
            if otype.name == "PushTopic":
                self._check_push_topic(values)
            if otype.name == "User":
                values.setdefault("Name", " ".join(x for x in (values.get("FirstName"), values["LastName"]) if x))
            with self.fake.transaction(user_id, origin) as tx:
                owner = values.pop("OwnerId", None)
                record = tx.create(otype.name, values, owner_id=owner)
            return record["Id"]

    def retrieve(self, sobject: str, record_id: str, version: str, fields: list[str] | None = None) -> dict[str, Any]:
        otype = self.sobject(sobject)
        with self.fake.lock:
            record = self.live_record(otype, record_id)
            names = None
            if fields is not None:
                names = []
                for name in fields:
                    f = otype.field(name)
                    if f is None:
                        raise SalesforceError(400, "INVALID_FIELD",
                                              f"No such column '{name}' on entity '{otype.name}'. If you are "
                                              f"attempting to use a custom field, be sure to append the '__c' after "
                                              f"the custom field name. Please reference your WSDL or the describe "
                                              f"call for the appropriate names.")
                    names.append(f.name)
            return self.serialize(otype, record, version, names)

    def update(self, sobject: str, record_id: str, body: Any, user_id: str, origin: str) -> None:
        otype = self.sobject(sobject)
        with self.fake.lock:
            record = self.live_record(otype, record_id)
            if not otype.updateable:
                raise SalesforceError(400, "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be updated: {otype.label}")
            values = validate_body(otype, body, self.fake.store, creating=False)
            for f in otype.fields.values():
                if f.required and f.name in values and values[f.name] is None:
                    raise SalesforceError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{f.name}]",
                                          [f.name])
            check_unique(otype, values, self.fake.store, record["Id"])
            if otype.name == "PendingServiceRouting":
                self.fake.omni.update_routing(record, values, user_id, origin)
                return
            if otype.name == "PushTopic" and "Query" in values:
                self._check_push_topic(values)
            with self.fake.transaction(user_id, origin) as tx:
                if otype.name == "User" and ({"FirstName", "LastName"} & values.keys()):
                    first = values.get("FirstName", record.get("FirstName"))
                    last = values.get("LastName", record.get("LastName"))
                    values["Name"] = " ".join(x for x in (first, last) if x)
                tx.update(record, values)

    def delete(self, sobject: str, record_id: str, user_id: str, origin: str) -> None:
        otype = self.sobject(sobject)
        with self.fake.lock:
            record = self.live_record(otype, record_id)
            if not otype.deletable:
                raise SalesforceError(400, "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be deleted: {otype.label}")
            if otype.name == "AgentWork":
                self.fake.omni.check_agent_work_delete(record)
            with self.fake.transaction(user_id, origin) as tx:
                tx.delete(record)
            if otype.name in ("PendingServiceRouting", "AgentWork", "UserServicePresence"):
                self.fake.omni.record_deleted(otype.name, record)

    def _check_push_topic(self, values: dict[str, Any]) -> None:
        query = values.get("Query")
        if query is None:
            return
        from . import soql

        try:
            parsed = soql.parse(query)
            soql.check(parsed, _SoqlSource(self.fake, False))
        except soql.SoqlError as exc:
            raise soql.to_error(exc) from None
        if parsed.is_count or parsed.is_aggregate or not any(
                item.path is not None and [p.lower() for p in item.path.parts] == ["id"] for item in parsed.select):
            # inferred message; the Streaming guide says the SELECT list must include Id and no aggregates
            raise SalesforceError(400, "INVALID_FIELD", "The SELECT statement of a PushTopic query must include "
                                  "the Id field and no aggregate functions.", ["Query"])

    # -- query --------------------------------------------------------------------------------------
    def query(self, text: str | None, version: str, include_deleted: bool, batch_size: int | None) -> dict[str, Any]:
        from . import soql

        with self.fake.lock:
            source = _SoqlSource(self.fake, include_deleted)
            try:
                if text is None:
                    # inferred: `q` missing altogether
                    raise soql.SoqlError("MALFORMED_QUERY", "A query string has to be specified")
                parsed = soql.parse(text)
                if parsed.is_count:
                    total = soql.count(parsed, source, include_deleted, now=self.fake.clock.time())
                    return {"totalSize": total, "done": True, "records": []}
                rows = soql.execute(parsed, source, include_deleted, api_version=version, now=self.fake.clock.time())
            except soql.SoqlError as exc:
                raise soql.to_error(exc) from None
            return self._page(rows, len(rows), version, batch_size)

    def query_more(self, locator: str, version: str) -> dict[str, Any]:
        cursor_id, _, offset_text = locator.partition("-")
        with self.fake.lock:
            self._expire_cursors()
            cursor = self._cursors.get(normalize_id(cursor_id) or cursor_id)
            if cursor is None or not offset_text.isdigit() or int(offset_text) > len(cursor.rows):
                raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            offset = int(offset_text)
            cursor.last_used = self.fake.clock.time()
            self._cursors.move_to_end(cursor.locator)
            return self._slice(cursor, offset, version)

    def _page(self, rows: list[dict[str, Any]], total: int, version: str, batch_size: int | None) -> dict[str, Any]:
        batch = self._batch(batch_size)
        if total <= batch:
            return {"totalSize": total, "done": True, "records": rows}
        self._expire_cursors()
        locator = self.fake.ids.sf_id("01g")
        cursor = QueryCursor(locator, rows, batch, self.fake.clock.time())
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
        settings = self.fake.settings
        if requested is None:
            return settings.query_batch_size
        return max(settings.query_batch_min, min(requested, settings.query_batch_size))

    def _expire_cursors(self) -> None:
        now = self.fake.clock.time()
        for locator in [k for k, c in self._cursors.items() if now - c.last_used > LOCATOR_IDLE_SECONDS]:
            self._cursors.pop(locator, None)
