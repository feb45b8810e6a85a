"""Fixtures for the Salesforce org tests: a frozen-clock world, a test client that checks every response (and every
accepted request body) against contracts/salesforce, and helpers acting as the integration, an agent or a customer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from omni_harness.fakes.core import World
from omni_harness.fakes.salesforce import SalesforceFake, build
from omni_harness.fakes.salesforce.routes.conformance import check_event, check_request, check_response

V = "/services/data/v67.0"


class ContractClient(FlaskClient):
    """A test client that validates every response body it sees against contracts/salesforce."""

    checked: list[tuple[str, str, int, str | None]]

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        sent = json.dumps(kwargs["json"]) if "json" in kwargs else kwargs.get("data")
        response = super().open(*args, **kwargs)
        request = response.request
        # An unexpected exception renders as 500 UNKNOWN_EXCEPTION: bad input must never get there.
        assert response.status_code != 500, f"{request.method} {request.path} answered 500: {response.data!r}"
        schema = check_response(self.application, request.method, request.path, response.status_code, response.data)
        if 200 <= response.status_code < 300 and isinstance(sent, (str, bytes, type(None))):
            check_request(self.application, request.method, request.path, sent)
        self.checked.append((request.method, request.path, response.status_code, schema))
        return response


@dataclass
class SfOrg:
    """The seeded org and helpers to act on it over HTTP."""

    fake: SalesforceFake
    client: ContractClient
    token: str

    @property
    def world(self) -> World:
        return self.fake.world

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # -- ids of the seed ---------------------------------------------------------------------------
    def agent_ids(self) -> list[str]:
        with self.fake.lock:
            return [self.fake.user_id_for_username(p.username) for p in self.world.plan.people]

    def status_id(self, developer_name: str = "Online") -> str:
        return self.fake.store.find_one("ServicePresenceStatus", DeveloperName=developer_name)["Id"]

    def channel_id(self, developer_name: str = "sfdc_livechat") -> str:
        return self.fake.store.find_one("ServiceChannel", DeveloperName=developer_name)["Id"]

    def queue_id(self, developer_name: str = "Chat_Queue_1") -> str:
        return self.fake.store.find_one("Group", DeveloperName=developer_name)["Id"]

    def record(self, record_id: str) -> dict[str, Any] | None:
        return self.fake.get_record(None, record_id)

    # -- HTTP ----------------------------------------------------------------------------------------
    def get(self, path: str, headers: dict[str, str] | None = None, **kw: Any):
        return self.client.get(path, headers=self.headers if headers is None else headers, **kw)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw: Any):
        if body is not None:
            kw["json"] = body
        return self.client.post(path, headers=self.headers if headers is None else headers, **kw)

    def patch(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.client.patch(path, json=body, headers=self.headers if headers is None else headers)

    def delete(self, path: str, headers: dict[str, str] | None = None):
        return self.client.delete(path, headers=self.headers if headers is None else headers)

    def query(self, soql: str, all_rows: bool = False) -> list[dict[str, Any]]:
        r = self.get(f"{V}/{'queryAll' if all_rows else 'query'}", query_string={"q": soql})
        assert r.status_code == 200, r.json
        assert r.json["done"], "use paging helpers for large results"
        return r.json["records"]

    def agent_headers(self, user_id: str) -> dict[str, str]:
        r = self.client.post("/_fake/tokens", json={"userId": user_id})
        assert r.status_code == 200, r.json
        return {"Authorization": f"Bearer {r.json['access_token']}"}

    def bridge(self, user_id: str, method: str, body: Any = None, headers: dict[str, str] | None = None):
        return self.post(f"/omni-toolkit/v1/users/{user_id}/{method}", body, headers)

    def ok(self, user_id: str, method: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        r = self.bridge(user_id, method, body, headers)
        assert r.status_code == 200, (method, r.json)
        return r.json

    # -- the flow ------------------------------------------------------------------------------------
    def online(self, user_id: str, status: str = "Online") -> dict[str, Any]:
        return self.ok(user_id, "setServicePresenceStatus", {"statusId": self.status_id(status)})

    def customer_chat(self, queue: str = "Chat_Queue_1", text: str | None = "Hello") -> dict[str, str]:
        body: dict[str, Any] = {"queue": queue, "customerName": "Pat Customer"}
        if text is not None:
            body["text"] = text
        r = self.client.post("/_fake/customers/chats", json=body)
        assert r.status_code == 201, r.json
        return r.json

    def insert_work(self, user_id: str, chat: dict[str, str], **extra: Any):
        body = {"ServiceChannelId": self.channel_id(), "WorkItemId": chat["workItemId"], "UserId": user_id,
                "PendingServiceRoutingId": chat["pendingServiceRoutingId"]}
        body.update(extra)
        return self.post(f"{V}/sobjects/AgentWork/", body)

    def work(self, user_id: str, chat: dict[str, str]) -> str:
        r = self.insert_work(user_id, chat)
        assert r.status_code == 201, r.json
        return r.json["id"]

    def accepted(self, user_id: str, queue: str = "Chat_Queue_1") -> tuple[dict[str, str], str]:
        """A chat in `queue` routed to and accepted by `user_id` (who must be online)."""
        chat = self.customer_chat(queue)
        work_id = self.work(user_id, chat)
        assert self.ok(user_id, "acceptAgentWork", {"workId": work_id}) is True
        return chat, work_id

    def customer_messaging(self, queue: str = "Messaging_Queue_1", text: str | None = "Hello",
                           name: str = "Pat Customer") -> dict[str, str]:
        """An Enhanced Chat customer writes in `queue`: the session (Waiting), its request and the end user."""
        body: dict[str, Any] = {"queue": queue, "customerName": name}
        if text is not None:
            body["text"] = text
        r = self.client.post("/_fake/customers/messaging", json=body)
        assert r.status_code == 201, r.json
        return r.json

    def messaging_work(self, user_id: str, session: dict[str, str]) -> str:
        """The partner's AgentWork insert for a messaging session (sfdc_livemessage)."""
        r = self.insert_work(user_id, session, ServiceChannelId=self.channel_id("sfdc_livemessage"))
        assert r.status_code == 201, r.json
        return r.json["id"]

    def accepted_messaging(self, user_id: str, queue: str = "Messaging_Queue_1") -> tuple[dict[str, str], str]:
        """A messaging session in `queue` routed to and accepted by `user_id` (who must be online)."""
        session = self.customer_messaging(queue)
        work_id = self.messaging_work(user_id, session)
        assert self.ok(user_id, "acceptAgentWork", {"workId": work_id}) is True
        return session, work_id

    # -- the journal ---------------------------------------------------------------------------------
    def mark(self) -> int:
        return self.world.journal.last_seq

    def events(self, after: int = 0, type: str | None = None) -> list[Any]:
        return [e for e in self.world.journal.since(after, kinds=["event"], source="salesforce")
                if type is None or e.type == type]

    def changes(self, after: int = 0, entity: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        """(entity, changeType, data) of every record change after `after`."""
        return [(e.data["entity"], e.data["changeType"], e.data) for e in self.events(after, "sobject.change")
                if entity is None or e.data["entity"] == entity]


@pytest.fixture(scope="module")
def sf_stack() -> Iterator[tuple[SalesforceFake, ContractClient]]:
    world = World(seed=7, agents=4)
    fake = build(world)
    fake.bind({"api": "https://127.0.0.1:8443"})
    app = fake.listeners()["api"]
    app.test_client_class = ContractClient
    client = app.test_client()
    client.checked = []
    yield fake, client
    world.clock.close()


@pytest.fixture
def org(sf_stack) -> Iterator[SfOrg]:
    fake, client = sf_stack
    fake.world.reset()
    fake.world.clock.freeze()
    creds = fake.world.plan.credentials
    r = client.post("/services/oauth2/token", data={
        "grant_type": "password", "client_id": creds.salesforce_client_id,
        "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
        "password": creds.salesforce_password + creds.salesforce_security_token})
    assert r.status_code == 200, r.json
    yield SfOrg(fake, client, r.json["access_token"])
    # Every event the org appended fits its contract.
    for entry in fake.world.journal.since(0, kinds=["event"], source="salesforce"):
        check_event(entry.type, json.loads(json.dumps(entry.data)))
