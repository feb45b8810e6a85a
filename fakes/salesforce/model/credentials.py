"""Who may have a session: the OAuth grants, SOAP login, revocation, the identity check and console sessions.

`AuthBackend` owns every rule of the token endpoint and the partner API's login; the handlers only parse the
form / envelope and serialise its answers. Each issued session journals `auth.session` "issued" here, under the
request's correlation id.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from ..config import MAX_API_VERSION, MIN_API_VERSION
from ..errors import OAuthError, SoapFault, control_bad_request, control_not_found, insufficient_access
from .org import SalesforceOrg
from .sessions import EVENT_TYPE, GrantType, Session, SessionAction, SessionKind, SessionStore


@dataclass(frozen=True)
class Grant:
    """An issued session and how the token response presents it."""

    session: Session
    scope: str | None = None
    client_credentials: bool = False
    returns_refresh_token: bool = True


class AuthBackend:
    """Credentials of the org's connected app and integration user, checked against the seed plan."""

    def __init__(self, org: SalesforceOrg, sessions: SessionStore) -> None:
        self.org = org
        self.sessions = sessions

    # -- credentials -------------------------------------------------------------------------------
    def check_client(self, client_id: str | None, client_secret: str | None, secret_required: bool = True) -> str:
        creds = self.org.world.plan.credentials
        if not client_id or not hmac.compare_digest(client_id, creds.salesforce_client_id):
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if client_secret is None and not secret_required:
            return client_id
        if not client_secret or not hmac.compare_digest(client_secret, creds.salesforce_client_secret):
            raise OAuthError("invalid_client", "invalid client credentials")
        return client_id

    def check_user(self, username: str | None, password: str | None) -> str | None:
        """The user id for the integration user's username and password (+ security token), else None."""
        creds = self.org.world.plan.credentials
        if not username or password is None:
            return None
        if username.strip().lower() != creds.salesforce_username.lower():
            return None
        accepted = [creds.salesforce_password + creds.salesforce_security_token]
        if not self.org.config.require_security_token:
            accepted.append(creds.salesforce_password)
        if not any(hmac.compare_digest(password, candidate) for candidate in accepted):
            return None
        return self.org.user_id_for_username(username) or self.org.integration_user_id or None

    # -- the token endpoint ------------------------------------------------------------------------
    def grant(self, grant_type: str | None, params: dict[str, str], basic: tuple[str | None, str | None],
              host: str, form_encoded: bool) -> Grant:
        """`POST /services/oauth2/token`: `params` are the query and form fields, `basic` the Basic credentials."""
        if not grant_type:
            if not form_encoded:
                # a JSON or empty body: the endpoint never sees a grant type
                raise OAuthError("unsupported_grant_type", "grant type not supported")
            raise OAuthError("invalid_request", "grant type is missing")
        if grant_type == GrantType.PASSWORD:
            return self.password_grant(params.get("client_id"), params.get("client_secret"), params.get("username"),
                                       params.get("password"))
        if grant_type == GrantType.CLIENT_CREDENTIALS:
            basic_id, basic_secret = basic
            client_id = basic_id or params.get("client_id")
            secret = basic_secret if basic_id else params.get("client_secret")
            return self.client_credentials_grant(client_id, secret, host)
        if grant_type == GrantType.REFRESH_TOKEN:
            return self.refresh_token_grant(params.get("client_id"), params.get("client_secret"),
                                            params.get("refresh_token"))
        # the fake does not verify JWT bearer assertions or run interactive flows
        raise OAuthError("unsupported_grant_type", "grant type not supported")

    def password_grant(self, client_id: str | None, client_secret: str | None, username: str | None,
                       password: str | None) -> Grant:
        self.check_client(client_id, client_secret)
        with self.org.lock:
            user_id = self.check_user(username, password)
            if user_id is None:
                raise OAuthError("invalid_grant", "authentication failure")
            session = self.sessions.issue(user_id, SessionKind.OAUTH, client_id)
            self.journal_issued(session)
        return Grant(session)

    def client_credentials_grant(self, client_id: str | None, client_secret: str | None, host: str) -> Grant:
        client_id = self.check_client(client_id, client_secret)
        if host.split(":")[0].lower() in self.org.config.client_credentials_refused_hosts:
            raise OAuthError("invalid_grant", "request not supported on this domain")
        with self.org.lock:
            user_id = self.org.integration_user_id
            if not user_id:
                raise OAuthError("invalid_grant", "no client credentials user enabled")
            session = self.sessions.issue(user_id, SessionKind.OAUTH, client_id)
            self.journal_issued(session)
        return Grant(session, scope="api", client_credentials=True)

    def refresh_token_grant(self, client_id: str | None, client_secret: str | None,
                            refresh_token: str | None) -> Grant:
        self.check_client(client_id, client_secret, secret_required=False)
        with self.org.lock:
            session = self.sessions.refresh(refresh_token or "", client_id)
            self.journal_issued(session)
        # the refresh grant does not hand the refresh token back
        return Grant(session, scope="api refresh_token", returns_refresh_token=False)

    def revoke(self, token: str | None) -> None:
        """`/services/oauth2/revoke`: an access token, or a refresh token with its access tokens."""
        with self.org.lock:
            found = bool(token) and self.sessions.revoke(token or "")
        if not found:
            raise OAuthError("invalid_token", "invalid token")  # inferred wording

    # -- SOAP login --------------------------------------------------------------------------------
    @staticmethod
    def check_soap_version(version: str) -> None:
        """`/services/Soap/u/<version>` must name a version the org serves (checked before the envelope)."""
        major, dot, minor = version.partition(".")
        if not (dot and major.isdigit() and minor == "0" and MIN_API_VERSION <= int(major) <= MAX_API_VERSION):
            raise SoapFault("UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL")  # inferred wording

    def soap_login(self, username: str, password: str, client: str | None) -> Session:
        with self.org.lock:
            user_id = self.check_user(username, password)
            if user_id is None:
                raise SoapFault()  # INVALID_LOGIN, the platform's one answer for any bad credential
            session = self.sessions.issue(user_id, SessionKind.SOAP, client)
            self.journal_issued(session)
        return session

    # -- sessions in use ---------------------------------------------------------------------------
    def authenticate(self, token: str | None) -> Session:
        """The live session of a bearer token; 401 INVALID_SESSION_ID otherwise."""
        return self.sessions.validate(token)

    def check_identity(self, session: Session, org_id: str, user_id: str) -> None:
        """A token reads only its own identity URL. inferred: the platform answers 403 Bad_Id otherwise."""
        if user_id[:15] != session.user_id[:15] or org_id[:15] != self.sessions.org_id[:15]:
            raise insufficient_access("Bad_Id")

    def console_session(self, key: object) -> Session:
        """`POST /_fake/tokens {"userId"}`: the agent's own console session (user id, username or email)."""
        if not isinstance(key, str) or not key:
            raise control_bad_request("userId is required (a User id, username or email)")
        with self.org.lock:
            user_id = self.org.user_id_for(key)
            if user_id is None:
                raise control_not_found(f"no user {key!r}")
            session = self.sessions.issue(user_id, SessionKind.CONSOLE)
            self.journal_issued(session)
        return session

    def journal_issued(self, session: Session) -> None:
        self.org.emit(EVENT_TYPE, {"userId": session.user_id, "kind": session.kind,
                                   "action": SessionAction.ISSUED.value}, self.org.request.correlation_id())
