"""`SalesforceFake`: the org with its backends (records, sessions, Omni-Channel, streaming) and the `Fake` hooks.

The HTTP layer is not built here: `omni_harness.fakes.salesforce.build()` builds the org, then its app, and attaches it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from omni_harness.fakes.core.seed import SeedPlan
from omni_harness.fakes.core.world import World

from ..config import API_VERSION, SalesforceConfig
from ..errors import SalesforceError, for_status
from ..streaming.backend import StreamingBackend
from ..views.oauth import token_response
from .console import ConsoleBackend
from .credentials import AuthBackend, Grant
from .customers import CustomerBackend
from .omni import OmniState
from .org import SalesforceOrg
from .presence import PresenceBackend
from .records import RecordBackend
from .routing import RoutingBackend
from .seed import seed_org, sync_settings
from .sessions import SessionStore


class SalesforceFake(SalesforceOrg):
    """One Salesforce org with Omni-Channel external routing."""

    def __init__(self, world: World, config: SalesforceConfig | None = None) -> None:
        super().__init__(world, config)
        self.sessions = SessionStore(world.clock, self.ids, ttl_seconds=self.config.session_ttl_seconds,
                                     sliding_expiry=self.config.sliding_expiry)
        self.sessions.bind(self)
        self.auth = AuthBackend(self, self.sessions)
        self.omni = OmniState(self)
        self.routing = RoutingBackend(self, self.omni)
        self.console = ConsoleBackend(self, self.omni, self.routing)
        self.presence = PresenceBackend(self, self.omni, self.routing, self.console)
        self.customers = CustomerBackend(self, self.omni, self.routing, self.console)
        self.records_api = RecordBackend(self, self.routing)
        self.streaming = StreamingBackend(self)
        self.workdir: Path | None = None
        self._listeners: dict[str, Any] = {}
        self._sync_settings_path: Path | None = None
        self.reset(world.plan)

    # -- lifecycle ---------------------------------------------------------------------------------
    def reset(self, plan: SeedPlan) -> None:
        with self.lock:
            self.omni.reset()
            self.store.clear()
            self.sessions.reset(self.ids)
            self.api_usage.clear()
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

    # -- Fake hooks -------------------------------------------------------------------------------------
    def mint_token(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /_fake/tokens {"userId"}`: the agent's own console session, as an OAuth token response."""
        session = self.auth.console_session(body.get("userId") or body.get("username") or body.get("email"))
        return token_response(Grant(session, scope="api web"), self.base_url(), self.sessions.org_id,
                              self.world.plan.credentials.salesforce_client_secret)

    def expire_tokens(self) -> int:
        with self.lock:
            return self.sessions.expire_all()

    def error(self, status: int, message: str | None = None) -> SalesforceError:
        return for_status(status, message)

    def attach(self, listeners: dict[str, Any]) -> None:
        """The WSGI apps that serve this org (built by `omni_harness.fakes.salesforce.build`)."""
        self._listeners = dict(listeners)

    def listeners(self) -> dict[str, Any]:
        return dict(self._listeners)

    def bind(self, urls: dict[str, str]) -> None:
        super().bind(urls)
        self._sync_settings_path = None

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
        if self._sync_settings_path is None or not self._sync_settings_path.exists():
            folder = Path(self.workdir) if self.workdir else Path(tempfile.mkdtemp(prefix="omni-harness-sf-"))
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "omni-sync-settings.json"
            path.write_text(json.dumps(sync_settings(self.world.plan, self.world.media), indent=2) + "\n")
            self._sync_settings_path = path
        return self._sync_settings_path
