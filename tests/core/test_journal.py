"""The journal: monotonic sequence, long-poll waits, listeners in order, exactly once."""

import json
import threading

from omni_harness.fakes.core import Journal, VirtualClock


def make():
    return Journal(VirtualClock())


def test_sequence_is_monotonic_and_entries_are_filtered():
    j = make()
    e1 = j.event("genesys", "user.presence", {"userId": "u1"}, "c1")
    r1 = j.request("genesys", {"method": "GET", "path": "/x", "status": 200})
    e2 = j.event("salesforce", "sobject.change", {"entity": "AgentWork"})
    assert (e1.seq, r1.seq, e2.seq) == (1, 2, 3)
    assert [e.seq for e in j.since(0, kinds=["event"])] == [1, 3]
    assert [e.seq for e in j.since(1)] == [2, 3]
    assert [e.seq for e in j.since(0, source="salesforce")] == [3]
    assert j.since(0, limit=1)[0].seq == 1
    assert e1.to_json()["correlationId"] == "c1"


def test_wait_returns_at_once_when_something_is_there():
    j = make()
    j.event("genesys", "t", {})
    assert [e.seq for e in j.wait(0, timeout=5)] == [1]


def test_wait_wakes_when_an_event_is_appended():
    j = make()
    got = []
    started = threading.Event()

    def waiter():
        started.set()
        got.extend(j.wait(0, timeout=10))

    t = threading.Thread(target=waiter)
    t.start()
    started.wait()
    j.event("genesys", "t", {})
    t.join(10)
    assert [e.type for e in got] == ["t"]


def test_wait_times_out_empty():
    j = make()
    assert j.wait(0, timeout=0.01) == []


def test_wait_ignores_requests_by_default():
    j = make()
    j.request("genesys", {"method": "GET"})
    assert j.wait(0, timeout=0.01) == []


def test_listeners_see_every_entry_once_in_order_across_threads():
    j = make()
    seen = []
    j.add_listener(lambda e: seen.append(e.seq))
    threads = [threading.Thread(target=lambda: [j.event("g", "t", {}) for _ in range(200)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == list(range(1, 801))


def test_failing_listener_does_not_break_appends():
    j = make()
    j.add_listener(lambda e: 1 / 0)
    assert j.event("g", "t", {}).seq == 1


def test_clear_keeps_sequence_increasing():
    j = make()
    j.event("g", "a", {})
    j.clear()
    assert j.since(0) == []
    assert j.event("g", "b", {}).seq == 2


def test_bounded_size_drops_oldest():
    j = Journal(VirtualClock(), max_entries=10)
    for _ in range(25):
        j.event("g", "t", {})
    entries = j.since(0)
    assert len(entries) == 10 and entries[0].seq == 16
    assert [e.seq for e in j.since(20)] == [21, 22, 23, 24, 25]


# -- credentials never reach the journal ------------------------------------------------------------------------------

def test_redact_replaces_credentials_by_a_stable_stand_in():
    from omni_harness.fakes.core.journal import redact

    token = "0123456789abcdefghijklmnop"
    data = {"authorization": f"Bearer {token}", "query": f"access_token={token}&limit=5",
            "requestBody": {"client_secret": "s3cret", "nested": [{"password": "pw", "name": "kept"}]},
            "responseBody": f'{{"access_token": "{token}"}}',
            "soap": "<n1:password>pw</n1:password><sessionId>00Dxx!AQ0123456789</sessionId>"}
    out = redact(data)
    text = json.dumps(out)
    for secret in (token, "s3cret", '"pw"', ">pw<", "00Dxx!AQ0123456789"):
        assert secret not in text
    assert out["requestBody"]["nested"][0]["name"] == "kept"
    assert out["query"].endswith("&limit=5")
    # one token, one stand-in wherever it appears: requests can still be grouped by the credential they carry
    header_hash = out["authorization"].rsplit(" ", 1)[-1]
    assert header_hash.rstrip("]") in out["query"] and header_hash.rstrip("]") in out["responseBody"]
    assert redact(data) == out
    # an error message that merely mentions a bearer token stays readable
    assert redact({"message": "No authentication bearer token specified"}) == {
        "message": "No authentication bearer token specified"}


def test_journal_entries_are_redacted_when_appended():
    j = make()
    j.request("genesys", {"method": "POST", "path": "/oauth/token", "requestBody": "client_secret=abc&x=1",
                          "responseBody": {"access_token": "t" * 30}})
    j.event("genesys", "t", {"secret": "webhook-secret"})
    text = json.dumps([e.to_json() for e in j.since(0)])
    assert "t" * 30 not in text and "client_secret=abc" not in text and "webhook-secret" not in text


def _journal_texts(fake, client) -> list[str]:
    """Every way a reader gets the journal: the object, `/_fake/journal`, `/_fake/events` (all kinds)."""
    entries = json.dumps([e.to_json() for e in fake.journal.since(0)])
    served = client.get("/_fake/journal").get_data(as_text=True)
    events = client.get("/_fake/events?after=0&kind=all").get_data(as_text=True)
    return [entries, served, events]


def test_no_genesys_credential_in_the_journal_after_a_flow():
    import base64

    from omni_harness.fakes.core import World
    from omni_harness.fakes.genesys import build

    world = World(seed=7, agents=2)
    try:
        fake = build(world)
        client = fake.app.test_client()
        creds = world.plan.credentials
        basic = base64.b64encode(f"{creds.genesys_client_id}:{creds.genesys_client_secret}".encode()).decode()
        token = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                            headers={"Authorization": f"Basic {basic}"}).get_json()["access_token"]
        form = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                 "client_id": creds.genesys_client_id,
                                                 "client_secret": creds.genesys_client_secret}).get_json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v2/users/me", headers=bearer).status_code in (200, 400, 404)
        assert client.get("/api/v2/routing/queues", headers=bearer).status_code == 200
        secret = "a-webhook-secret-of-more-than-15-chars"
        created = client.post("/api/v2/conversations/messaging/integrations/open", headers=bearer, json={
            "name": "journal", "outboundNotificationWebhookUrl": "https://127.0.0.1:9/hook",
            "outboundNotificationWebhookSignatureSecretToken": secret})
        assert created.status_code == 200, created.get_json()
        person = world.plan.people[0]
        agent = client.post("/_fake/tokens", json={"email": person.email}).get_json()["access_token"]
        assert client.get("/api/v2/users/me", headers={"Authorization": f"Bearer {agent}"}).status_code == 200
        assert client.get("/api/v2/users", headers={"Authorization": "Bearer garbage-token-0123456789"}) \
            .status_code == 401
        for text in _journal_texts(fake, client):
            assert "[redacted" in text
            for value in (token, form, agent, secret, creds.genesys_client_secret, basic,
                          "garbage-token-0123456789"):
                assert value not in text
        # the harness can still group requests by credential: one stand-in per token
        uses = [e.data["authorization"] for e in fake.journal.since(0, kinds=["request"])
                if e.data.get("authorization") and e.data["path"] == "/api/v2/routing/queues"]
        assert len(uses) == 1 and uses[0].startswith("Bearer [redacted bearer ")
    finally:
        world.clock.close()


def test_no_salesforce_credential_in_the_journal_after_a_flow():
    from omni_harness.fakes.core import World
    from omni_harness.fakes.salesforce import build

    world = World(seed=7, agents=2)
    try:
        fake = build(world)
        client = fake.listeners()["api"].test_client()
        creds = world.plan.credentials
        password = creds.salesforce_password + creds.salesforce_security_token
        login = client.post("/services/oauth2/token", data={
            "grant_type": "password", "client_id": creds.salesforce_client_id,
            "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
            "password": password}).get_json()
        token = login["access_token"]
        refused = client.post("/services/oauth2/token", data={
            "grant_type": "password", "client_id": creds.salesforce_client_id,
            "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
            "password": "wrong-password-123"})
        assert refused.status_code == 400
        with fake.lock:
            first = fake.sessions.issue(fake.integration_user_id, "oauth", creds.salesforce_client_id,
                                        with_refresh=True)
        refreshed = client.post("/services/oauth2/token", data={
            "grant_type": "refresh_token", "client_id": creds.salesforce_client_id,
            "client_secret": creds.salesforce_client_secret, "refresh_token": first.refresh_token}).get_json()
        soap = client.post("/services/Soap/u/67.0", headers={"content-type": "text/xml", "SOAPAction": "login"}, data=(
            '<?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">'
            '<env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com">'
            f"<n1:username>{creds.salesforce_username}</n1:username><n1:password>{password}</n1:password>"
            "</n1:login></env:Body></env:Envelope>"))
        assert soap.status_code == 200
        session_id = soap.get_data(as_text=True).split("<sessionId>", 1)[1].split("<", 1)[0]
        v = "/services/data/v67.0"
        assert client.get(f"{v}/limits", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert client.get(f"{v}/limits", headers={"Authorization": f"OAuth {session_id}"}).status_code == 200
        assert client.post("/services/oauth2/revoke", data={"token": refreshed["access_token"]}).status_code == 200
        for text in _journal_texts(fake, client):
            assert "[redacted" in text
            for value in (token, password, "wrong-password-123", creds.salesforce_client_secret, first.token,
                          first.refresh_token, refreshed["access_token"], session_id):
                assert value not in text
    finally:
        world.clock.close()
