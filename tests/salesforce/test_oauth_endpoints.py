"""Authentication on the real org: the OAuth token endpoint, SOAP login, revoke, identity URL, session checks.

Each clause names the platform behaviour it checks (reference §3 and §10). The simple-salesforce login
code itself parses the answers here, over the Flask test client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin
from simple_salesforce.util import getUniqueElementValueFromXmlString

from omni_harness import contracts
from omni_harness.fakes.core import World
from omni_harness.fakes.salesforce import build
from omni_harness.fakes.salesforce.routes.conformance import check_response

BASE = "https://127.0.0.1:8443"
QUERY = "/services/data/v67.0/query"
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


class CheckedClient(FlaskClient):
    """Checks every JSON response body it sees against contracts/salesforce (SOAP answers are XML, and a
    SOAP fault is an HTTP 500 on the platform too)."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if not response.request.path.startswith("/services/Soap/"):
            check_response(self.application, response.request.method, response.request.path, response.status_code, response.data)
        return response


@pytest.fixture(scope="module")
def auth_org():
    world = World(seed=11, agents=2)
    fake = build(world)
    fake.bind({"api": BASE})
    app = fake.listeners()["api"]
    app.test_client_class = CheckedClient
    yield world, fake, app.test_client()
    world.clock.close()


@pytest.fixture
def world(auth_org):
    world, _, _ = auth_org
    world.reset()
    return world


@pytest.fixture
def fake(auth_org, world):
    return auth_org[1]


@pytest.fixture
def client(auth_org, world):
    return auth_org[2]


@pytest.fixture
def creds(world):
    return world.plan.credentials


def _auth_events(world, after: int = 0) -> list[dict]:
    events = [e.data for e in world.journal.since(after, kinds=["event"]) if e.type == "auth.session"]
    for data in events:
        contracts.validate("salesforce", "oauth-session-event", data)
    return events


def _password_form(creds, **overrides) -> dict:
    form = {"grant_type": "password", "client_id": creds.salesforce_client_id,
            "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
            "password": creds.salesforce_password + creds.salesforce_security_token}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def _token_ok(response, fake) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    contracts.validate("salesforce", "oauth-token-response", body)
    assert body["instance_url"] == BASE
    assert body["token_type"] == "Bearer"
    assert body["id"] == f"{BASE}/id/{fake.org_id}/{fake.integration_user_id}"
    secret = fake.world.plan.credentials.salesforce_client_secret.encode()
    expected = base64.b64encode(hmac.new(secret, (body["id"] + body["issued_at"]).encode(), hashlib.sha256).digest())
    assert body["signature"] == expected.decode()
    return body


def _rest(client, token: str, scheme: str = "Bearer"):
    return client.get(QUERY, query_string={"q": "SELECT Id FROM User LIMIT 1"},
                      headers={"Authorization": f"{scheme} {token}"})


# -- §3.1 the token endpoint --------------------------------------------------------------------------------

@pytest.mark.parametrize("with_token", [True, False])
def test_password_grant_answers_the_platforms_token_response(client, fake, world, creds, with_token):
    world.clock.freeze()
    password = creds.salesforce_password + (creds.salesforce_security_token if with_token else "")
    after = world.journal.last_seq
    body = _token_ok(client.post("/services/oauth2/token", data=_password_form(creds, password=password)), fake)
    assert body["issued_at"] == str(int(world.clock.time() * 1000))
    assert "refresh_token" not in body  # the password flow issues none
    assert _auth_events(world, after) == [{"userId": fake.integration_user_id, "kind": "oauth", "action": "issued"}]
    assert _rest(client, body["access_token"]).status_code == 200


def test_password_grant_takes_its_parameters_from_the_query_string_too(client, fake, creds):
    response = client.post("/services/oauth2/token", query_string=_password_form(creds),
                           content_type="application/x-www-form-urlencoded")
    _token_ok(response, fake)


@pytest.mark.parametrize(("overrides", "error", "description"), [
    ({"password": "wrong"}, "invalid_grant", "authentication failure"),
    ({"username": "nobody@example.com"}, "invalid_grant", "authentication failure"),
    ({"password": None}, "invalid_grant", "authentication failure"),
    ({"client_id": "3MVGnope"}, "invalid_client_id", "client identifier invalid"),
    ({"client_id": None}, "invalid_client_id", "client identifier invalid"),
    ({"client_secret": "nope"}, "invalid_client", "invalid client credentials"),
    ({"grant_type": "authorization_code"}, "unsupported_grant_type", "grant type not supported"),
    ({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}, "unsupported_grant_type",
     "grant type not supported"),
    ({"grant_type": None}, "invalid_request", "grant type is missing"),
])
def test_token_errors_are_the_platforms(client, world, creds, overrides, error, description):
    after = world.journal.last_seq
    response = client.post("/services/oauth2/token", data=_password_form(creds, **overrides))
    assert response.status_code == 400
    body = response.get_json()
    contracts.validate("salesforce", "oauth-token-error", body)
    assert body == {"error": error, "error_description": description}
    assert _auth_events(world, after) == []


def test_a_json_body_never_reaches_a_grant_type(client, creds):
    response = client.post("/services/oauth2/token", json=_password_form(creds))
    assert response.status_code == 400
    assert response.get_json() == {"error": "unsupported_grant_type", "error_description": "grant type not supported"}


def test_client_credentials_with_a_basic_header(client, fake, creds):
    basic = base64.b64encode(f"{creds.salesforce_client_id}:{creds.salesforce_client_secret}".encode()).decode()
    response = client.post("/services/oauth2/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": f"Basic {basic}"}, base_url="https://omni-harness.my.salesforce.com")
    body = _token_ok(response, fake)
    assert body["scope"] and body["api_instance_url"] == BASE
    assert _rest(client, body["access_token"]).status_code == 200


def test_client_credentials_in_the_body(client, fake, creds):
    response = client.post("/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": creds.salesforce_client_id,
        "client_secret": creds.salesforce_client_secret})
    _token_ok(response, fake)


@pytest.mark.parametrize(("basic", "host", "error"), [
    ("{id}:wrong", "omni-harness.my.salesforce.com", "invalid_client"),
    ("someone:{secret}", "omni-harness.my.salesforce.com", "invalid_client_id"),
    ("not base64 at all", "omni-harness.my.salesforce.com", "invalid_client_id"),
    ("{id}:{secret}", "login.salesforce.com", "invalid_grant"),  # must hit the My Domain host
])
def test_client_credentials_refusals(client, creds, basic, host, error):
    text = basic.format(id=creds.salesforce_client_id, secret=creds.salesforce_client_secret)
    value = text if " " in text else base64.b64encode(text.encode()).decode()
    response = client.post("/services/oauth2/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": f"Basic {value}"}, base_url=f"https://{host}")
    assert response.status_code == 400
    contracts.validate("salesforce", "oauth-token-error", response.get_json())
    assert response.get_json()["error"] == error


def test_refresh_token_grant(client, fake, world, creds):
    with fake.lock:
        first = fake.sessions.issue(fake.integration_user_id, "oauth", creds.salesforce_client_id, with_refresh=True)
    after = world.journal.last_seq
    response = client.post("/services/oauth2/token", data={
        "grant_type": "refresh_token", "client_id": creds.salesforce_client_id,
        "client_secret": creds.salesforce_client_secret, "refresh_token": first.refresh_token})
    body = _token_ok(response, fake)
    assert body["access_token"] != first.token and "refresh_token" not in body
    assert _auth_events(world, after) == [{"userId": fake.integration_user_id, "kind": "oauth", "action": "issued"}]
    bad = client.post("/services/oauth2/token", data={
        "grant_type": "refresh_token", "client_id": creds.salesforce_client_id, "refresh_token": "5Aep861bogus"})
    assert bad.status_code == 400
    assert bad.get_json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}


# -- sessions on REST ---------------------------------------------------------------------------------------

def _login(client, creds) -> str:
    return client.post("/services/oauth2/token", data=_password_form(creds)).get_json()["access_token"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "Basic abc"}])
def test_no_valid_session_is_the_401_array(client, headers):
    response = client.get(QUERY, query_string={"q": "SELECT Id FROM User"}, headers=headers)
    assert response.status_code == 401
    assert response.get_json() == INVALID_SESSION
    contracts.validate("salesforce", "error", response.get_json())


def test_oauth_scheme_is_accepted_and_the_request_is_journaled_with_its_actor(client, fake, world, creds):
    token = _login(client, creds)
    after = world.journal.last_seq
    assert _rest(client, token, scheme="OAuth").status_code == 200
    entry = world.journal.since(after, kinds=["request"])[-1]
    assert entry.data["actor"] == {"kind": "oauth", "userId": fake.integration_user_id}


def test_sessions_expire_on_the_virtual_clock(client, fake, world, creds):
    world.clock.freeze()
    token = _login(client, creds)
    world.clock.advance(7200 - 1)
    assert _rest(client, token).status_code == 200
    after = world.journal.last_seq
    world.clock.advance(1)
    assert _auth_events(world, after) == [{"userId": fake.integration_user_id, "kind": "oauth", "action": "expired"}]
    response = _rest(client, token)
    assert (response.status_code, response.get_json()) == (401, INVALID_SESSION)


def test_expire_tokens_fault_ends_every_session(client, world, creds):
    token = _login(client, creds)
    response = client.post("/_fake/faults", json={"action": "expire_tokens"})
    assert response.status_code == 201
    assert response.get_json()["faults"][0]["expired"] >= 1
    assert _rest(client, token).status_code == 401


def test_revoke(client, fake, world, creds):
    token = _login(client, creds)
    after = world.journal.last_seq
    response = client.post("/services/oauth2/revoke", data={"token": token})
    assert response.status_code == 200 and response.get_data() == b""
    assert _auth_events(world, after) == [{"userId": fake.integration_user_id, "kind": "oauth", "action": "revoked"}]
    assert _rest(client, token).status_code == 401
    again = client.get("/services/oauth2/revoke", query_string={"token": token})
    assert again.status_code == 400
    contracts.validate("salesforce", "oauth-token-error", again.get_json())


def test_identity_url_answers_for_its_own_user_only(client, fake, creds):
    body = client.post("/services/oauth2/token", data=_password_form(creds)).get_json()
    path = urlsplit(body["id"]).path
    response = client.get(path, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert response.status_code == 200
    identity = response.get_json()
    contracts.validate("salesforce", "oauth-identity", identity)
    assert identity["user_id"] == fake.integration_user_id
    assert identity["username"].lower() == creds.salesforce_username.lower()
    other = path.rsplit("/", 1)[0] + "/0055i000000ZZZZ"
    assert client.get(other, headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 403
    assert client.get(path).status_code == 401


# -- §3.2 SOAP login, parsed by simple-salesforce's own code ------------------------------------------------

class _TestClientSession:
    """The `post` simple-salesforce's login functions call, served by the Flask test client."""

    def __init__(self, client) -> None:
        self.client = client
        self.urls: list[str] = []

    def post(self, url, data=None, headers=None, proxies=None, **_):
        self.urls.append(url)
        parts = urlsplit(url)
        response = self.client.post(parts.path, data=data, headers=headers, base_url=f"https://{parts.netloc}")

        class _Response:
            status_code = response.status_code
            content = response.get_data()
            text = response.get_data(as_text=True)

            def json(self):
                import json

                return json.loads(self.text)

        return _Response()


def test_soap_login_as_simple_salesforce_sends_and_parses_it(client, fake, world, creds):
    session = _TestClientSession(client)
    after = world.journal.last_seq
    session_id, instance = SalesforceLogin(username=creds.salesforce_username, password=creds.salesforce_password,
                                           security_token=creds.salesforce_security_token, session=session)
    assert session.urls == ["https://login.salesforce.com/services/Soap/u/59.0"]
    assert instance == "127.0.0.1:8443"
    assert _auth_events(world, after) == [{"userId": fake.integration_user_id, "kind": "soap", "action": "issued"}]
    assert _rest(client, session_id).status_code == 200


def test_soap_login_response_carries_unprefixed_result_fields_and_user_info(client, fake, creds):
    body = (
        '<?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com"><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com">'
        f"<n1:username>{creds.salesforce_username}</n1:username><n1:password>{creds.salesforce_password}"
        f"{creds.salesforce_security_token}</n1:password></n1:login></env:Body></env:Envelope>")
    response = client.post("/services/Soap/u/67.0", data=body, headers={"content-type": "text/xml",
                                                                        "SOAPAction": "login"})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    xml = response.get_data()
    assert getUniqueElementValueFromXmlString(xml, "serverUrl") == f"{BASE}/services/Soap/u/67.0/{fake.org_id[:15]}"
    assert getUniqueElementValueFromXmlString(xml, "userId") == fake.integration_user_id
    assert getUniqueElementValueFromXmlString(xml, "organizationId") == fake.org_id
    assert getUniqueElementValueFromXmlString(xml, "userName").lower() == creds.salesforce_username.lower()
    assert getUniqueElementValueFromXmlString(xml, "sessionSecondsValid") == "7200"
    assert b"<userInfo>" in xml


def test_oauth_password_login_as_simple_salesforce_does_it(client, creds):
    session = _TestClientSession(client)
    token, instance = SalesforceLogin(username=creds.salesforce_username, password=creds.salesforce_password,
                                      consumer_key=creds.salesforce_client_id,
                                      consumer_secret=creds.salesforce_client_secret, session=session)
    assert session.urls == ["https://login.salesforce.com/services/oauth2/token"]
    assert instance == "127.0.0.1:8443"
    assert _rest(client, token).status_code == 200


def test_client_credentials_login_as_simple_salesforce_does_it(client, creds):
    session = _TestClientSession(client)
    token, instance = SalesforceLogin(consumer_key=creds.salesforce_client_id,
                                      consumer_secret=creds.salesforce_client_secret, domain="omni-harness.my",
                                      session=session)
    assert session.urls == ["https://omni-harness.my.salesforce.com/services/oauth2/token"]
    assert _rest(client, token).status_code == 200


@pytest.mark.parametrize(("password", "token"), [("wrong", ""), ("", None)])
def test_bad_soap_credentials_are_the_login_fault(client, world, creds, password, token):
    after = world.journal.last_seq
    with pytest.raises(SalesforceAuthenticationFailed) as info:
        SalesforceLogin(username=creds.salesforce_username, password=password or None,
                        security_token=token if token is not None else "", session=_TestClientSession(client))
    assert info.value.code == "INVALID_LOGIN"
    assert info.value.auth_message == "Invalid username, password, security token; or user locked out."
    assert _auth_events(world, after) == []


@pytest.mark.parametrize(("path", "body", "code"), [
    ("/services/Soap/u/67.0", "<not xml", "UNKNOWN_EXCEPTION"),
    ("/services/Soap/u/67.0", "<env:Envelope xmlns:env='http://schemas.xmlsoap.org/soap/envelope/'/>",
     "INVALID_OPERATION"),
    ("/services/Soap/u/12.0", "<x/>", "UNSUPPORTED_API_VERSION"),
    ("/services/Soap/u/abc", "<x/>", "UNSUPPORTED_API_VERSION"),
])
def test_malformed_soap_requests_are_faults_not_crashes(client, path, body, code):
    response = client.post(path, data=body, headers={"content-type": "text/xml"})
    assert response.status_code == 500
    assert getUniqueElementValueFromXmlString(response.get_data(), "sf:exceptionCode") == code
