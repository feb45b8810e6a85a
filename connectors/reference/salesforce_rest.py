"""Salesforce over the wire: OAuth token, REST through simple-salesforce, and the console bridge for toolkit calls."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession, SalesforceResourceNotFound

from .config import Env
from .ids import sf_id18
from .logs import get_log
from .ports import AuthenticationError, PlatformError

log = get_log("salesforce")

TOOLKIT_PATH = "/omni-toolkit/v1/users/{user_id}/{method}"


class SalesforceAuth:
    """The integration user's OAuth token (password flow, or client credentials), shared by REST, bridge and CometD.

    `refresh(stale)` fetches a new token only if `stale` is still the current one, so several threads that
    see the same expired token cause one token request, not one each.
    """

    def __init__(self, env: Env, session: requests.Session) -> None:
        self.env = env
        self.session = session
        self._lock = threading.Lock()
        self._token: str | None = None
        self.instance_url = env.salesforce_instance_url
        self.user_id: str | None = None

    def token(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = self._fetch()
            return self._token

    def refresh(self, stale: str | None) -> str:
        with self._lock:
            if self._token is None or self._token == stale:
                self._token = self._fetch()
                log.info("salesforce token renewed")
            return self._token

    def _fetch(self) -> str:
        url = f"{self.env.salesforce_login_url}/services/oauth2/token"
        if self.env.salesforce_username:
            flow = "password"
            data = {"grant_type": "password", "client_id": self.env.salesforce_client_id,
                    "client_secret": self.env.salesforce_client_secret, "username": self.env.salesforce_username,
                    "password": (self.env.salesforce_password or "") + self.env.salesforce_security_token}
            auth = None
        else:
            flow = "client_credentials"
            data = {"grant_type": "client_credentials"}
            auth = (self.env.salesforce_client_id, self.env.salesforce_client_secret)
        try:
            response = self.session.post(url, data=data, auth=auth)
        except requests.RequestException as exc:
            raise PlatformError("salesforce", "oauth token", 0, str(exc)) from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            detail = f"{body.get('error', '')}: {body.get('error_description', '')}" if isinstance(body, dict) \
                else response.text[:200]
            if response.status_code in (400, 401, 403):
                raise AuthenticationError(f"Salesforce refused the {flow} login at {url} "
                                          f"(HTTP {response.status_code} {detail})")
            raise PlatformError("salesforce", "oauth token", response.status_code, detail)
        identity = str(body.get("id") or "")
        if identity.rsplit("/", 1)[-1]:
            self.user_id = sf_id18(identity.rsplit("/", 1)[-1])
        return str(body["access_token"])


class SalesforceRest:
    """SalesforcePort on simple-salesforce (`session_id` mode) plus plain HTTP calls to the console bridge."""

    def __init__(self, env: Env, auth: SalesforceAuth, session: requests.Session) -> None:
        self.env = env
        self.auth = auth
        self.session = session
        self._lock = threading.Lock()
        self._client: Salesforce | None = None
        self._client_token: str | None = None

    def _sf(self) -> tuple[Salesforce, str]:
        token = self.auth.token()
        with self._lock:
            if self._client is None or self._client_token != token:
                self._client = Salesforce(instance_url=self.env.salesforce_instance_url, session_id=token,
                                          version=self.env.salesforce_api_version, session=self.session)
                self._client_token = token
            return self._client, token

    def _call(self, operation: str, fn: Any) -> Any:
        for attempt in range(3):
            sf, token = self._sf()
            try:
                return fn(sf)
            except SalesforceExpiredSession:
                # simple-salesforce does not re-login in session_id mode: renew the token and try again.
                if attempt == 2:
                    raise PlatformError("salesforce", operation, 401, "session expired") from None
                self.auth.refresh(token)
            except SalesforceResourceNotFound as exc:
                raise PlatformError("salesforce", operation, 404, str(exc.content)) from exc
            except SalesforceError as exc:
                raise PlatformError("salesforce", operation, exc.status or 0, str(exc.content)) from exc
            except requests.RequestException as exc:
                raise PlatformError("salesforce", operation, 0, str(exc)) from exc
        raise PlatformError("salesforce", operation, 401, "session expired")

    # -- SalesforcePort -----------------------------------------------------------------------------
    def get_record(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        try:
            record = self._call(f"get {sobject}", lambda sf: getattr(sf, sobject).get(record_id))
        except PlatformError as exc:
            if exc.not_found:
                return None
            raise
        return {k: v for k, v in dict(record).items() if k != "attributes"}

    def query(self, soql: str) -> list[dict[str, Any]]:
        result = self._call("query", lambda sf: sf.query_all(soql))
        return [{k: v for k, v in dict(r).items() if k != "attributes"} for r in result.get("records", [])]

    def insert_agent_work(self, fields: dict[str, Any]) -> str:
        result = self._call("create AgentWork", lambda sf: sf.AgentWork.create(fields))
        return str(result["id"])

    def toolkit(self, user_id: str, method: str, args: dict[str, Any] | None = None) -> Any:
        """`POST {instance}/omni-toolkit/v1/users/{user}/{method}`: the toolkit call the agent's console would make."""
        url = self.env.salesforce_instance_url + TOOLKIT_PATH.format(user_id=quote(user_id), method=quote(method))
        for attempt in range(3):
            token = self.auth.token()
            try:
                response = self.session.post(url, json=args or {}, headers={"Authorization": f"Bearer {token}"})
            except requests.RequestException as exc:
                raise PlatformError("salesforce", f"toolkit {method}", 0, str(exc)) from exc
            if response.status_code == 401 and attempt < 2:
                self.auth.refresh(token)
                continue
            if response.status_code >= 300:
                raise PlatformError("salesforce", f"toolkit {method}", response.status_code, response.text)
            try:
                return response.json() if response.content else None
            except ValueError:
                return response.text
        raise PlatformError("salesforce", f"toolkit {method}", 401, "session expired")

    # -- directory look-ups ------------------------------------------------------------------------------
    def users(self) -> list[tuple[str, str | None]]:
        rows = self.query("SELECT Id, Email FROM User WHERE IsActive = true")
        return [(sf_id18(r["Id"]) or r["Id"], r.get("Email")) for r in rows]

    def user_by_email(self, email: str) -> str | None:
        safe = email.replace("\\", "").replace("'", "\\'")
        rows = self.query(f"SELECT Id FROM User WHERE Email = '{safe}' AND IsActive = true")
        return sf_id18(rows[0]["Id"]) if rows else None

    def developer_names(self, sobject: str, where: str = "") -> dict[str, str]:
        rows = self.query(f"SELECT Id, DeveloperName FROM {sobject}{' WHERE ' + where if where else ''}")
        return {r["DeveloperName"]: sf_id18(r["Id"]) or r["Id"] for r in rows if r.get("DeveloperName")}
