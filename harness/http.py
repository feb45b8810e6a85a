"""HTTP plumbing shared by every actor: one keep-alive session per caller, correlation ids, typed API errors."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

# Both fakes take the caller's `inin-correlation-id` as the correlation id of the request and of every
# event it causes, so the harness tags its own traffic with ids it remembers (reports tell it apart
# from the connector's, and a scenario's journal slice can be found by them).
CORRELATION_HEADER = "inin-correlation-id"
USER_AGENT = "omni-harness"


class ApiError(Exception):
    """A platform answered with a status outside 2xx; `body` is the decoded error body."""

    def __init__(self, method: str, url: str, status: int, body: Any, correlation_id: str = "") -> None:
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.correlation_id = correlation_id
        super().__init__(f"{method} {url} answered {status}: {_short(body)}")

    @property
    def code(self) -> str | None:
        """Genesys `code` or Salesforce `errorCode` (first error of the array)."""
        body = self.body
        if isinstance(body, list) and body and isinstance(body[0], dict):
            return body[0].get("errorCode")
        if isinstance(body, dict):
            return body.get("code") or body.get("errorCode") or body.get("error")
        return None


def _short(body: Any, limit: int = 300) -> str:
    text = body if isinstance(body, str) else json.dumps(body)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass
class Tagger:
    """Hands out correlation ids and remembers them, so a scenario can find its own requests in the journal."""

    prefix: str = ""
    sent: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def next(self) -> str:
        cid = str(uuid.uuid4())
        with self._lock:
            self.sent.append(cid)
        return cid


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]
    correlation_id: str


class HttpClient:
    """A base URL, a CA bundle and an `Authorization` source; answers decoded JSON or raises `ApiError`."""

    def __init__(self, base_url: str, verify: str | bool = True, auth: Callable[[], str | None] | None = None,
                 tagger: Tagger | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.verify = verify
        # Only the fakes' own CA counts: a REQUESTS_CA_BUNDLE in the environment would otherwise replace it.
        self.session.trust_env = False
        self.session.headers["User-Agent"] = USER_AGENT
        self.auth = auth
        self.tagger = tagger
        self.timeout = timeout

    def close(self) -> None:
        self.session.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def call_renewing(self, method: str, path: str, **kw: Any) -> Response:
        """Like `call`, fetching the token again once after a 401 (expired or revoked token), when the
        `Authorization` source can `forget()` it."""
        forget = getattr(self.auth, "forget", None)
        try:
            answer = self.call(method, path, **kw)
        except ApiError as exc:
            if exc.status != 401 or forget is None:
                raise
            forget()
            return self.call(method, path, **kw)
        if answer.status == 401 and forget is not None:
            forget()
            return self.call(method, path, **kw)
        return answer

    def call(self, method: str, path: str, *, json_body: Any = None, data: Any = None,
             params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
             timeout: float | None = None, expect_error: bool = False) -> Response:
        """One request. With `expect_error` a non-2xx answer is returned instead of raised."""
        hdrs = dict(headers or {})
        if self.auth is not None and "Authorization" not in hdrs:
            value = self.auth()
            if value:
                hdrs["Authorization"] = value
        cid = self.tagger.next() if self.tagger is not None else ""
        if cid:
            hdrs[CORRELATION_HEADER] = cid
        kwargs: dict[str, Any] = {"params": params, "headers": hdrs, "timeout": timeout or self.timeout}
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body)
            hdrs["Content-Type"] = "application/json"
        elif data is not None:
            kwargs["data"] = data
        url = self.url(path)
        resp = self.session.request(method, url, **kwargs)
        body: Any = None
        if resp.content:
            try:
                body = resp.json()
            except ValueError:
                body = resp.text
        out = Response(resp.status_code, body, dict(resp.headers), cid)
        if resp.status_code >= 300 and not expect_error:
            raise ApiError(method, url, resp.status_code, body, cid)
        return out

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw).body

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, json_body=body, **kw).body

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, json_body=body, **kw).body

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PUT", path, json_body=body, **kw).body

    def delete(self, path: str, **kw: Any) -> Any:
        return self.call("DELETE", path, **kw).body


class MintedToken:
    """An agent's own token from a fake's `POST /_fake/tokens {"userId"}` (Genesys user token or Salesforce
    console session), minted on first use and again after `forget()`."""

    def __init__(self, mint: Callable[[], dict[str, Any]]) -> None:
        self._mint = mint
        self._token: str | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = self._mint()["access_token"]
            return f"Bearer {self._token}"

    def forget(self) -> None:
        with self._lock:
            self._token = None
