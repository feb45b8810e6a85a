"""The Genesys fake as the tests drive it: a test client that checks every response against contracts/genesys,
and helpers that act as the integration (client credentials) or as an agent (own token).

A module of its own rather than part of conftest.py: test modules import from it, and `conftest` is the name of
other test folders' modules too, so which one an import finds depends on what else the run collects."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

from omni_harness.fakes.core import World
from omni_harness.fakes.genesys import GenesysFake
from omni_harness.fakes.genesys.model.presence import AVAILABLE, ON_QUEUE
from omni_harness.fakes.genesys.routes.conformance import check_response

ON_QUEUE_ID = ON_QUEUE.id
AVAILABLE_ID = AVAILABLE.id


class ContractClient(FlaskClient):
    """A test client that validates every response body it sees against contracts/genesys."""

    checked: list[tuple[str, str, int, str | None]]

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        response = super().open(*args, **kwargs)
        request = response.request
        schema = check_response(self.application, request.method, request.path, response.status_code, response.data)
        self.checked.append((request.method, request.path, response.status_code, schema))
        # The correlation id header is on every response and matches the error body's contextId.
        assert response.headers.get("inin-correlation-id"), f"{request.method} {request.path}: no inin-correlation-id"
        if response.status_code >= 400 and response.is_json and "contextId" in (response.get_json() or {}):
            assert response.get_json()["contextId"] == response.headers["inin-correlation-id"]
        return response


@dataclass
class Org:
    """Ids of the seeded org, and helpers to act on it over HTTP."""

    fake: GenesysFake
    client: ContractClient
    token: str

    @property
    def world(self) -> World:
        return self.fake.world

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def user_ids(self) -> list[str]:
        return list(self.fake.org.users)

    def queue_id(self, name: str = "Chat Queue 1") -> str:
        queue = self.fake.org.queue_by_name(name)
        assert queue is not None, name
        return queue.id

    def user_token(self, user_id: str) -> str:
        r = self.client.post("/_fake/tokens", json={"userId": user_id})
        assert r.status_code == 200, r.json
        return r.json["access_token"]

    def user_headers(self, user_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.user_token(user_id)}"}

    def get(self, path: str, headers: dict[str, str] | None = None, **kw: Any):
        return self.client.get(path, headers=headers or self.headers, **kw)

    def patch(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.client.patch(path, json=body, headers=headers or self.headers)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw: Any):
        return self.client.post(path, json=body, headers=headers or self.headers, **kw)

    def put(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.client.put(path, json=body, headers=headers or self.headers)

    def set_presence(self, user_id: str, definition_id: str = ON_QUEUE_ID) -> dict[str, Any]:
        r = self.patch(f"/api/v2/users/{user_id}/presences/purecloud", {"presenceDefinition": {"id": definition_id}})
        assert r.status_code == 200, r.json
        return r.json

    def routing_status(self, user_id: str) -> str:
        return self.get(f"/api/v2/users/{user_id}/routingstatus").json["status"]

    def only_in_queue(self, queue_name: str, user_ids: list[str]) -> str:
        """Make `user_ids` the only members of the queue (how the harness leases a queue)."""
        qid = self.queue_id(queue_name)
        others = [u for u in self.user_ids if u not in user_ids]
        assert self.post(f"/api/v2/routing/queues/{qid}/members?delete=true", [{"id": u} for u in others]).status_code == 204
        assert self.post(f"/api/v2/routing/queues/{qid}/members", [{"id": u} for u in user_ids]).status_code == 204
        return qid

    def create_chat(self, queue_id: str, attributes: dict[str, str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"queueId": queue_id, "provider": "PureCloud Webchat v2", "customerName": "Pat Customer"}
        if attributes is not None:
            body["attributes"] = attributes
        r = self.post("/api/v2/conversations/chats", body)
        assert r.status_code == 200, r.json
        return r.json

    def chat(self, conversation_id: str) -> dict[str, Any]:
        r = self.get(f"/api/v2/conversations/chats/{conversation_id}")
        assert r.status_code == 200, r.json
        return r.json

    def agents(self, conversation_id: str, state: str | None = None) -> list[dict[str, Any]]:
        return [p for p in self.chat(conversation_id)["participants"]
                if p["purpose"] == "agent" and (state is None or p["state"] == state)]

    def alerting_user(self, conversation_id: str) -> str | None:
        alerting = self.agents(conversation_id, "alerting")
        return alerting[0]["user"]["id"] if alerting else None

    def participant_of(self, conversation_id: str, user_id: str, state: str | None = None) -> dict[str, Any]:
        found = [p for p in self.agents(conversation_id, state) if p["user"]["id"] == user_id]
        assert found, f"no {state or ''} participant of {user_id} on {conversation_id}"
        return found[-1]

    def communication_id(self, conversation_id: str, participant_id: str) -> str:
        conv = self.get(f"/api/v2/conversations/{conversation_id}").json
        return next(p for p in conv["participants"] if p["id"] == participant_id)["chats"][0]["id"]

    def answer(self, conversation_id: str, participant_id: str, headers: dict[str, str] | None = None) -> None:
        r = self.patch(f"/api/v2/conversations/chats/{conversation_id}/participants/{participant_id}",
                       {"state": "connected"}, headers)
        assert r.status_code == 202, r.json

    def disconnect(self, conversation_id: str, participant_id: str, headers: dict[str, str] | None = None) -> None:
        r = self.patch(f"/api/v2/conversations/chats/{conversation_id}/participants/{participant_id}",
                       {"state": "disconnected"}, headers)
        assert r.status_code == 202, r.json

    def wrapup_codes(self, conversation_id: str, participant_id: str) -> list[dict[str, Any]]:
        r = self.get(f"/api/v2/conversations/chats/{conversation_id}/participants/{participant_id}/wrapupcodes")
        assert r.status_code == 200, r.json
        return r.json

    def wrap_up(self, conversation_id: str, participant_id: str, code_id: str | None = None) -> None:
        code_id = code_id or self.wrapup_codes(conversation_id, participant_id)[0]["id"]
        r = self.patch(f"/api/v2/conversations/chats/{conversation_id}/participants/{participant_id}",
                       {"wrapup": {"code": code_id, "notes": "done"}})
        assert r.status_code == 202, r.json

    def events(self, after: int = 0, type: str | None = None) -> list[Any]:
        return [e for e in self.world.journal.since(after, kinds=["event"]) if type is None or e.type == type]

    @property
    def last_seq(self) -> int:
        return self.world.journal.last_seq

    def advance(self, seconds: float) -> None:
        self.world.clock.advance(seconds)


def client_token(fake: GenesysFake, client: FlaskClient) -> str:
    creds = fake.world.plan.credentials
    basic = base64.b64encode(f"{creds.genesys_client_id}:{creds.genesys_client_secret}".encode()).decode()
    r = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                    headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 200, r.json
    return r.json["access_token"]
