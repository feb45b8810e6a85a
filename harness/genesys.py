"""Genesys Cloud Platform API v2 as the harness calls it: its own client-credentials token, or an agent's own token."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from typing import Any

from .http import HttpClient, Tagger

WEBCHAT_PROVIDER = "PureCloud Webchat v2"


def normalise_presence(name: str | None) -> str:
    """"On Queue", "OnQueue" and "ON_QUEUE" are one system presence on different surfaces."""
    return (name or "").replace(" ", "").replace("_", "").lower()


class ClientCredentials:
    """`POST /oauth/token` with Basic auth; fetched again shortly before it expires or after a revocation."""

    def __init__(self, login_url: str, client_id: str, client_secret: str, verify: str | bool = True) -> None:
        self.http = HttpClient(login_url, verify)
        self.client_id = client_id
        self.client_secret = client_secret
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() > self._expires:
                basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
                body = self.http.call("POST", "/oauth/token", data={"grant_type": "client_credentials"},
                                      headers={"Authorization": f"Basic {basic}"}).body
                self._token = body["access_token"]
                self._expires = time.monotonic() + max(30.0, float(body.get("expires_in", 3600)) - 60.0)
            return f"Bearer {self._token}"

    def forget(self) -> None:
        with self._lock:
            self._token = None


class GenesysApi:
    """The endpoints the harness uses, with whatever token it was given."""

    def __init__(self, base_url: str, auth: Callable[[], str], verify: str | bool = True,
                 tagger: Tagger | None = None) -> None:
        self.http = HttpClient(base_url, verify, auth, tagger)

    def call(self, method: str, path: str, **kw: Any):
        return self.http.call_renewing(method, path, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw).body

    def close(self) -> None:
        self.http.close()

    # -- users, presence, routing status -----------------------------------------------------------
    def _pages(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.get(path, params={**(params or {}), "pageSize": 100, "pageNumber": page})
            entities = body.get("entities") or []
            out.extend(entities)
            if not body.get("nextUri") or not entities:
                return out
            page += 1

    def users(self) -> list[dict[str, Any]]:
        return self._pages("/api/v2/users")

    def presence_definitions(self) -> list[dict[str, Any]]:
        return self.get("/api/v2/presence/definitions").get("entities", [])

    def presence(self, user_id: str) -> dict[str, Any]:
        return self.get(f"/api/v2/users/{user_id}/presences/purecloud")

    def set_presence(self, user_id: str, definition_id: str) -> dict[str, Any]:
        return self.call("PATCH", f"/api/v2/users/{user_id}/presences/purecloud",
                         json_body={"presenceDefinition": {"id": definition_id}}).body

    def routing_status(self, user_id: str) -> str:
        return self.get(f"/api/v2/users/{user_id}/routingstatus").get("status", "")

    def set_routing_status(self, user_id: str, status: str) -> dict[str, Any]:
        return self.call("PUT", f"/api/v2/users/{user_id}/routingstatus", json_body={"status": status}).body

    # -- queues and wrap-up codes ------------------------------------------------------------------
    def queues(self) -> list[dict[str, Any]]:
        return self._pages("/api/v2/routing/queues")

    def queue_member_ids(self, queue_id: str) -> list[str]:
        return [m.get("id") or m.get("user", {}).get("id") for m in self._pages(f"/api/v2/routing/queues/{queue_id}/members")]

    def add_queue_members(self, queue_id: str, user_ids: list[str]) -> None:
        if user_ids:
            self.call("POST", f"/api/v2/routing/queues/{queue_id}/members", params={"delete": "false"},
                      json_body=[{"id": uid} for uid in user_ids])

    def remove_queue_members(self, queue_id: str, user_ids: list[str]) -> None:
        if user_ids:
            self.call("POST", f"/api/v2/routing/queues/{queue_id}/members", params={"delete": "true"},
                      json_body=[{"id": uid} for uid in user_ids])

    def set_queue_members(self, queue_id: str, user_ids: list[str]) -> None:
        """Makes the queue's membership exactly `user_ids`."""
        current = set(self.queue_member_ids(queue_id))
        wanted = set(user_ids)
        self.remove_queue_members(queue_id, sorted(current - wanted))
        self.add_queue_members(queue_id, sorted(wanted - current))

    def org_wrapup_codes(self) -> list[dict[str, Any]]:
        return self._pages("/api/v2/routing/wrapupcodes")

    def queue_wrapup_codes(self, queue_id: str) -> list[dict[str, Any]]:
        return self._pages(f"/api/v2/routing/queues/{queue_id}/wrapupcodes")

    # -- conversations (`collection`: chats or messages, the medium's `/api/v2/conversations/{collection}`) -------
    def my_chats(self, collection: str = "chats") -> list[dict[str, Any]]:
        """The logged-in agent's interactions of a medium (needs a user token): what the agent's client shows."""
        return self.get(f"/api/v2/conversations/{collection}").get("entities", [])

    def chat(self, conversation_id: str, collection: str = "chats") -> dict[str, Any]:
        return self.get(f"/api/v2/conversations/{collection}/{conversation_id}")

    def conversation(self, conversation_id: str) -> dict[str, Any]:
        return self.get(f"/api/v2/conversations/{conversation_id}")

    def create_web_chat(self, queue_id: str, attributes: dict[str, str] | None = None) -> dict[str, Any]:
        return self.call("POST", "/api/v2/conversations/chats",
                         json_body={"queueId": queue_id, "provider": WEBCHAT_PROVIDER,
                                    "attributes": dict(attributes or {})}).body

    def patch_participant(self, conversation_id: str, participant_id: str, body: dict[str, Any],
                          expect_error: bool = False, collection: str = "chats"):
        return self.call("PATCH", f"/api/v2/conversations/{collection}/{conversation_id}/participants/{participant_id}",
                         json_body=body, expect_error=expect_error)

    def disconnect_conversation(self, conversation_id: str, collection: str = "chats") -> None:
        self.call("PATCH", f"/api/v2/conversations/{collection}/{conversation_id}", json_body={"state": "disconnected"})

    def participant_wrapup_codes(self, conversation_id: str, participant_id: str,
                                 collection: str = "chats") -> list[dict[str, Any]]:
        return self.get(f"/api/v2/conversations/{collection}/{conversation_id}/participants/{participant_id}"
                        "/wrapupcodes")

    def participant_wrapup(self, conversation_id: str, participant_id: str,
                           collection: str = "chats") -> dict[str, Any] | None:
        return self.get(f"/api/v2/conversations/{collection}/{conversation_id}/participants/{participant_id}/wrapup")

    def replace(self, conversation_id: str, participant_id: str, body: dict[str, Any], collection: str = "chats"):
        """A transfer from the client (`POST .../replace`); answered as is, refused or not."""
        return self.call("POST",
                         f"/api/v2/conversations/{collection}/{conversation_id}/participants/{participant_id}/replace",
                         json_body=body, expect_error=True)
