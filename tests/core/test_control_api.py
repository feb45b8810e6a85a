"""The control API and the shared app machinery, on a minimal platform built from the core alone."""

import threading

import pytest
from flask import Blueprint, g, jsonify, request

from omni_harness.fakes.core import Fake, FakeError, World, create_fake_app


class DemoError(FakeError):
    def __init__(self, status: int, message: str | None = None):
        super().__init__(message or f"demo error {status}", status)

    def body(self):
        return {"demo": True, "status": self.status, "message": self.message}


class DemoFake(Fake):
    """A platform with one counter, enough to exercise everything the core provides."""

    name = "demo"

    def __init__(self, world):
        super().__init__(world)
        self.reset(world.plan)
        self.app = create_fake_app(self, __name__)
        bp = Blueprint("demo", __name__)

        @bp.post("/api/bump")
        def bump():
            g.actor = {"kind": "user", "id": "u1"}
            with self.lock:
                self.counter += 1
                self.emit("counter.bumped", {"value": self.counter})
            return jsonify({"value": self.counter})

        @bp.get("/api/boom")
        def boom():
            raise RuntimeError("unexpected")

        @bp.get("/api/refuse")
        def refuse():
            raise DemoError(409, "no")

        @bp.post("/oauth/token")
        def grant():
            self.tokens += 1
            self.valid.add(f"g{self.tokens}")
            return jsonify({"access_token": f"g{self.tokens}", "token_type": "bearer", "expires_in": 3600})

        @bp.get("/api/whoami")
        def whoami():
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.valid:
                raise DemoError(401, "expired or unknown token")
            return jsonify({"token": token})

        self.app.register_blueprint(bp)

    def reset(self, plan):
        self.counter = 0
        self.tokens = 0
        self.valid: set[str] = set()

    def state(self):
        return {"counter": self.counter}

    def mint_token(self, body):
        if "userId" not in body:
            raise DemoError(400, "userId is required")
        self.tokens += 1
        return {"access_token": f"t{self.tokens}", "token_type": "bearer", "expires_in": 3600}

    def expire_tokens(self):
        n, self.tokens = self.tokens, 0
        self.valid.clear()
        return n

    def error(self, status, message=None):
        return DemoError(status, message)

    def listeners(self):
        return {"api": self.app}

    def decorate_response(self, response, correlation_id):
        response.headers["x-demo-correlation"] = correlation_id


@pytest.fixture
def fake():
    world = World(seed=3, agents=4)
    f = DemoFake(world)
    yield f
    world.clock.close()


@pytest.fixture
def client(fake):
    return fake.app.test_client()


def test_health_reports_seed_and_fake(client):
    body = client.get("/_fake/health").get_json()
    assert body["status"] == "ok" and body["fake"] == "demo" and body["seed"] == 3 and body["agents"] == 4


def test_requests_and_events_are_journaled(client, fake):
    assert client.post("/api/bump").get_json() == {"value": 1}
    entries = client.get("/_fake/journal").get_json()["entries"]
    kinds = [(e["kind"], e["type"]) for e in entries]
    assert kinds == [("event", "counter.bumped"), ("request", "http")]
    request = entries[1]["data"]
    assert request["method"] == "POST" and request["status"] == 200 and request["actor"] == {"kind": "user", "id": "u1"}
    assert request["responseBody"] == {"value": 1}
    # control API calls are not journaled
    assert all(not e["data"].get("path", "").startswith("/_fake") for e in entries)


def test_events_long_poll_returns_new_events_only(client, fake):
    client.post("/api/bump")
    first = client.get("/_fake/events?after=0").get_json()
    assert [e["type"] for e in first["events"]] == ["counter.bumped"]
    after = first["lastSeq"]
    result = {}

    def poll():
        result["body"] = client.get(f"/_fake/events?after={after}&wait=10").get_json()

    t = threading.Thread(target=poll)
    t.start()
    with fake.lock:
        fake.emit("counter.bumped", {"value": 99})
    t.join(10)
    assert [e["data"]["value"] for e in result["body"]["events"]] == [99]


def test_events_wait_times_out_empty(client):
    body = client.get("/_fake/events?after=0&wait=0.05").get_json()
    assert body["events"] == [] and body["lastSeq"] == 0


@pytest.mark.parametrize("query", ["after=x", "wait=soon", "after=-1", "limit=many"])
def test_bad_query_parameters_are_refused_clearly(client, query):
    resp = client.get(f"/_fake/events?{query}")
    assert resp.status_code == 400 and resp.get_json()["error"] == "bad_request"


def test_reset_restores_seeded_state_and_empties_journal(client, fake):
    client.post("/api/bump")
    assert client.post("/_fake/reset").status_code == 200
    assert client.get("/_fake/state").get_json()["org"] == {"counter": 0}
    assert client.get("/_fake/journal").get_json()["entries"] == []


def test_seed_rebuilds_plan(client):
    body = client.post("/_fake/seed", json={"seed": 9, "agents": 3}).get_json()
    assert body["seed"] == 9 and len(body["people"]) == 3
    state = client.get("/_fake/state").get_json()
    assert state["plan"]["seed"] == 9


@pytest.mark.parametrize("body", [{"agents": 0}, {"seed": "x"}, {"queues": -1}, [1]])
def test_bad_seed_is_refused(client, body):
    assert client.post("/_fake/seed", json=body).status_code == 400


def test_clock_freeze_advance(client):
    client.post("/_fake/clock/freeze")
    before = client.get("/_fake/clock").get_json()
    after = client.post("/_fake/clock/advance", json={"seconds": 30}).get_json()
    assert after["epochSeconds"] == pytest.approx(before["epochSeconds"] + 30)
    assert client.post("/_fake/clock/advance", json={"seconds": -1}).status_code == 400
    assert client.post("/_fake/clock/advance", data="not json", content_type="application/json").status_code == 400
    assert client.post("/_fake/clock/advance", data="{}", content_type="text/plain").status_code == 415
    assert client.post("/_fake/clock/advance").status_code == 400


def test_fault_respond_with_headers_then_normal(client):
    resp = client.post("/_fake/faults", json={"method": "POST", "path": "/api/bump", "status": 429,
                                              "headers": {"Retry-After": "1"}, "count": 1})
    assert resp.status_code == 201
    refused = client.post("/api/bump")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.get_json() == {"demo": True, "status": 429, "message": "demo error 429"}
    assert client.post("/api/bump").status_code == 200
    journal = client.get("/_fake/journal?kind=request").get_json()["entries"]
    assert journal[0]["data"]["fault"] is not None and journal[1]["data"]["fault"] is None


def test_fault_with_custom_body_and_listing_and_removal(client):
    rule = client.post("/_fake/faults", json={"id": "r1", "path": "/api/*", "status": 503, "body": {"x": 1}}).get_json()
    assert rule["faults"][0]["id"] == "r1"
    assert client.get("/api/refuse").get_json() == {"x": 1}
    assert [f["id"] for f in client.get("/_fake/faults").get_json()["faults"]] == ["r1"]
    assert client.delete("/_fake/faults/r1").status_code == 200
    assert client.delete("/_fake/faults/r1").status_code == 404
    assert client.get("/api/refuse").status_code == 409


def test_bad_fault_rule_is_refused(client):
    resp = client.post("/_fake/faults", json={"action": "explode"})
    assert resp.status_code == 400 and "action" in resp.get_json()["message"]


def test_expire_tokens_fault_applies_at_once(client):
    client.post("/_fake/tokens", json={"userId": "u1"})
    body = client.post("/_fake/faults", json={"action": "expire_tokens"}).get_json()
    assert body["faults"] == [{"id": "fault-1", "action": "expire_tokens", "expired": 1}]


def test_tokens(client):
    assert client.post("/_fake/tokens", json={"userId": "u1"}).get_json()["token_type"] == "bearer"
    assert client.post("/_fake/tokens", json={}).status_code == 400
    assert client.post("/_fake/tokens").status_code == 400


def test_platform_errors_render_in_platform_shape_never_bare_500(client):
    assert client.get("/api/refuse").get_json() == {"demo": True, "status": 409, "message": "no"}
    boom = client.get("/api/boom")
    assert boom.status_code == 500 and boom.get_json()["demo"] is True
    missing = client.get("/api/nowhere")
    assert missing.status_code == 404 and missing.get_json()["demo"] is True
    wrong_method = client.delete("/api/bump")
    assert wrong_method.status_code == 405 and wrong_method.get_json()["demo"] is True


def test_every_response_carries_the_platform_correlation_header(client):
    assert client.get("/api/refuse").headers["x-demo-correlation"]
    assert client.get("/_fake/health").headers["x-demo-correlation"]


def test_served_on_an_ephemeral_port(fake):
    import requests

    from omni_harness.fakes.core import serve_app

    server = serve_app(fake.app, port=0)
    try:
        assert server.port > 0
        assert requests.get(f"{server.url}/_fake/health", timeout=5).json()["fake"] == "demo"
    finally:
        server.stop()


def test_served_over_tls_with_generated_ca(fake, tmp_path):
    import requests

    from omni_harness.fakes.core import LocalCA, serve_app

    ca = LocalCA(tmp_path)
    server = serve_app(fake.app, port=0, ssl_context=ca.server_context())
    try:
        assert server.url.startswith("https://")
        assert requests.get(f"{server.url}/_fake/health", timeout=5, verify=str(ca.ca_path)).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{server.url}/_fake/health", timeout=5)
    finally:
        server.stop()


def test_a_401_for_a_token_an_expire_tokens_rule_expired_names_the_rule(client):
    """The refusal a scenario caused on purpose is marked in the journal with the rule, as the 429 of a respond
    rule is; a 401 for a token no rule expired is not."""
    token = client.post("/oauth/token").get_json()["access_token"]
    unused = client.post("/oauth/token").get_json()["access_token"]  # issued, expired before its first use
    assert client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    rule = client.post("/_fake/faults", json={"action": "expire_tokens"}).get_json()["faults"][0]
    assert client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/whoami", headers={"Authorization": f"Bearer {unused}"}).status_code == 401
    assert client.get("/api/whoami", headers={"Authorization": "Bearer never-issued"}).status_code == 401
    requests = [e for e in client.get("/_fake/journal?kind=request").get_json()["entries"]
                if e["data"]["path"] == "/api/whoami"]
    assert [(e["data"]["status"], e["data"]["fault"]) for e in requests] == [
        (200, None), (401, rule["id"]), (401, rule["id"]), (401, None)]
