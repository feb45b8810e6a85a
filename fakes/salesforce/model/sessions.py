"""Salesforce sessions on the virtual clock: access tokens (OAuth, SOAP session ids, console sessions), refresh tokens.

`SessionStore` holds every access token (OAuth, SOAP session id, console session) and refresh token. It
journals `auth.session` {userId, kind, action} for every revocation and expiry; whoever issues a session
journals its "issued" event (`AuthBackend` in credentials.py), because only the issuer knows the request it
answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from omni_harness.fakes.core.clock import Timer, VirtualClock
from omni_harness.fakes.core.ids import IdFactory, sf_checksum

from ..errors import OAuthError, invalid_session

EVENT_TYPE = "auth.session"
DEFAULT_TTL_SECONDS = 7200  # the org's default session timeout (2 hours)


class SessionKind(StrEnum):
    OAUTH = "oauth"
    SOAP = "soap"
    CONSOLE = "console"


class SessionAction(StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"
    EXPIRED = "expired"


class GrantType(StrEnum):
    PASSWORD = "password"
    CLIENT_CREDENTIALS = "client_credentials"
    REFRESH_TOKEN = "refresh_token"


@dataclass
class Session:
    """One access token (a SOAP session id is one too) and who it acts for."""

    token: str
    user_id: str
    kind: str  # SessionKind value
    client_id: str | None
    issued_at: float  # epoch seconds on the virtual clock
    expires_at: float
    refresh_token: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"userId": self.user_id, "kind": self.kind, "clientId": self.client_id, "issuedAt": self.issued_at,
                "expiresAt": self.expires_at, "hasRefreshToken": self.refresh_token is not None}


@dataclass
class _RefreshGrant:
    token: str
    user_id: str
    kind: str
    client_id: str | None


Emitter = Callable[[str, dict[str, Any]], None]


class SessionOwner(Protocol):
    """The org a bound store shares its lock, ids, org id and journal with."""

    lock: Any
    ids: IdFactory
    org_id: str

    def emit(self, type: str, data: dict[str, Any], correlation_id: str = "") -> None: ...


class SessionStore:
    """Access and refresh tokens; access tokens expire on the virtual clock.

    Bound to its org (`bind`, done by the org that holds it), it shares the org's lock,
    ids and journal; on its own (unit tests) it has its own lock and journals through `emit` if given.
    """

    def __init__(self, clock: VirtualClock, ids: IdFactory, ttl_seconds: int = DEFAULT_TTL_SECONDS,
                 emit: Emitter | None = None, org_id: str | None = None, sliding_expiry: bool = False) -> None:
        self.clock = clock
        self._ids = ids
        self.ttl_seconds = ttl_seconds
        self._emit = emit
        self._org_id = org_id
        self.sliding_expiry = sliding_expiry
        self._owner: SessionOwner | None = None
        self.lock: Any = threading.RLock()
        self._sessions: dict[str, Session] = {}
        self._refresh: dict[str, _RefreshGrant] = {}
        self._timers: dict[str, Timer] = {}

    # -- wiring -----------------------------------------------------------------------------------------
    def bind(self, owner: SessionOwner) -> None:
        """Share the org's lock, ids (renewed on every reset), org id and journal."""
        if self._owner is owner:
            return
        self._owner = owner
        self.lock = owner.lock
        self._emit = owner.emit

    @property
    def bound(self) -> bool:
        return self._owner is not None

    @property
    def ids(self) -> IdFactory:
        return self._owner.ids if self._owner is not None else self._ids

    @property
    def org_id(self) -> str:
        value = (self._owner.org_id if self._owner is not None else None) or self._org_id
        if value:
            return value
        # what IdFactory.sf_id("00D") hands out first, without taking it from the org's sequence
        id15 = f"00D{self.ids.pod}0000000001"
        return id15 + sf_checksum(id15)

    # -- the store --------------------------------------------------------------------------------------
    def issue(self, user_id: str, kind: str, client_id: str | None = None, with_refresh: bool = False) -> Session:
        """A new access token (and refresh token when asked); the caller journals "issued"."""
        kind = SessionKind(kind).value
        with self.lock:
            refresh = None
            if with_refresh:
                refresh = "5Aep861" + self.ids.token(80)
                self._refresh[refresh] = _RefreshGrant(refresh, user_id, kind, client_id)
            return self._new_session(user_id, kind, client_id, refresh)

    def _new_session(self, user_id: str, kind: str, client_id: str | None, refresh: str | None) -> Session:
        now = self.clock.time()
        token = f"{self.org_id[:15]}!AQ{self.ids.token(96)}"
        session = Session(token, user_id, kind, client_id, now, now + self.ttl_seconds, refresh)
        self._sessions[token] = session
        self._schedule(session)
        return session

    def _schedule(self, session: Session) -> None:
        old = self._timers.pop(session.token, None)
        if old is not None:
            old.cancel()
        token = session.token
        self._timers[token] = self.clock.call_at(session.expires_at, lambda: self._expire_if_due(token),
                                                 name="salesforce-session-expiry")

    def validate(self, token: str | None) -> Session:
        """The live session of `token`; 401 INVALID_SESSION_ID when unknown, revoked or expired."""
        if not isinstance(token, str) or not token:
            raise invalid_session()
        with self.lock:
            session = self._sessions.get(token)
            if session is None:
                raise invalid_session()
            now = self.clock.time()
            if now >= session.expires_at:
                self._end(session, SessionAction.EXPIRED)
                raise invalid_session()
            if self.sliding_expiry and now - session.issued_at > self.ttl_seconds / 2:
                session.expires_at = now + self.ttl_seconds
                self._schedule(session)
            return session

    def refresh(self, refresh_token: str, client_id: str | None = None) -> Session:
        """A new access token for a refresh token (which stays valid); OAuthError invalid_grant otherwise."""
        with self.lock:
            grant = self._refresh.get(refresh_token) if isinstance(refresh_token, str) else None
            if grant is None or (client_id is not None and grant.client_id not in (None, client_id)):
                raise OAuthError("invalid_grant", "expired access/refresh token")
            return self._new_session(grant.user_id, grant.kind, grant.client_id, grant.token)

    def revoke(self, token: str) -> bool:
        """Revoke an access token, or a refresh token with every access token issued from it."""
        with self.lock:
            session = self._sessions.get(token)
            if session is not None:
                self._end(session, SessionAction.REVOKED)
                return True
            grant = self._refresh.pop(token, None)
            if grant is None:
                return False
            children = [s for s in self._sessions.values() if s.refresh_token == token]
            for child in children:
                self._end(child, SessionAction.REVOKED)
            if not children:
                self._journal(grant.user_id, grant.kind, SessionAction.REVOKED)
            return True

    def expire_all(self) -> int:
        """Expire every live access token now (refresh tokens survive); returns how many."""
        with self.lock:
            live = list(self._sessions.values())
            for session in live:
                self._end(session, SessionAction.EXPIRED)
            return len(live)

    def reset(self, ids: IdFactory | None = None) -> None:
        with self.lock:
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
            self._sessions.clear()
            self._refresh.clear()
            if ids is not None:
                self._ids = ids

    def sessions(self) -> list[Session]:
        with self.lock:
            return list(self._sessions.values())

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {"sessions": [s.to_json() for s in self._sessions.values()],
                    "refreshTokens": len(self._refresh)}

    # -- internals --------------------------------------------------------------------------------------
    def _expire_if_due(self, token: str) -> None:
        with self.lock:
            session = self._sessions.get(token)
            if session is not None and self.clock.time() >= session.expires_at:
                self._end(session, SessionAction.EXPIRED)

    def _end(self, session: Session, action: SessionAction) -> None:
        self._sessions.pop(session.token, None)
        timer = self._timers.pop(session.token, None)
        if timer is not None:
            timer.cancel()
        self._journal(session.user_id, session.kind, action)

    def _journal(self, user_id: str, kind: str, action: SessionAction) -> None:
        if self._emit is not None:
            self._emit(EVENT_TYPE, {"userId": user_id, "kind": kind, "action": action.value})
