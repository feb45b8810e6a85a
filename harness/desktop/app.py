"""The agent desktop's WSGI app: the page, its assets, and a plain forward of `/genesys/...` and `/salesforce/...`.

The fakes serve no CORS and their control API refuses cross-origin requests, so the page talks only to its own
origin and this app forwards each call server-side: method, path, query, body, `Authorization`, `Content-Type`,
`Accept` and the correlation id, nothing else (no `Origin`, no cookies). The fakes therefore journal every click
exactly as they would a client's request, with the agent's own token as the actor.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import requests
from flask import Flask, Response, request
from requests.adapters import HTTPAdapter

from omni_harness.fakes.core.app import flask_app
from omni_harness.fakes.core.control import hostname, is_local_host

# The page's requests that a platform reads; everything else the browser adds (cookies, Origin, Referer,
# Sec-Fetch-*) stays here.
FORWARDED_REQUEST_HEADERS = ("Authorization", "Content-Type", "Accept", "inin-correlation-id")
# Hop-by-hop headers (RFC 9110 §7.6.1) and the framing this app recomputes for its own response.
DROPPED_RESPONSE_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                            "transfer-encoding", "upgrade", "content-encoding", "content-length", "date", "server"}
# `/_fake/events` holds a request up to 30 s; the forward waits a little longer than that.
FORWARD_TIMEOUT_SECONDS = 45.0
FORWARD_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
USER_AGENT = "omni-harness-desktop"
EVENTS_PATH = "_fake/events"
EVENTS_HOLD_SECONDS = 1.0
MAX_EVENTS_WAIT_SECONDS = 30.0  # what the control API holds at most; a longer wait is answered the same
ASSETS = {"desktop.js": "text/javascript", "desktop.css": "text/css"}
PLATFORMS = {"genesys": "Genesys Cloud", "salesforce": "Salesforce"}
FORWARDER_KEY = "omni_desktop_forwarder"


@dataclass(frozen=True)
class DesktopTargets:
    """Where the two fakes answer and which CA their certificates chain to (None: the system's trust store)."""

    genesys_url: str
    salesforce_url: str
    ca_file: str | None = None

    def url(self, platform: str) -> str:
        return self.genesys_url if platform == "genesys" else self.salesforce_url


def _refusal(status: int, error: str, message: str) -> Response:
    """The desktop's own refusals, shaped like the control API's so the page shows them the same way."""
    return Response(json.dumps({"error": error, "message": message}), status=status, mimetype="application/json")


@dataclass
class Forwarder:
    """One keep-alive session per platform, verified against the stack's CA."""

    targets: DesktopTargets
    sessions: dict[str, requests.Session] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        for platform in PLATFORMS:
            session = requests.Session()
            session.verify = self.targets.ca_file or True
            # Only the fakes' own CA counts; a REQUESTS_CA_BUNDLE or proxy of the environment does not apply.
            session.trust_env = False
            # A long-poll per open page plus the page's reads and clicks run at once.
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            self.sessions[platform] = session

    def close(self) -> None:
        self.stopping.set()
        for session in self.sessions.values():
            session.close()

    def _events(self, platform: str, base: str, headers: dict[str, str]) -> requests.Response:
        """`GET /_fake/events?wait=S` held as a series of holds of at most a second each, same query otherwise.

        A hold cannot be interrupted from here, so one of 25 s would keep the desktop from stopping for as long
        (the control API journals no request, so the fake's journal looks the same either way).
        """
        args = request.args.to_dict(flat=True)
        try:
            wait = min(max(0.0, float(args.get("wait") or 0)), MAX_EVENTS_WAIT_SECONDS)
        except ValueError:
            wait = 0.0  # forwarded as given: the fake answers a malformed wait with its own error
        deadline = time.monotonic() + wait
        while True:
            remaining = deadline - time.monotonic()
            hold = min(remaining, EVENTS_HOLD_SECONDS)
            if "wait" in args and hold > 0 and wait > 0:
                args["wait"] = f"{hold:.3f}"
            answer = self.sessions[platform].get(f"{base}/{EVENTS_PATH}", params=args, headers=headers,
                                                 timeout=FORWARD_TIMEOUT_SECONDS, allow_redirects=False)
            if answer.status_code != 200 or remaining <= EVENTS_HOLD_SECONDS or self.stopping.is_set():
                return answer
            try:
                body = answer.json()
            except ValueError:
                return answer
            if not isinstance(body, dict) or body.get("events"):
                return answer

    def forward(self, platform: str, path: str) -> Response:
        base = self.targets.url(platform).rstrip("/")
        headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers}
        headers["User-Agent"] = USER_AGENT
        body = request.get_data(cache=False)
        try:
            if request.method == "GET" and path.strip("/") == EVENTS_PATH:
                answer = self._events(platform, base, headers)
            else:
                query = request.query_string.decode("latin-1")
                answer = self.sessions[platform].request(request.method, f"{base}/{path}" + (f"?{query}" if query else ""),
                                                         data=body or None, headers=headers,
                                                         timeout=FORWARD_TIMEOUT_SECONDS, allow_redirects=False)
        except requests.RequestException as exc:
            return _refusal(502, "bad_gateway", f"the desktop cannot reach the {PLATFORMS[platform]} fake at {base}: "
                                                f"{exc.__class__.__name__}: {exc}")
        response = Response(answer.content, status=answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in DROPPED_RESPONSE_HEADERS:
                response.headers[name] = value
        if "Content-Type" not in answer.headers:
            response.headers.pop("Content-Type", None)
        return response


def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


def create_desktop_app(genesys_url: str, salesforce_url: str, ca_file: str | None = None,
                       allowed_hosts: tuple[str, ...] = ()) -> Flask:
    """The agent desktop for the fakes at `genesys_url` and `salesforce_url`.

    `ca_file` is the stack's CA (TLS verified against it); `allowed_hosts` are names besides loopback addresses
    and IP literals under which the page may be opened (the host it is served on, when that is a DNS name).
    """
    targets = DesktopTargets(genesys_url, salesforce_url, ca_file)
    forwarder = Forwarder(targets)
    allowed = {h.lower() for h in allowed_hosts}
    app = flask_app(__name__, static_folder=None)
    app.config["DESKTOP_TARGETS"] = targets
    app.extensions[FORWARDER_KEY] = forwarder

    @app.before_request
    def _guard() -> Response | None:
        # The forward reaches the control API, which has no credential: refuse what only another site would
        # send, as the control API itself does (a DNS-rebinding Host; an Origin of another host).
        host = hostname(request.host or "")
        if not is_local_host(host, allowed):
            return _refusal(403, "forbidden", f"the desktop answers only on its own address, not Host {request.host!r}")
        origin = request.headers.get("Origin")
        if origin is not None and hostname(origin) != host:
            return _refusal(403, "forbidden", f"the desktop refuses cross-origin requests (Origin {origin!r})")
        return None

    @app.get("/")
    def page() -> Response:
        response = Response(_asset("index.html"), mimetype="text/html")
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/assets/<name>")
    def asset(name: str) -> Response:
        if name not in ASSETS:
            return _refusal(404, "not_found", f"no asset {name!r}")
        response = Response(_asset(name), mimetype=ASSETS[name])
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.route("/genesys/<path:path>", methods=FORWARD_METHODS)
    def genesys(path: str) -> Response:
        return forwarder.forward("genesys", path)

    @app.route("/salesforce/<path:path>", methods=FORWARD_METHODS)
    def salesforce(path: str) -> Response:
        return forwarder.forward("salesforce", path)

    @app.after_request
    def _headers(response: Response) -> Response:
        # Nothing on the page comes from elsewhere; say so to the browser.
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    def _not_found(_exc: Any) -> Response:
        return _refusal(404, "not_found", f"the desktop has no page {request.path!r}")

    def _not_allowed(_exc: Any) -> Response:
        return _refusal(405, "method_not_allowed", f"{request.method} is not forwarded")

    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _not_allowed)
    return app
