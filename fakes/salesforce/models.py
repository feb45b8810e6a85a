"""The Salesforce org: `SalesforceFake` owns the schema, the record store, the sessions and the Omni-Channel engine."""

from __future__ import annotations

import json
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fakes.core.errors import ControlError
from fakes.core.seed import SeedPlan
from fakes.core.world import Fake, World

from .errors import SalesforceError
from .oauth import SessionStore, journal_issued, token_response
from .omni import OmniChannel
from .records import RecordService
from .schema import Field, SObjectType, build_schema
from .settings import API_VERSION, OrgSettings
from .store import RecordStore, Transaction, normalize_id
from .streaming import StreamingService


class SalesforceFake(Fake):
    """One Salesforce org with Omni-Channel external routing."""

    name = "salesforce"

    def __init__(self, world: World, settings: OrgSettings | None = None) -> None:
        super().__init__(world)
        self.settings = settings or OrgSettings()
        self.schema: dict[str, SObjectType] = build_schema()
        self.store = RecordStore(self.schema)
        self.sessions = SessionStore(world.clock, self.ids, ttl_seconds=self.settings.session_ttl_seconds)
        self.sessions.bind(self)
        self.workdir: Path | None = None
        self.org_id = ""
        self.integration_user_id = ""
        self.automated_process_user_id = ""
        self.api_requests = 0
        self._app = None
        self._sync_settings_path: Path | None = None
        self.records_api = RecordService(self)
        self.omni = OmniChannel(self)
        self.streaming = StreamingService(self)
        self.reset(world.plan)

    # -- lifecycle ---------------------------------------------------------------------------------
    def reset(self, plan: SeedPlan) -> None:
        from .seed import seed_org

        with self.lock:
            self.omni.reset()
            self.store.clear()
            self.sessions.reset(self.ids)
            self.api_requests = 0
            self.records_api.reset()
            seed_org(self, plan)
            self.streaming.reset()

    def state(self) -> dict[str, Any]:
        with self.lock:
            out: dict[str, Any] = {"orgId": self.org_id, "integrationUserId": self.integration_user_id,
                                   "apiRequests": self.api_requests, "omni": self.omni.state(), "records": {}}
            for name in self.schema:
                out["records"][name] = [dict(r) for r in self.store.all(name, include_deleted=True)]
            out["sessions"] = self.sessions.state()
            out["streaming"] = self.streaming.state()
            return out

    # -- the interface the other modules read ------------------------------------------------------
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

    # -- transactions --------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, user_id: str | None = None, origin: str = ""):
        """Group the record changes of one operation (one transactionKey); caller need not hold the lock."""
        with self.lock:
            yield Transaction(self.store, self.ids.sf_id, self.clock.time, self._emit_change,
                              user_id or self.automated_process_user_id, self.ids.uuid(), origin)

    def _emit_change(self, type: str, data: dict[str, Any]) -> None:
        self.emit(type, data, self._correlation())

    def _correlation(self) -> str:
        try:
            from flask import g, has_request_context

            if has_request_context():
                return getattr(g, "correlation_id", "") or ""
        except Exception:  # outside Flask entirely
            pass
        return ""

    # -- Fake hooks -------------------------------------------------------------------------------------
    def mint_token(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /_fake/tokens {"userId"}`: the agent's own console session, as an OAuth token response."""
        key = body.get("userId") or body.get("username") or body.get("email")
        if not isinstance(key, str) or not key:
            raise ControlError("userId is required (a User id, username or email)")
        with self.lock:
            user_id = self.user_id_for(key)
            if user_id is None:
                raise ControlError(f"no user {key!r}", status=404, error="not_found")
            session = self.sessions.issue(user_id, "console")
            journal_issued(self, session)
        return token_response(self, session, scope="api web")

    def expire_tokens(self) -> int:
        with self.lock:
            return self.sessions.expire_all()

    def error(self, status: int, message: str | None = None) -> SalesforceError:
        return SalesforceError(status, message=message)

    def listeners(self) -> dict[str, Any]:
        if self._app is None:
            from .app import create_app

            self._app = create_app(self)
        return {"api": self._app}

    def bind(self, urls: dict[str, str]) -> None:
        super().bind(urls)
        self._sync_settings_path = None

    def instance_url(self) -> str:
        return self.urls.get("api", "https://127.0.0.1").rstrip("/")

    def login_url(self) -> str:
        return self.instance_url()

    def connector_env(self) -> dict[str, str]:
        creds = self.world.plan.credentials
        base = self.instance_url()
        return {
            "SALESFORCE_INSTANCE_URL": base,
            "SALESFORCE_LOGIN_URL": base,
            "SALESFORCE_API_VERSION": API_VERSION,
            "SALESFORCE_CLIENT_ID": creds.salesforce_client_id,
            "SALESFORCE_CLIENT_SECRET": creds.salesforce_client_secret,
            "SALESFORCE_USERNAME": creds.salesforce_username,
            # The password alone: simple-salesforce appends SALESFORCE_SECURITY_TOKEN itself for a SOAP login
            # (security_token=) and the fake's OAuth password grant takes the password with or without it.
            "SALESFORCE_PASSWORD": creds.salesforce_password,
            "SALESFORCE_SECURITY_TOKEN": creds.salesforce_security_token,
            "OMNI_SYNC_SETTINGS": str(self.sync_settings_file()),
        }

    def sync_settings_file(self) -> Path:
        """Write (once per bind) the Omni-Channel sync settings of DESIGN §4.3 and return its path."""
        from .sync import sync_settings

        if self._sync_settings_path is None or not self._sync_settings_path.exists():
            folder = Path(self.workdir) if self.workdir else Path(tempfile.mkdtemp(prefix="omni-harness-sf-"))
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "omni-sync-settings.json"
            path.write_text(json.dumps(sync_settings(self.world.plan), indent=2) + "\n")
            self._sync_settings_path = path
        return self._sync_settings_path
