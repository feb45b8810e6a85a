"""HTTP plumbing for the Salesforce side: a requests session that trusts the configured CA and honours 429."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# (connect, read) seconds; a stuck platform must not hold a worker forever.
DEFAULT_TIMEOUT = (5.0, 30.0)


class PlatformSession(requests.Session):
    """requests.Session with default time-outs and transparent retries of 429/503 after `Retry-After`.

    A 429 means the request was not processed, so retrying a POST is safe; urllib3 sleeps for the
    `Retry-After` value (or backs off exponentially when the header is missing).
    """

    def __init__(self, ca_file: str | None, retries: int = 6, plain_http_hosts: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.verify = ca_file or True
        # simple-salesforce always builds https:// URLs; a plain-http instance (a local fake without TLS)
        # is reached by rewriting the scheme for exactly those hosts.
        self.plain_http_hosts = tuple(plain_http_hosts)
        retry = Retry(total=retries, connect=3, read=0, other=0, status=retries, status_forcelist=(429, 503),
                      allowed_methods=None, respect_retry_after_header=True, backoff_factor=0.25,
                      raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=32)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
        # Explicit, so a REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE inherited from elsewhere cannot override the CA.
        kwargs.setdefault("verify", self.verify)
        for host in self.plain_http_hosts:
            if url.startswith(f"https://{host}/") or url == f"https://{host}":
                url = "http://" + url[len("https://"):]
                break
        return super().request(method, url, *args, **kwargs)
