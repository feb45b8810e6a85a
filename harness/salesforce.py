"""Salesforce as the harness calls it: REST queries with its own session, and each agent's console bridge."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from .http import ApiError, HttpClient, Tagger

API_VERSION = "67.0"


class PasswordLogin:
    """OAuth username-password flow (`POST /services/oauth2/token`), the session cached until it is refused."""

    def __init__(self, login_url: str, client_id: str, client_secret: str, username: str, password: str,
                 verify: str | bool = True) -> None:
        self.http = HttpClient(login_url, verify)
        self.form = {"grant_type": "password", "client_id": client_id, "client_secret": client_secret,
                     "username": username, "password": password}
        self._token: str | None = None
        self.instance_url: str | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._token is None:
                body = self.http.call("POST", "/services/oauth2/token", data=self.form).body
                self._token = body["access_token"]
                self.instance_url = body.get("instance_url")
            return f"Bearer {self._token}"

    def forget(self) -> None:
        with self._lock:
            self._token = None


def soql_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class SalesforceApi:
    """REST under `/services/data/vXX.X/` and the console bridge under `/omni-toolkit/v1/`."""

    def __init__(self, instance_url: str, auth: Callable[[], str], verify: str | bool = True,
                 tagger: Tagger | None = None, version: str = API_VERSION) -> None:
        self.http = HttpClient(instance_url, verify, auth, tagger)
        self.version = version

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kw: Any):
        return self.http.call_renewing(method, path, **kw)

    # -- REST --------------------------------------------------------------------------------------
    def query(self, soql: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        resource = "queryAll" if include_deleted else "query"
        body = self.call("GET", f"/services/data/v{self.version}/{resource}", params={"q": soql}).body
        records = list(body.get("records", []))
        while not body.get("done", True) and body.get("nextRecordsUrl"):
            body = self.call("GET", body["nextRecordsUrl"]).body
            records.extend(body.get("records", []))
        for record in records:
            record.pop("attributes", None)
        return records

    def retrieve(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        try:
            record = self.call("GET", f"/services/data/v{self.version}/sobjects/{sobject}/{record_id}").body
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        record.pop("attributes", None)
        return record

    # -- console bridge ----------------------------------------------------------------------------
    def console(self, user_id: str, method: str, args: dict[str, Any] | None = None, expect_error: bool = False):
        return self.call("POST", f"/omni-toolkit/v1/users/{quote(user_id)}/{method}", json_body=args or {},
                         expect_error=expect_error)


def decode_works(value: Any) -> list[dict[str, Any]]:
    """`getAgentWorks` resolves `{"works": "<JSON string>"}`, as the toolkit hands it to JavaScript."""
    works = value.get("works") if isinstance(value, dict) else value
    if isinstance(works, str):
        works = json.loads(works or "[]")
    return list(works or [])
