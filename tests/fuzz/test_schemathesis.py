"""Schemathesis over both fakes, in process (WSGI, no port): each operation of `/_fake/openapi.json` gets a bounded,
deterministic set of generated requests (valid and invalid), sent with a valid credential on a freshly reset world.

Checks: no 5xx, every response fits the schema its operation documents, every JSON body is strict JSON (no NaN or
Infinity, which Python's parser takes and no platform's does).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from omni_harness.fakes.core.control import parse_json

# Examples per operation: valid requests, then invalid ones (costlier to generate). With about 120 operations the
# whole file stays under 90 s on two cores.
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 2}
# Control routes that change the rules of the world rather than use it: injected faults answer 5xx by design, a seed
# of a billion agents or a clock advanced by years is a test of its own (tests/fuzz/test_bad_input_walk.py walks them).
NOT_FUZZED = {("POST", "/_fake/faults"), ("POST", "/_fake/seed"), ("POST", "/_fake/clock/advance"),
              ("POST", "/_fake/reset")}


@schemathesis.check
def strict_json(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """A JSON body must parse without Python's extensions (NaN, Infinity)."""
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if "json" not in content_type or not response.content:
        return None
    try:
        parse_json(response.content)
    except ValueError as exc:
        raise AssertionError(f"{case.method} {case.path}: the body is not strict JSON: {exc}") from exc
    return True


@schemathesis.check
def no_server_error(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """No 5xx, but for the SOAP login's faults: SOAP 1.1 sends every fault as HTTP 500, and so does the platform."""
    if case.path.startswith("/services/Soap/") and response.status_code == 500 and \
            b"<soapenv:Fault>" in (response.content or b""):
        return True
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error, response_schema_conformance, strict_json]


def genesys_login(fakes) -> dict[str, str]:
    creds = fakes.world.plan.credentials
    basic = base64.b64encode(f"{creds.genesys_client_id}:{creds.genesys_client_secret}".encode()).decode()
    r = fakes.app("genesys").test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                                headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def salesforce_login(fakes) -> dict[str, str]:
    creds = fakes.world.plan.credentials
    r = fakes.app("salesforce").test_client().post("/services/oauth2/token", data={
        "grant_type": "password", "client_id": creds.salesforce_client_id,
        "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
        "password": creds.salesforce_password + creds.salesforce_security_token})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


LOGIN: dict[str, Callable[[Any], dict[str, str]]] = {"genesys": genesys_login, "salesforce": salesforce_login}


def _fuzz(fakes, platform: str, operation: Any, mode: GenerationMode) -> list[str]:
    """The first failure of `operation` in `mode`, if any (no shrinking: the report names the failing case)."""
    fakes.world.reset()  # every operation starts from the seeded org
    fakes.world.clock.freeze()
    auth = {} if operation.path.startswith("/_fake/") else LOGIN[platform](fakes)
    failures: list[str] = []

    @settings(max_examples=EXAMPLES[mode], derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        if failures:
            return
        if case.query and "wait" in case.query:
            case.query["wait"] = 0  # the event long-poll would hold the run for its whole wait
        case.headers = {**auth, **(case.headers or {})}
        try:
            case.call_and_validate(checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: B902 - schemathesis raises a FailureGroup
            failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: {str(exc).strip()[:1500]}")

    try:
        run()
    except Unsatisfiable:
        pass  # nothing of the operation can be made invalid (no parameter, no body): the valid cases cover it
    return failures


def _operations() -> list[tuple[str, str, str]]:
    """(platform, method, path) of every documented operation, from the documents the apps serve."""
    from omni_harness.fakes.core import World
    from omni_harness.fakes.genesys import build as build_genesys
    from omni_harness.fakes.salesforce import build as build_salesforce

    world = World(seed=7, agents=2)
    try:
        apps = {"genesys": build_genesys(world).listeners()["api"],
                "salesforce": build_salesforce(world).listeners()["api"]}
        out = []
        for platform, app in apps.items():
            doc = app.test_client().get("/_fake/openapi.json").get_json()
            out += [(platform, method.upper(), path) for path, item in doc["paths"].items() for method in item
                    if method != "parameters" and (method.upper(), path) not in NOT_FUZZED]
        return out
    finally:
        world.clock.close()


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def schemas(module_fakes) -> dict[str, Any]:
    return {p: schemathesis.openapi.from_wsgi("/_fake/openapi.json", module_fakes.app(p))
            for p in ("genesys", "salesforce")}


@pytest.mark.parametrize(("platform", "method", "path"), OPERATIONS, ids=[f"{p} {m} {a}" for p, m, a in OPERATIONS])
def test_no_server_error_no_schema_break_no_invalid_json(fakes, schemas, platform, method, path):
    operation = schemas[platform][path][method]
    failures = _fuzz(fakes, platform, operation, GenerationMode.POSITIVE)
    if operation.body or any(True for _ in operation.iter_parameters()):
        failures += _fuzz(fakes, platform, operation, GenerationMode.NEGATIVE)
    assert not failures, "\n\n".join(failures)


def test_every_operation_is_fuzzed_but_those_that_change_the_rules():
    documented = {(m, p) for _, m, p in OPERATIONS}
    assert len(OPERATIONS) > 120
    assert not documented & NOT_FUZZED
    assert {("GET", "/api/v2/users/{user_id}"), ("POST", "/services/data/{version_text}/sobjects/{sobject}"),
            ("POST", "/_fake/tokens")} <= documented
