"""The org every Salesforce rule works on: schema, record store, seeded identities, lock, journal, transactions.

`SalesforceOrg` is what the backends (records, sessions, Omni-Channel, streaming) are given; `SalesforceFake`
(fake.py) is the org with its backends and the `Fake` hooks. What the HTTP layer knows about the request being
answered (its correlation id, its host) reaches the model through `RequestContext`, set by the app.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from omni_harness.fakes.core.world import Fake, World

from ..config import SalesforceConfig
from .limits import ApiUsage
from .schema import Field, SObjectType, build_schema
from .store import RecordStore, Transaction, normalize_id

DEFAULT_BASE_URL = "https://127.0.0.1"


class RequestContext(Protocol):
    """The request being answered, if any (the app provides it; outside a request both answer nothing)."""

    def correlation_id(self) -> str: ...

    def host_url(self) -> str | None: ...


class NoRequest:
    def correlation_id(self) -> str:
        return ""

    def host_url(self) -> str | None:
        return None


class SalesforceOrg(Fake):
    """One Salesforce org: its records and the identities the seed gives it."""

    name = "salesforce"

    def __init__(self, world: World, config: SalesforceConfig | None = None) -> None:
        super().__init__(world)
        self.config = config or SalesforceConfig()
        self.schema: dict[str, SObjectType] = build_schema()
        self.store = RecordStore(self.schema)
        self.request: RequestContext = NoRequest()
        self.org_id = ""
        self.integration_user_id = ""
        self.automated_process_user_id = ""
        self.api_usage = ApiUsage(self.config.api_request_window_seconds)

    # -- the API request allocation ----------------------------------------------------------------
    def api_request_limit(self) -> int:
        """The daily allocation: the configured one, else the edition's for the org's licences."""
        if self.config.api_request_limit is not None:
            return self.config.api_request_limit
        with self.lock:
            licences = sum(1 for u in self.store.all("User") if u.get("UserType") == "Standard" and u.get("IsActive"))
        return self.config.api_requests_per_org + self.config.api_requests_per_licence * licences

    @property
    def api_requests(self) -> int:
        """REST calls counted in the current 24-hour window."""
        with self.lock:
            return self.api_usage.used(self.clock.time())

    def count_api_request(self) -> tuple[int, int]:
        """Count one REST call against the daily allocation: (usage so far, allocation); REQUEST_LIMIT_EXCEEDED
        once it is spent."""
        limit = self.api_request_limit()
        with self.lock:
            return self.api_usage.count(self.clock.time(), limit), limit

    # -- where the org is served -------------------------------------------------------------------
    def base_url(self) -> str:
        """The fake's own base URL (its "api" listener), or the request's host before `bind`."""
        url = self.urls.get("api")
        if url:
            return url.rstrip("/")
        return (self.request.host_url() or DEFAULT_BASE_URL).rstrip("/")

    def instance_url(self) -> str:
        return self.urls.get("api", DEFAULT_BASE_URL).rstrip("/")

    def login_url(self) -> str:
        return self.instance_url()

    # -- lookups -----------------------------------------------------------------------------------
    def user_id_for_username(self, username: str) -> str | None:
        if not isinstance(username, str):
            return None
        lowered = username.strip().lower()
        with self.lock:
            for user in self.store.all("User"):
                if user["Username"].lower() == lowered:
                    return user["Id"]
        return None

    def user_id_for(self, key: str) -> str | None:
        """A user by id (15/18), username or email."""
        with self.lock:
            id18 = normalize_id(key)
            if id18 is not None:
                user = self.store.get(id18)
                return user["Id"] if user is not None and id18.startswith("005") else None
            found = self.user_id_for_username(key)
            if found:
                return found
            lowered = key.strip().lower() if isinstance(key, str) else ""
            for user in self.store.all("User"):
                if user["Email"].lower() == lowered and user["UserType"] == "Standard":
                    return user["Id"]
        return None

    def records(self, sobject: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.store.all(sobject, include_deleted)]

    def get_record(self, sobject: str | None, record_id: str) -> dict[str, Any] | None:
        with self.lock:
            record = self.store.get(record_id)
            if record is None:
                return None
            if sobject is not None and self.store.sobject_of(record["Id"]) != self.sobject_name(sobject):
                return None
            return dict(record)

    # SOQL source protocol (soql.py): field / sobject_name / records / get
    def sobject_name(self, name: str) -> str | None:
        if not isinstance(name, str):
            return None
        if name in self.schema:
            return name
        lowered = name.lower()
        for candidate in self.schema:
            if candidate.lower() == lowered:
                return candidate
        return None

    def field(self, sobject: str, name: str) -> Field | None:
        canonical = self.sobject_name(sobject)
        if canonical is None:
            return None
        return self.schema[canonical].field(name)

    def relationship(self, sobject: str, name: str) -> Field | None:
        """The reference field whose relationship name is `name` (e.g. `Owner` on AgentWork)."""
        canonical = self.sobject_name(sobject)
        if canonical is None:
            return None
        return self.schema[canonical].relationship(name)

    def get(self, record_id: str) -> dict[str, Any] | None:
        return self.get_record(None, record_id)

    def sobject_of(self, record_id: str) -> str | None:
        return self.store.sobject_of(record_id)

    def now(self) -> float:
        return self.clock.time()

    # -- changes -----------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, user_id: str | None = None, origin: str = "") -> Iterator[Transaction]:
        """Group the record changes of one operation (one transactionKey); caller need not hold the lock."""
        with self.lock:
            yield Transaction(self.store, self.ids.sf_id, self.clock.time, self.emit_change,
                              user_id or self.automated_process_user_id, self.ids.uuid(), origin)

    def emit_change(self, type: str, data: dict[str, Any]) -> None:
        """Append one event under the current request's correlation id."""
        self.emit(type, data, self.request.correlation_id())
