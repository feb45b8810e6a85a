"""Salesforce authentication: sessions on the virtual clock, the OAuth 2.0 token endpoint, SOAP login, revoke.

`SessionStore` holds every access token (OAuth, SOAP session id, console session) and refresh token. It
journals `auth.session` {userId, kind, action} for every revocation and expiry; whoever issues a session
journals its "issued" event (the token endpoint and SOAP login here, `mint_token` for console sessions),
because only the issuer knows the request it answers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus
from xml.sax.saxutils import escape

from flask import Blueprint, Response, g, has_request_context, request

from fakes.core.clock import Timer, VirtualClock
from fakes.core.ids import IdFactory, sf_checksum

from .errors import OAuthError, SalesforceError, SoapFault, invalid_session

if TYPE_CHECKING:
    from .models import SalesforceFake

EVENT_TYPE = "auth.session"
DEFAULT_TTL_SECONDS = 7200  # the org's default session timeout (2 hours)
JSON_MIME = "application/json;charset=UTF-8"
NO_STORE = "no-cache,must-revalidate,max-age=0,no-store,private"

# inferred: the fake's clients run from a trusted IP range, so the password may come with or without the
# security token appended; set True to insist on it as an org without trusted ranges does.
REQUIRE_SECURITY_TOKEN = False
# Client credentials must hit the org's My Domain host; the generic login hosts refuse it.
CLIENT_CREDENTIALS_REFUSED_HOSTS = ("login.salesforce.com", "test.salesforce.com")
# inferred: access tokens live a fixed time from issue (the platform also extends sessions on activity).
SLIDING_EXPIRY = False


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


class SessionStore:
    """Access and refresh tokens; access tokens expire on the virtual clock.

    Bound to its org (`bind`, done by the blueprint and `current_session`), it shares the org's lock,
    ids and journal; on its own (unit tests) it has its own lock and journals through `emit` if given.
    """

    def __init__(self, clock: VirtualClock, ids: IdFactory, ttl_seconds: int = DEFAULT_TTL_SECONDS,
                 emit: Emitter | None = None, org_id: str | None = None) -> None:
        self.clock = clock
        self._ids = ids
        self.ttl_seconds = ttl_seconds
        self._emit = emit
        self._org_id = org_id
        self._owner: Any = None
        self.lock: Any = threading.RLock()
        self._sessions: dict[str, Session] = {}
        self._refresh: dict[str, _RefreshGrant] = {}
        self._timers: dict[str, Timer] = {}

    # -- wiring -----------------------------------------------------------------------------------------
    def bind(self, owner: Any) -> None:
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
        value = getattr(self._owner, "org_id", None) or self._org_id
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
            if SLIDING_EXPIRY and now - session.issued_at > self.ttl_seconds / 2:
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


# -- helpers the org and the other blueprints call ---------------------------------------------------------

def _store(fake: SalesforceFake) -> SessionStore:
    store = fake.sessions
    if isinstance(store, SessionStore) and not store.bound:
        store.bind(fake)
    return store


def journal_issued(fake: SalesforceFake, session: Session) -> None:
    fake.emit(EVENT_TYPE, {"userId": session.user_id, "kind": session.kind, "action": SessionAction.ISSUED.value},
              getattr(g, "correlation_id", "") if _in_request() else "")


def _in_request() -> bool:
    return has_request_context()


def base_url(fake: SalesforceFake) -> str:
    """The fake's own base URL (its "api" listener), or the request's host before `bind`."""
    url = (fake.urls or {}).get("api")
    if url:
        return url.rstrip("/")
    if _in_request():
        return request.host_url.rstrip("/")
    return "https://127.0.0.1"


def identity_url(fake: SalesforceFake, user_id: str) -> str:
    return f"{base_url(fake)}/id/{_store(fake).org_id}/{user_id}"


def token_response(fake: SalesforceFake, session: Session, scope: str | None = None,
                   client_credentials: bool = False) -> dict[str, Any]:
    """The OAuth token response for `session`: issued_at in epoch ms, signature = HMAC-SHA256(id + issued_at)."""
    issued_at = str(int(session.issued_at * 1000))
    identity = identity_url(fake, session.user_id)
    secret = fake.world.plan.credentials.salesforce_client_secret.encode()
    signature = base64.b64encode(hmac.new(secret, (identity + issued_at).encode(), hashlib.sha256).digest()).decode()
    out: dict[str, Any] = {"access_token": session.token}
    if session.refresh_token:
        out["refresh_token"] = session.refresh_token
    out["signature"] = signature
    if scope:
        out["scope"] = scope
    out["instance_url"] = base_url(fake)
    out["id"] = identity
    out["token_type"] = "Bearer"
    out["issued_at"] = issued_at
    if client_credentials:
        # inferred: the platform answers https://api.salesforce.com; the fake keeps clients on itself
        out["api_instance_url"] = base_url(fake)
    return out


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None


def current_session(fake: SalesforceFake) -> Session:
    """The validated session of this request (`Authorization: Bearer|OAuth <token>`); sets `g.actor`.

    Raises SalesforceError 401 `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`.
    """
    store = _store(fake)
    session = store.validate(bearer_token())
    g.actor = {"kind": session.kind, "userId": session.user_id}
    return session


# -- credentials ---------------------------------------------------------------------------------------

def _check_client(fake: SalesforceFake, client_id: str | None, client_secret: str | None,
                  secret_required: bool = True) -> str:
    creds = fake.world.plan.credentials
    if not client_id or not hmac.compare_digest(client_id, creds.salesforce_client_id):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if client_secret is None and not secret_required:
        return client_id
    if not client_secret or not hmac.compare_digest(client_secret, creds.salesforce_client_secret):
        raise OAuthError("invalid_client", "invalid client credentials")
    return client_id


def _check_user(fake: SalesforceFake, username: str | None, password: str | None) -> str | None:
    """The user id for the integration user's username and password (+ security token), else None."""
    creds = fake.world.plan.credentials
    if not username or password is None:
        return None
    if username.strip().lower() != creds.salesforce_username.lower():
        return None
    accepted = [creds.salesforce_password + creds.salesforce_security_token]
    if not REQUIRE_SECURITY_TOKEN:
        accepted.append(creds.salesforce_password)
    if not any(hmac.compare_digest(password, candidate) for candidate in accepted):
        return None
    return fake.user_id_for_username(username) or fake.integration_user_id or None


def _basic_credentials() -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return unquote_plus(client_id), None
    return unquote_plus(client_id), unquote_plus(secret)


def _json_response(body: Any, status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status)
    response.headers["Content-Type"] = JSON_MIME
    response.headers["Cache-Control"] = NO_STORE
    return response


# -- SOAP login ------------------------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _soap_login_request(body: bytes) -> tuple[str, str, str | None]:
    """(username, password, client) from a partner-API login envelope, whatever its prefixes."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        # inferred wording: the platform's parser error names the offending XML
        raise SoapFault("UNKNOWN_EXCEPTION", "Unable to parse the request body as a SOAP envelope.") from None
    login = next((el for el in root.iter() if _local(el.tag) == "login"), None)
    if login is None:
        raise SoapFault("INVALID_OPERATION", "No operation available for request {urn:partner.soap.sforce.com}"
                        "login; only login is supported on this endpoint.")
    values = {_local(child.tag): (child.text or "") for child in login}
    client = next((el.text for el in root.iter() if _local(el.tag) == "client"), None)
    return values.get("username", ""), values.get("password", ""), client


def _xml(tag: str, value: Any) -> str:
    if value is None:
        return f'<{tag} xsi:nil="true"/>'
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _soap_login_response(fake: SalesforceFake, session: Session, version: str) -> str:
    base = base_url(fake)
    org_id = _store(fake).org_id
    user = fake.get_record("User", session.user_id) or {}
    user_info = "".join([
        _xml("accessibilityMode", False), _xml("chatterExternal", False), _xml("currencySymbol", "$"),
        _xml("orgAttachmentFileSizeLimit", 5242880), _xml("orgDefaultCurrencyIsoCode", "USD"),
        _xml("orgDefaultCurrencyLocale", "en_US"), _xml("orgDisallowHtmlAttachments", False),
        _xml("orgHasPersonAccounts", False), _xml("organizationId", org_id),
        _xml("organizationMultiCurrency", False),
        _xml("organizationName", getattr(fake, "organization_name", None) or "omni-harness"),
        _xml("profileId", user.get("ProfileId")), _xml("roleId", user.get("UserRoleId")),
        _xml("sessionSecondsValid", int(session.expires_at - session.issued_at)),
        _xml("userDefaultCurrencyIsoCode", None), _xml("userEmail", user.get("Email")),
        _xml("userFullName", user.get("Name")), _xml("userId", session.user_id),
        _xml("userLanguage", user.get("LanguageLocaleKey") or "en_US"),
        _xml("userLocale", user.get("LocaleSidKey") or "en_US"), _xml("userName", user.get("Username")),
        _xml("userTimeZone", user.get("TimeZoneSidKey") or "America/Los_Angeles"),
        _xml("userType", user.get("UserType") or "Standard"), _xml("userUiSkin", "Theme3"),
    ])
    # The partner namespace is the default one: simple-salesforce looks for unprefixed sessionId/serverUrl.
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        + _xml("metadataServerUrl", f"{base}/services/Soap/m/{version}/{org_id[:15]}")
        + _xml("passwordExpired", False)
        + _xml("sandbox", False)
        + _xml("serverUrl", f"{base}/services/Soap/u/{version}/{org_id[:15]}")
        + _xml("sessionId", session.token)
        + _xml("userId", session.user_id)
        + f"<userInfo>{user_info}</userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )


def _supported_version(version: str) -> bool:
    from .settings import MAX_API_VERSION, MIN_API_VERSION

    major, dot, minor = version.partition(".")
    return bool(dot) and major.isdigit() and minor == "0" and MIN_API_VERSION <= int(major) <= MAX_API_VERSION


# -- the blueprint -------------------------------------------------------------------------------------

def make_oauth_blueprint(fake: SalesforceFake) -> Blueprint:
    """`POST /services/oauth2/token`, `POST /services/Soap/u/<version>`, `POST|GET /services/oauth2/revoke`,
    `GET /id/<orgId>/<userId>`."""
    bp = Blueprint("salesforce_oauth", __name__)
    store = _store(fake)

    @bp.post("/services/oauth2/token")
    def token():
        params: dict[str, str] = dict(request.args.items())
        params.update(request.form.items())
        grant = params.get("grant_type")
        if not grant:
            if request.mimetype != "application/x-www-form-urlencoded" and not request.args:
                # a JSON or empty body: the endpoint never sees a grant type
                raise OAuthError("unsupported_grant_type", "grant type not supported")
            raise OAuthError("invalid_request", "grant type is missing")
        if grant == GrantType.PASSWORD:
            _check_client(fake, params.get("client_id"), params.get("client_secret"))
            with fake.lock:
                user_id = _check_user(fake, params.get("username"), params.get("password"))
                if user_id is None:
                    raise OAuthError("invalid_grant", "authentication failure")
                session = store.issue(user_id, SessionKind.OAUTH, params.get("client_id"))
                journal_issued(fake, session)
            body = token_response(fake, session)
        elif grant == GrantType.CLIENT_CREDENTIALS:
            basic_id, basic_secret = _basic_credentials()
            client_id = basic_id or params.get("client_id")
            secret = basic_secret if basic_id else params.get("client_secret")
            _check_client(fake, client_id, secret)
            if request.host.split(":")[0].lower() in CLIENT_CREDENTIALS_REFUSED_HOSTS:
                raise OAuthError("invalid_grant", "request not supported on this domain")
            with fake.lock:
                user_id = fake.integration_user_id
                if not user_id:
                    raise OAuthError("invalid_grant", "no client credentials user enabled")
                session = store.issue(user_id, SessionKind.OAUTH, client_id)
                journal_issued(fake, session)
            body = token_response(fake, session, scope="api", client_credentials=True)
        elif grant == GrantType.REFRESH_TOKEN:
            _check_client(fake, params.get("client_id"), params.get("client_secret"), secret_required=False)
            with fake.lock:
                session = store.refresh(params.get("refresh_token") or "", params.get("client_id"))
                journal_issued(fake, session)
            body = token_response(fake, session, scope="api refresh_token")
            body.pop("refresh_token", None)  # the refresh grant does not hand the refresh token back
        else:
            # the fake does not verify JWT bearer assertions or run interactive flows
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        g.actor = {"kind": session.kind, "userId": session.user_id}
        return _json_response(body)

    @bp.post("/services/Soap/u/<version>")
    def soap_login(version: str):
        if not _supported_version(version):
            raise SoapFault("UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL")  # inferred wording
        username, password, client = _soap_login_request(request.get_data(cache=True))
        with fake.lock:
            user_id = _check_user(fake, username, password)
            if user_id is None:
                raise SoapFault()  # INVALID_LOGIN, the platform's one answer for any bad credential
            session = store.issue(user_id, SessionKind.SOAP, client)
            journal_issued(fake, session)
        g.actor = {"kind": session.kind, "userId": session.user_id}
        response = Response(_soap_login_response(fake, session, version), status=200)
        response.headers["Content-Type"] = "text/xml;charset=UTF-8"
        return response

    @bp.route("/services/oauth2/revoke", methods=["GET", "POST"])
    def revoke():
        value = request.form.get("token") or request.args.get("token")
        with fake.lock:
            found = bool(value) and store.revoke(value)
        if not found:
            raise OAuthError("invalid_token", "invalid token")  # inferred wording
        response = Response(b"", status=200)
        response.headers["Cache-Control"] = NO_STORE
        return response

    @bp.get("/id/<org_id>/<user_id>")
    def identity(org_id: str, user_id: str):
        session = current_session(fake)
        if user_id[:15] != session.user_id[:15] or org_id[:15] != store.org_id[:15]:
            raise SalesforceError(403, "INSUFFICIENT_ACCESS", "Bad_Id")  # inferred: a token reads only its own id
        user = fake.get_record("User", session.user_id) or {}
        base = base_url(fake)
        return _json_response(_identity_body(base, store.org_id, session.user_id, user))

    return bp


def _identity_body(base: str, org_id: str, user_id: str, user: dict[str, Any]) -> dict[str, Any]:
    version = "{version}"
    return {
        "id": f"{base}/id/{org_id}/{user_id}", "asserted_user": True, "user_id": user_id,
        "organization_id": org_id, "username": user.get("Username"), "nick_name": user.get("CommunityNickname"),
        "display_name": user.get("Name"), "email": user.get("Email"), "email_verified": True,
        "first_name": user.get("FirstName"), "last_name": user.get("LastName"),
        "timezone": user.get("TimeZoneSidKey") or "America/Los_Angeles", "active": bool(user.get("IsActive", True)),
        "user_type": "STANDARD", "language": user.get("LanguageLocaleKey") or "en_US",
        "locale": user.get("LocaleSidKey") or "en_US", "utcOffset": 0,
        "last_modified_date": user.get("LastModifiedDate"), "is_app_installed": True,
        "urls": {
            "enterprise": f"{base}/services/Soap/c/{version}/{org_id[:15]}",
            "metadata": f"{base}/services/Soap/m/{version}/{org_id[:15]}",
            "partner": f"{base}/services/Soap/u/{version}/{org_id[:15]}",
            "rest": f"{base}/services/data/v{version}/",
            "sobjects": f"{base}/services/data/v{version}/sobjects/",
            "search": f"{base}/services/data/v{version}/search/",
            "query": f"{base}/services/data/v{version}/query/",
            "recent": f"{base}/services/data/v{version}/recent/",
            "profile": f"{base}/{user_id}",
            "custom_domain": base,
        },
    }
