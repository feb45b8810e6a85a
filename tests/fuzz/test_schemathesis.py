"""Schemathesis over both fakes, in process (WSGI, no port): each operation of `/_fake/openapi.json` gets a bounded,
deterministic set of generated requests (valid and invalid), sent with a valid credential on a freshly reset world.

Checks: no 5xx, every response fits the schema its operation documents, every JSON body is strict JSON (no NaN or
Infinity, which Python's parser takes and no platform's does).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from fakes.core.control import parse_json

# Examples per operation: valid requests, then invalid ones (costlier to generate). With about 120 operations the
# whole file stays under 90 s on two cores.
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 2}
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


CHECKS = [not_a_server_error, response_schema_conformance, strict_json]


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


@pytest.mark.parametrize("platform", ["genesys", "salesforce"])
def test_schemathesis_finds_no_server_error_no_schema_break_no_invalid_json(fakes, platform):
    schema = schemathesis.openapi.from_wsgi("/_fake/openapi.json", fakes.app(platform))
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in NOT_FUZZED:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _fuzz(fakes, platform, operation, mode)
    assert operations > 40
    assert not failures, f"{len(failures)} failing operation(s):\n" + "\n\n".join(failures)
