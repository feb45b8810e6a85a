"""The journal: every request with its response and every state change as an event, in one ordered feed."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .clock import VirtualClock


@dataclass(frozen=True)
class Entry:
    """One line of the journal.

    kind "request": data = {method, path, query, status, requestBody, responseBody, actor, ...}.
    kind "event":   data = whatever the platform model says changed; `type` names the change.
    """

    seq: int
    time: str
    kind: str  # "request" | "event"
    source: str  # "genesys" | "salesforce" | "harness"
    type: str
    correlationId: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


Listener = Callable[[Entry], None]

# Credentials never reach the journal: whatever reads it (the control API's /journal and /events, reports, the
# desktop timeline) is shown a stand-in. The stand-in is a keyed hash, stable for the life of the process, so two
# requests made with one token can still be told apart from requests made with another, but it cannot be replayed
# or guessed offline (the key is random per process).
SECRET_KEYS = frozenset(k.lower() for k in (
    "access_token", "refresh_token", "id_token", "client_secret", "password", "sessionId", "session_id", "sid",
    "Authorization", "security_token", "token", "outboundNotificationWebhookSignatureSecretToken", "secret",
))
_KEY = secrets.token_bytes(32)
_NAMES = "|".join(sorted((re.escape(k) for k in SECRET_KEYS), key=len, reverse=True))
# `Bearer x` / `OAuth x` / `Basic x` in a header value or a text body.
# Long and without spaces, as tokens are: "no bearer token specified" in an error message stays readable.
_SCHEME = re.compile(r"\b(Bearer|OAuth|Basic)(\s+)([A-Za-z0-9._~+/=!:-]{16,})", re.IGNORECASE)
# `password=x&client_secret=y` in a form body or a query string.
_FORM = re.compile(rf"(^|[&?;\s])({_NAMES})=([^&;\s]*)", re.IGNORECASE)
# `<password>x</password>`, `<sessionId>x</sessionId>` in the SOAP login (any namespace prefix).
_XML = re.compile(rf"(<(?:\w+:)?({_NAMES})>)([^<]*)(</)", re.IGNORECASE)
# `"access_token": "x"` inside a string that carries JSON text (a body journaled as text).
_JSON_TEXT = re.compile(rf"(\"({_NAMES})\"\s*:\s*\")((?:[^\"\\\\]|\\\\.)*)(\")", re.IGNORECASE)


def stand_in(kind: str, value: str) -> str:
    """What the journal keeps of a credential: its kind and a short keyed hash (`[redacted password 1a2b3c4d]`)."""
    digest = hmac.new(_KEY, value.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:8]
    return f"[redacted {kind.lower()} {digest}]"


def _is_stand_in(value: str) -> bool:
    return value.startswith("[redacted ")


def redact_text(text: str) -> str:
    """A header value, query string or text body with every credential in it replaced by its stand-in."""
    if not text:
        return text
    text = _SCHEME.sub(lambda m: f"{m[1]}{m[2]}{stand_in(m[1], m[3])}", text)
    text = _FORM.sub(lambda m: f"{m[1]}{m[2]}={stand_in(m[2], m[3])}" if m[3] else m[0], text)
    text = _XML.sub(lambda m: f"{m[1]}{stand_in(m[2], m[3])}{m[4]}" if m[3] else m[0], text)
    return _JSON_TEXT.sub(lambda m: f"{m[1]}{stand_in(m[2], m[3])}{m[4]}" if m[3] else m[0], text)


def redact(value: Any) -> Any:
    """A copy of `value` (journal data: bodies, query, headers) with every credential replaced by its stand-in:
    the values of secret-named keys at any depth, and `Bearer`/form/SOAP credentials inside strings."""
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in SECRET_KEYS and isinstance(item, str) and item \
                    and not _is_stand_in(item):
                keeps_scheme = key.lower() == "authorization" and _SCHEME.search(item)
                out[key] = redact_text(item) if keeps_scheme else stand_in(key, item)
            else:
                out[key] = redact(item)
        return out
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


class Journal:
    """Append-only, monotonically numbered; long-poll waits and synchronous listeners read it.

    Listeners run in append order on the appending thread, outside the journal lock, one append at
    a time, so a listener sees events exactly once and in sequence order. Listeners must be quick
    and must not append to the journal themselves.
    """

    def __init__(self, clock: VirtualClock, max_entries: int = 500_000) -> None:
        self.clock = clock
        self._cond = threading.Condition()
        self._dispatch = threading.Lock()
        self._entries: list[Entry] = []
        self._first_seq = 1
        self._next_seq = 1
        self._listeners: list[Listener] = []
        self._max = max_entries

    # -- writing ---------------------------------------------------------------------------------
    def append(self, kind: str, source: str, type: str, data: dict[str, Any], correlation_id: str = "") -> Entry:
        data = redact(data)  # before anyone (reader or listener) can see it
        with self._dispatch:
            with self._cond:
                entry = Entry(self._next_seq, self.clock.iso(), kind, source, type, correlation_id, data)
                self._next_seq += 1
                self._entries.append(entry)
                if len(self._entries) > self._max:
                    drop = len(self._entries) - self._max
                    del self._entries[:drop]
                    self._first_seq += drop
                self._cond.notify_all()
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(entry)
                except Exception:
                    import logging

                    logging.getLogger(__name__).exception("journal listener failed")
        return entry

    def event(self, source: str, type: str, data: dict[str, Any], correlation_id: str = "") -> Entry:
        return self.append("event", source, type, data, correlation_id)

    def request(self, source: str, data: dict[str, Any], correlation_id: str = "") -> Entry:
        return self.append("request", source, "http", data, correlation_id)

    def add_listener(self, listener: Listener) -> None:
        with self._cond:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._cond:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def clear(self) -> None:
        """Forget all entries; sequence numbers keep increasing so old cursors stay valid."""
        with self._cond:
            self._first_seq = self._next_seq
            self._entries.clear()
            self._cond.notify_all()

    # -- reading ---------------------------------------------------------------------------------
    @property
    def last_seq(self) -> int:
        with self._cond:
            return self._next_seq - 1

    def since(self, after: int = 0, kinds: Iterable[str] | None = None, source: str | None = None,
              limit: int | None = None) -> list[Entry]:
        with self._cond:
            return self._select(after, kinds, source, limit)

    def _select(self, after: int, kinds: Iterable[str] | None, source: str | None, limit: int | None) -> list[Entry]:
        start = max(0, after + 1 - self._first_seq)
        wanted = set(kinds) if kinds else None
        out = []
        for entry in self._entries[start:]:
            if wanted is not None and entry.kind not in wanted:
                continue
            if source is not None and entry.source != source:
                continue
            out.append(entry)
            if limit is not None and len(out) >= limit:
                break
        return out

    def wait(self, after: int, timeout: float, kinds: Iterable[str] | None = ("event",),
             source: str | None = None, limit: int | None = None) -> list[Entry]:
        """Entries after `after`, waiting up to `timeout` real seconds for at least one."""
        import time

        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while True:
                found = self._select(after, kinds, source, limit)
                if found:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)
