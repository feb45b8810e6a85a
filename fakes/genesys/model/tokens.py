"""OAuth token state: issued tokens (client credentials and agents' own user tokens) and who each speaks for."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Principal:
    """Who a bearer token speaks for: an OAuth client alone, or a user of the org."""

    token: str
    client_id: str
    user_id: str | None
    expires_at: float

    @property
    def owner(self) -> str:
        return f"user:{self.user_id}" if self.user_id else f"client:{self.client_id}"

    @property
    def is_user(self) -> bool:
        return self.user_id is not None


# What the fake itself acts as when it raises an interaction the way an inbound flow would (the control API).
SYSTEM = Principal("", "system", None, float("inf"))


class TokenStore:
    """Every token issued; lookups answer None for unknown, expired or revoked tokens."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, Principal] = {}

    def add(self, principal: Principal) -> Principal:
        with self._lock:
            self._tokens[principal.token] = principal
        return principal

    def lookup(self, token: str, now: float) -> Principal | None:
        with self._lock:
            principal = self._tokens.get(token)
        if principal is None or principal.expires_at <= now:
            return None
        return principal

    def expire_all(self, now: float) -> int:
        """Make every live token expired; returns how many were live."""
        count = 0
        with self._lock:
            for principal in self._tokens.values():
                if principal.expires_at > now:
                    principal.expires_at = now
                    count += 1
        return count

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()

    def live(self, now: float) -> list[Principal]:
        with self._lock:
            return [p for p in self._tokens.values() if p.expires_at > now]
