"""Every route of both fakes with bad input, the routes listed from the apps' url_map (not by hand).

Per route, whichever applies: no token, a garbage token and an expired token where the route needs one (its
operation in `/_fake/openapi.json` names a security scheme); malformed JSON, a body that is not JSON, and a wrong
type per body field where it takes a JSON body; an odd id per path parameter; a foreign `Host` on the control API.
Each must be refused with the status the platform uses and its error body (the operation's documented error schema),
never a 5xx, always strict JSON. A route the walk has no bad input for fails `test_every_route_has_a_bad_input_case`.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from omni_harness import contracts
from omni_harness.fakes.core import World
from omni_harness.fakes.core.control import parse_json
from omni_harness.fakes.core.openapi import openapi_path
from omni_harness.fakes.genesys import build as build_genesys
from omni_harness.fakes.salesforce import build as build_salesforce

PLATFORMS = ("genesys", "salesforce")
ODD_ID = "%E2%98%83..%3B'\"x"  # a snowman, dots, a quote: no platform id looks like this
GARBAGE_TOKEN = "not-a-token-0123456789abcdefghij"
# Routes that take no input at all (no credential, no parameter, no body): nothing to get wrong.
NO_INPUT = {
    ("salesforce", "GET", "/services/data"): "the API versions list is public and takes no parameter",
    ("salesforce", "GET", "/services/data/"): "the API versions list is public and takes no parameter",
}
# CometD refuses a credential inside the Bayeux reply (HTTP 200, `successful: false`, `401::` as the failure
# reason), so its credential cases send a handshake.
HANDSHAKE = json.dumps([{"channel": "/meta/handshake", "version": "1.0",
                         "supportedConnectionTypes": ["long-polling"]}]).encode()
# A SOAP fault is HTTP 500 on the platform (SOAP 1.1): that, and only that, 5xx is the platform's answer.
SOAP_RULES = {("salesforce", "POST", "/services/Soap/u/<version>")}


@dataclass(frozen=True)
class Case:
    platform: str
    method: str
    rule: str
    kind: str
    path: str
    headers: dict[str, str] = field(default_factory=dict, hash=False)
    body: bytes | None = None
    statuses: tuple[int, ...] = ()  # () = any 4xx

    @property
    def id(self) -> str:
        return f"{self.platform} {self.method} {self.rule} [{self.kind}]"


@cache
def _apps() -> dict[str, Any]:
    """The apps as built (their url_map and documents only: the walk's requests go to a fresh world per module)."""
    world = World(seed=7, agents=2)
    apps = {"genesys": build_genesys(world).listeners()["api"], "salesforce": build_salesforce(world).listeners()["api"]}
    world.clock.close()
    return apps


@cache
def _document(platform: str) -> dict[str, Any]:
    return _apps()[platform].test_client().get("/_fake/openapi.json").get_json()


def routes(platform: str) -> list[tuple[str, str]]:
    """(method, rule) of every rule of the app, as werkzeug serves them (HEAD of a GET rule left out)."""
    out = set()
    for rule in _apps()[platform].url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = set(rule.methods or ()) - {"OPTIONS"}
        if "GET" in methods:
            methods.discard("HEAD")
        out |= {(m, rule.rule) for m in methods}
    return sorted(out, key=lambda r: (r[1], r[0]))


def _operation(platform: str, method: str, rule: str) -> dict[str, Any]:
    return _document(platform)["paths"][openapi_path(rule)][method.lower()]


def _request_schema(platform: str, op: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON request body schema of an operation (a contract resolved), if it takes a JSON body."""
    content = (op.get("requestBody") or {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[-1]
        if name in contracts.names(platform):
            return contracts.load(platform, name)
        return _document(platform)["components"]["schemas"][name]
    return schema


WRONG = {"string": 12345, "integer": "twelve", "number": "twelve", "boolean": "yes", "array": {"not": "a list"},
         "object": ["not", "an", "object"]}


def _wrong_types(schema: dict[str, Any]) -> list[tuple[str, Any]]:
    """(field, a body with that field of the wrong type) per typed top-level property of an object body."""
    if schema.get("type") != "object":
        return []
    out = []
    for name, prop in sorted((schema.get("properties") or {}).items()):
        kind = prop.get("type")
        if isinstance(kind, str) and kind in WRONG:
            out.append((name, {name: WRONG[kind]}))
    return out


def _fill(rule: str, odd: str | None = None) -> str:
    """The rule with each parameter filled: `x` (a plausible but unknown value), or ODD_ID for parameter `odd`."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ODD_ID if m[1] == odd else "x", rule)


def _version_fill(rule: str, odd: str | None = None) -> str:
    """Salesforce paths need a real API version to get past the version check to the part under test."""
    path = _fill(rule, odd)
    if odd != "version_text":
        path = path.replace("/services/data/x", "/services/data/v67.0")
    if odd != "version":
        path = re.sub(r"^/(cometd|services/Soap/u)/x", r"/\1/67.0", path)
    return path


def cases_for(platform: str, method: str, rule: str) -> list[Case]:
    op = _operation(platform, method, rule)
    path = _version_fill(rule)
    out: list[Case] = []
    schemes = {name for requirement in op.get("security", []) for name in requirement}
    always = [int(s) for s in op["responses"] if s.isdigit() and int(s) >= 400 and s != "500"]
    refused = tuple(always) or (401,)  # a route that refuses every request (GET /cometd) refuses these too
    if "basic" in schemes:
        out.append(Case(platform, method, rule, "garbage client credentials", path,
                        {"Authorization": "Basic " + base64.b64encode(b"nobody:nothing").decode(),
                         "Content-Type": "application/x-www-form-urlencoded"}, b"grant_type=client_credentials",
                        statuses=(400, 401)))
    elif schemes:
        bayeux = rule.startswith("/cometd") and method == "POST"
        for kind, header in (("no token", None), ("garbage token", f"Bearer {GARBAGE_TOKEN}"),
                             ("expired token", "Bearer {expired}")):
            headers = {} if header is None else {"Authorization": header}
            if rule == "/cometd":  # no API version: refused before the credential is looked at
                out.append(Case(platform, method, rule, kind, path, {**headers, "Content-Type": "application/json"},
                                HANDSHAKE, statuses=(400,)))
            elif bayeux:
                out.append(Case(platform, method, rule, kind, path, {**headers, "Content-Type": "application/json"},
                                HANDSHAKE, statuses=(200,)))
            else:
                out.append(Case(platform, method, rule, kind, path, headers, statuses=refused))
    schema = _request_schema(platform, op)
    if schema is not None:
        out.append(Case(platform, method, rule, "malformed JSON", path, {"Content-Type": "application/json"},
                        b'{"a": '))
        # CometD answers a message it cannot read in the Bayeux reply (HTTP 200, `successful: false`)
        out.append(Case(platform, method, rule, "wrong content type", path, {"Content-Type": "text/plain"}, b"{}",
                        statuses=(200, 400) if rule.startswith("/cometd") else ()))
        for name, body in _wrong_types(schema):
            out.append(Case(platform, method, rule, f"wrong type of {name}", path,
                            {"Content-Type": "application/json"}, json.dumps(body).encode()))
    for param in re.findall(r"<(?:\w+:)?(\w+)>", rule):
        out.append(Case(platform, method, rule, f"odd {param}", _version_fill(rule, param)))
    if rule.startswith("/_fake/"):
        out.append(Case(platform, method, rule, "foreign Host", path, {"Host": "attacker.example"}, statuses=(403,)))
    if (platform, method, rule) in SOAP_RULES:
        out.append(Case(platform, method, rule, "malformed XML", path, {"Content-Type": "text/xml"}, b"<not xml",
                        statuses=(500,)))
    media = next(iter((op.get("requestBody") or {}).get("content", {})), None)
    if media == "application/x-www-form-urlencoded":
        out.append(Case(platform, method, rule, "unknown grant", path, {"Content-Type": media},
                        b"grant_type=nonsense&client_id=x"))
        out.append(Case(platform, method, rule, "JSON instead of a form", path,
                        {"Content-Type": "application/json"}, b'{"grant_type": "password"}'))
    if not out and method == "GET" and rule.endswith("/revoke"):
        out.append(Case(platform, method, rule, "no token to revoke", path))
    return out


def all_cases() -> list[Case]:
    return [c for p in PLATFORMS for method, rule in routes(p) for c in cases_for(p, method, rule)]


# -- the walk -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stack():
    """A fresh world with both fakes; an integration token of each, and one that has expired."""
    world = World(seed=7, agents=2)
    fakes = {"genesys": build_genesys(world), "salesforce": build_salesforce(world)}
    world.clock.freeze()
    clients = {p: f.listeners()["api"].test_client() for p, f in fakes.items()}
    expired = {p: _login(p, world, clients[p]) for p in PLATFORMS}
    for fake in fakes.values():
        fake.expire_tokens()
    live = {p: _login(p, world, clients[p]) for p in PLATFORMS}
    yield clients, live, expired
    world.clock.close()


def _login(platform: str, world: World, client) -> str:
    creds = world.plan.credentials
    if platform == "genesys":
        basic = base64.b64encode(f"{creds.genesys_client_id}:{creds.genesys_client_secret}".encode()).decode()
        r = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": f"Basic {basic}"})
    else:
        r = client.post("/services/oauth2/token", data={
            "grant_type": "password", "client_id": creds.salesforce_client_id,
            "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
            "password": creds.salesforce_password + creds.salesforce_security_token})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["access_token"]


def _error_schema(platform: str, op: dict[str, Any], status: int) -> Draft202012Validator | None:
    response = op["responses"].get(str(status)) or op["responses"]["default"]
    schema = (response.get("content") or {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    registry = Registry().with_resource("urn:openapi", Resource.opaque(_document(platform)))
    # the document's `#/components/...` pointers, made absolute so they resolve from this schema too
    absolute = json.loads(json.dumps(schema).replace('"#/components/', '"urn:openapi#/components/'))
    return Draft202012Validator(absolute, registry=registry)


CASES = all_cases()
# Defects the walk found in the fakes, fixed where the fake's routes live; strict, so the fix turns these green.
KNOWN_DEFECTS: dict[str, str] = {}
# Odd input the platform answers with success: for a user that does not exist, Genesys answers the routing status
# OFF_QUEUE (fakes/genesys/model/users.py `routing_status_of`).
PLATFORM_SUCCESS = {"genesys GET /api/v2/users/<user_id>/routingstatus [odd user_id]": {"status": "OFF_QUEUE"}}


def _param(case: Case) -> Any:
    reason = KNOWN_DEFECTS.get(case.id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_gets_the_platforms_error(stack, case: Case):
    clients, live, expired = stack
    headers = dict(case.headers)
    if "{expired}" in headers.get("Authorization", ""):
        headers["Authorization"] = headers["Authorization"].format(expired=expired[case.platform])
    elif case.kind not in ("no token", "garbage token") and not case.rule.startswith("/_fake/"):
        headers.setdefault("Authorization", f"Bearer {live[case.platform]}")
    host = headers.pop("Host", None)
    kwargs: dict[str, Any] = {"headers": headers, "data": case.body}
    if host is not None:
        kwargs["base_url"] = f"http://{host}"
    response = clients[case.platform].open(case.path, method=case.method, **kwargs)
    status = response.status_code
    text = response.get_data(as_text=True)
    if case.id in PLATFORM_SUCCESS:
        assert status == 200, f"{case.id}: {status} {text[:300]}"
        expected = PLATFORM_SUCCESS[case.id]
        assert {k: parse_json(response.get_data()).get(k) for k in expected} == expected, text[:300]
        return
    if (case.platform, case.method, case.rule) in SOAP_RULES:
        pass  # checked below: a SOAP fault
    elif case.statuses:
        assert status in case.statuses, f"{case.id}: {status} {text[:300]}"
    else:
        assert 400 <= status < 500, f"{case.id}: {status} {text[:300]}"
    if (case.platform, case.method, case.rule) in SOAP_RULES:
        assert status == 500 or 400 <= status < 500, f"{case.id}: {status}"
        assert "<soapenv:Fault>" in text, f"{case.id}: not a SOAP fault: {text[:300]}"
        return
    if case.method == "HEAD":
        return
    assert response.mimetype == "application/json", f"{case.id}: {response.mimetype} {text[:200]}"
    body = parse_json(response.get_data())  # strict: NaN or Infinity would raise
    if status < 400:  # a Bayeux reply refusing the message (the credential, for a handshake)
        assert all(reply["successful"] is False for reply in body), f"{case.id}: {body!r}"
        if "token" in case.kind:
            assert "401::" in json.dumps(body), f"{case.id}: {body!r}"
        return
    validator = _error_schema(case.platform, _operation(case.platform, case.method, case.rule), status)
    assert validator is not None, f"{case.id}: no documented error body for {status}"
    errors = list(validator.iter_errors(body))
    assert not errors, f"{case.id}: {status} {body!r} is not the platform's error body: {errors[0].message}"


def test_every_route_has_a_bad_input_case():
    """A new route with nothing to get wrong in the walk turns CI red until it gets a case (or an entry in
    NO_INPUT saying why it takes no input)."""
    walked = {(c.platform, c.method, c.rule) for c in CASES}
    missing = [f"{p} {m} {r}" for p in PLATFORMS for m, r in routes(p)
               if (p, m, r) not in walked and (p, m, r) not in NO_INPUT]
    assert not missing, "routes without a bad-input case: " + ", ".join(missing)
    stale = [k for k in NO_INPUT if (k[1], k[2]) not in routes(k[0])]
    assert not stale, f"NO_INPUT names routes the apps no longer serve: {stale}"
    assert len(walked) + len(NO_INPUT) > 130  # both apps' rules: the route listing itself works
