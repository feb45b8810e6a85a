"""OAuth rules: the client credentials grant, agents' own user tokens, and which principal a bearer token names."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from omni_harness.fakes.core.errors import ControlError

from ..errors import (
    authentication_required,
    bad_credentials,
    grant_type_required,
    invalid_client,
    unsupported_grant_type,
)
from .tokens import Principal

if TYPE_CHECKING:
    from .base import OrgRoot


class OAuthBackend:
    """Issues and checks the org's tokens (state: `root.tokens`)."""

    def __init__(self, root: OrgRoot) -> None:
        self.root = root

    def post_oauth_token(self, authorization: str | None, form: dict[str, str]) -> Principal:
        """Client credentials grant with `Authorization: Basic` (or client_id/client_secret in the form)."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise invalid_client() from exc
            client_id, _, secret = decoded.partition(":")
        grant = form.get("grant_type")
        if not grant:
            raise grant_type_required()
        if grant != "client_credentials":
            raise unsupported_grant_type(grant)
        creds = self.root.world.plan.credentials
        if not client_id or client_id != creds.genesys_client_id or secret != creds.genesys_client_secret:
            raise invalid_client()
        return self._issue(client_id, None)

    def mint_user_token(self, body: dict[str, Any]) -> Principal:
        """`POST /_fake/tokens {"userId"}` (or `{"email"}`): the agent's own user token."""
        root = self.root
        with root.lock:
            user_id = body.get("userId")
            user = None
            for name in ("userId", "email"):
                if body.get(name) is not None and not isinstance(body[name], str):
                    raise ControlError(f"{name} must be a string")
            if isinstance(user_id, str):
                user = root.org.users.get(user_id)
            elif isinstance(body.get("email"), str):
                user = root.org.user_by_email(body["email"])
            else:
                raise ControlError("userId (or email) is required")
            if user is None:
                raise ControlError(f"no Genesys user {user_id or body.get('email')!r}", status=404, error="not_found")
            return self._issue(f"{root.world.plan.credentials.genesys_client_id}-agent-client", user.id)

    def _issue(self, client_id: str, user_id: str | None) -> Principal:
        now = self.root.clock.time()
        return self.root.tokens.add(Principal(self.root.ids.token(32), client_id, user_id,
                                              now + self.root.config.token_seconds))

    def expire_tokens(self) -> int:
        return self.root.tokens.expire_all(self.root.clock.time())

    def token_valid(self, token: str) -> bool:
        return self.root.tokens.lookup(token, self.root.clock.time()) is not None

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal of an `Authorization: Bearer` header; 401 in the platform's shape otherwise."""
        header = (authorization or "").strip()
        scheme, _, token = header.partition(" ")
        if not header or scheme.lower() != "bearer" or not token.strip():
            raise authentication_required()
        principal = self.root.tokens.lookup(token.strip(), self.root.clock.time())
        if principal is None:
            raise bad_credentials()
        return principal
