"""OAuth client credentials, token expiry on the virtual clock, 401 bodies, correlation ids, user tokens."""

from __future__ import annotations

import base64

from genesys_org import client_token


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_client_credentials_grant_issues_a_bearer_token(fake, client):
    creds = fake.world.plan.credentials
    r = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                    headers=_basic(creds.genesys_client_id, creds.genesys_client_secret))
    assert r.status_code == 200
    assert r.json["token_type"] == "bearer" and r.json["expires_in"] == 86399
    users = client.get("/api/v2/users", headers={"Authorization": f"Bearer {r.json['access_token']}"})
    assert users.status_code == 200


def test_client_credentials_in_the_form_are_accepted(fake, client):
    creds = fake.world.plan.credentials
    r = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": creds.genesys_client_id,
                                          "client_secret": creds.genesys_client_secret})
    assert r.status_code == 200


def test_wrong_secret_is_invalid_client(fake, client):
    r = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                    headers=_basic(fake.world.plan.credentials.genesys_client_id, "nope"))
    assert r.status_code == 401 and r.json["error"] == "invalid_client"


def test_unsupported_and_missing_grant_types(fake, client):
    creds = fake.world.plan.credentials
    headers = _basic(creds.genesys_client_id, creds.genesys_client_secret)
    r = client.post("/oauth/token", data={"grant_type": "password"}, headers=headers)
    assert r.status_code == 400 and r.json["error"] == "unsupported_grant_type"
    r = client.post("/oauth/token", data={}, headers=headers)
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    r = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic %%%"})
    assert r.status_code == 401 and r.json["error"] == "invalid_client"


def test_missing_token_is_authentication_required(client):
    r = client.get("/api/v2/users")
    assert r.status_code == 401
    assert r.json["code"] == "authentication.required"
    assert r.json["message"] == "No authentication bearer token specified in authorization header."


def test_unknown_token_is_bad_credentials(client):
    r = client.get("/api/v2/users", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json["code"] == "bad.credentials"
    assert r.json["message"] == "Invalid login credentials."


def test_token_expires_on_the_virtual_clock(org):
    assert org.get("/api/v2/users").status_code == 200
    org.advance(86398)
    assert org.get("/api/v2/users").status_code == 200
    org.advance(2)
    r = org.get("/api/v2/users")
    assert r.status_code == 401 and r.json["code"] == "bad.credentials"


def test_expire_tokens_fault_expires_every_token(org):
    r = org.client.post("/_fake/faults", json={"action": "expire_tokens"})
    assert r.status_code == 201 and r.json["faults"][0]["expired"] >= 1
    assert org.get("/api/v2/users").status_code == 401
    assert not org.fake.oauth.token_valid(org.token)


def test_correlation_id_header_is_echoed_as_context_id(client):
    r = client.get("/api/v2/users", headers={"inin-correlation-id": "abc-123"})
    assert r.headers["inin-correlation-id"] == "abc-123"
    assert r.json["contextId"] == "abc-123"
    ok = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert ok.headers["inin-correlation-id"]


def test_unknown_path_and_method_get_genesys_errors(org):
    r = org.get("/api/v2/nothing/here")
    assert r.status_code == 404 and r.json["code"] == "not.found"
    r = org.client.delete("/api/v2/users", headers=org.headers)
    assert r.status_code == 405 and r.json["status"] == 405


def test_users_me_with_a_client_token_is_not_a_user(org):
    r = org.get("/api/v2/users/me")
    assert r.status_code == 400 and r.json["code"] == "not.a.user"
    assert "Client credentials cannot be used" in r.json["message"]


def test_minted_user_token_is_the_agents_own(org):
    user_id = org.user_ids[1]
    r = org.client.post("/_fake/tokens", json={"userId": user_id})
    assert r.status_code == 200 and set(r.json) >= {"access_token", "token_type", "expires_in"}
    me = org.get("/api/v2/users/me?expand=presence,routingStatus",
                 headers={"Authorization": f"Bearer {r.json['access_token']}"})
    assert me.status_code == 200 and me.json["id"] == user_id
    assert me.json["presence"]["presenceDefinition"]["systemPresence"] == "Offline"
    assert me.json["routingStatus"]["status"] == "OFF_QUEUE"


def test_minting_for_an_unknown_user_is_refused(org):
    r = org.client.post("/_fake/tokens", json={"userId": "00000000-0000-4000-8000-000000000000"})
    assert r.status_code == 404
    r = org.client.post("/_fake/tokens", json={})
    assert r.status_code == 400


def test_reset_revokes_tokens(org, fake, client):
    org.world.reset()
    assert org.get("/api/v2/users").status_code == 401
    assert client.get("/api/v2/users", headers={"Authorization": f"Bearer {client_token(fake, client)}"}).status_code == 200


def test_connector_env_names_the_api_and_credentials(fake):
    fake.bind({"api": "http://127.0.0.1:5555"})
    env = fake.connector_env()
    assert env["GENESYS_API_URL"] == env["GENESYS_LOGIN_URL"] == "http://127.0.0.1:5555"
    assert env["GENESYS_CLIENT_ID"] == fake.world.plan.credentials.genesys_client_id
