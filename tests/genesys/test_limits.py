"""The Platform API limits (reference §7): rate limits per token with 429 + Retry-After, and the 413 size limit.

The rate limits count on a monotonic clock; these tests give the limiter one they move by hand, so a window
passes without waiting for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from omni_harness import contracts
from omni_harness.fakes.core import World
from omni_harness.fakes.genesys.config import (
    PLATFORM_RATE_LIMITS,
    REQUEST_BYTES_MAX,
    GenesysConfig,
    RateLimit,
    TokenGrant,
)
from omni_harness.fakes.genesys.routes.limits import EXTENSION, RateLimiter
from omni_harness.fakes.runner import start_stack

QUEUES = "/api/v2/routing/queues"
# The platform's limits scaled down to five requests a minute, so a test reaches them in a few requests.
SMALL = tuple(RateLimit(lim.key, lim.namespace, 5, grant=lim.grant) for lim in PLATFORM_RATE_LIMITS)


@dataclass
class Monotonic:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(fake) -> Iterator[Monotonic]:
    """The org at the platform's defaults, its rate limits counted on a clock the test moves."""
    fake.config = GenesysConfig()
    clock = Monotonic()
    before = fake.app.extensions[EXTENSION]
    fake.app.extensions[EXTENSION] = RateLimiter(now=clock)
    yield clock
    fake.app.extensions[EXTENSION] = before


def _spend(org, count: int, path: str = QUEUES, headers: dict[str, str] | None = None) -> None:
    for n in range(count):
        r = org.get(path, headers=headers)
        assert r.status_code == 200, (n, r.status_code, r.json)


def _throttled(r, key: str, value: int, retry_after: int) -> None:
    assert r.status_code == 429, (r.status_code, r.json)
    body = r.json
    contracts.validate("genesys", "error", body)
    assert body["code"] == "too.many.requests"
    assert body["message"] == f"Rate limit exceeded the maximum [{value}] requests within [60] seconds"
    assert body["limit"] == {"key": key, "namespace": "platform.api", "value": value}
    assert body["contextId"] == r.headers["inin-correlation-id"]
    assert r.headers["Retry-After"] == str(retry_after)


def test_the_defaults_are_the_platform_numbers():
    config = GenesysConfig()
    assert config.rate_limits_enabled and config.rate_limits == PLATFORM_RATE_LIMITS
    assert {(lim.key, lim.value, lim.window_seconds, lim.grant) for lim in PLATFORM_RATE_LIMITS} == {
        ("client.credentials.token.rate.per.minute", 300, 60.0, TokenGrant.CLIENT_CREDENTIALS),
        ("token.rate.per.minute", 300, 60.0, TokenGrant.USER),
    }
    assert config.request_bytes_max == REQUEST_BYTES_MAX == 512_000


def test_a_client_token_gets_300_requests_a_minute(org, clock, fake):
    _spend(org, 150)
    clock.now += 30
    _spend(org, 150)
    clock.now += 10
    _throttled(org.get(QUEUES), "client.credentials.token.rate.per.minute", 300, retry_after=20)
    request = [e for e in fake.journal.since(0, kinds=["request"]) if e.data["status"] == 429][-1]
    assert request.data["actor"].startswith("client:") and request.data["path"] == QUEUES
    # A minute after the first 150 they have left the window (the refused request was not counted): 150 more fit.
    clock.now += 20
    _spend(org, 150)
    _throttled(org.get(QUEUES), "client.credentials.token.rate.per.minute", 300, retry_after=30)


def test_each_token_has_its_own_count(org, clock, fake):
    fake.config.rate_limits = SMALL
    _spend(org, 5)
    assert org.get(QUEUES).status_code == 429
    agent = org.user_ids[0]
    headers = org.user_headers(agent)
    _spend(org, 5, f"/api/v2/users/{agent}", headers)
    _throttled(org.get(f"/api/v2/users/{agent}", headers=headers), "token.rate.per.minute", 5, retry_after=60)
    other = org.user_headers(org.user_ids[1])
    assert org.get(f"/api/v2/users/{org.user_ids[1]}", headers=other).status_code == 200


def test_a_route_family_has_its_own_limit(org, clock, fake):
    routing = RateLimit("routing.queues.rate.per.minute", "routing", 2, paths=("/api/v2/routing/*",))
    fake.config.rate_limits = (*SMALL, routing)
    _spend(org, 2)
    r = org.get(QUEUES)
    assert r.status_code == 429 and r.json["limit"]["key"] == "routing.queues.rate.per.minute"
    # Outside the family only the token's own limit counts (the two routing requests were counted there too).
    _spend(org, 3, f"/api/v2/users/{org.user_ids[0]}")
    _throttled(org.get(f"/api/v2/users/{org.user_ids[0]}"), "client.credentials.token.rate.per.minute", 5, 60)


def test_limits_can_be_switched_off(org, clock, fake):
    fake.config.rate_limits = SMALL
    fake.config.rate_limits_enabled = False
    _spend(org, 10)
    fake.config.rate_limits_enabled = True
    fake.config.rate_limits = ()
    _spend(org, 10)
    fake.config.rate_limits = SMALL
    _spend(org, 5)
    assert org.get(QUEUES).status_code == 429


def test_requests_without_a_valid_token_are_not_counted_and_the_control_api_is_never_limited(org, clock, fake):
    fake.config.rate_limits = (RateLimit("token.rate.per.minute", "platform.api", 1),)
    for _ in range(3):
        assert org.get(QUEUES, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert org.client.get(QUEUES).status_code == 401
        assert org.client.get("/_fake/state").status_code == 200
    assert org.get(QUEUES).status_code == 200
    assert org.get(QUEUES).status_code == 429


def test_a_reset_org_counts_its_tokens_afresh(org, clock, fake):
    # The seeded org issues the same token strings again after a reset; they are new tokens.
    fake.config.rate_limits = SMALL
    _spend(org, 5)
    assert org.get(QUEUES).status_code == 429
    fake.world.reset()
    fake.world.clock.freeze()
    token = _token(org)
    assert f"Bearer {token}" == org.headers["Authorization"]
    _spend(org, 5)


def _token(org) -> str:
    from genesys_org import client_token

    return client_token(org.fake, org.client)


# -- request size -------------------------------------------------------------------------------------------
def _too_large(r) -> None:
    assert r.status_code == 413, (r.status_code, r.get_data(as_text=True)[:200])
    body = r.json
    contracts.validate("genesys", "error", body)
    assert body["code"] == "request.entity.too.large"
    assert body["message"] == f"The request is over the size limit. Maximum bytes: {REQUEST_BYTES_MAX}"


def test_a_body_over_the_maximum_is_refused_before_it_is_parsed(org, fake):
    fake.config = GenesysConfig()
    path = f"/api/v2/users/{org.user_ids[0]}/presences/purecloud"
    # Not even JSON: the size is checked first (a body of the maximum would be a 400 bad.request).
    _too_large(org.client.patch(path, data=b"{" * (REQUEST_BYTES_MAX + 1), headers=org.headers,
                                content_type="application/json"))
    r = org.client.patch(path, data=b"{" * REQUEST_BYTES_MAX, headers=org.headers, content_type="application/json")
    assert r.status_code == 400 and r.json["code"] == "bad.request"
    # Before the token, too, as the platform's gateway does.
    _too_large(org.client.post("/api/v2/notifications/channels", data=b" " * 600_000,
                               content_type="application/json"))


def test_the_size_limit_follows_the_config(org, fake):
    fake.config = GenesysConfig(request_bytes_max=None)
    r = org.client.post("/api/v2/notifications/channels", data=b" " * 600_000, headers=org.headers,
                        content_type="application/json")
    assert r.status_code == 200, r.json


def test_over_http_the_413_arrives_and_is_journaled():
    stack = start_stack(World(seed=5, agents=2, queues=1), names=["genesys"])
    try:
        url = stack.url("genesys")
        http = requests.Session()
        r = http.post(f"{url}/api/v2/notifications/channels", data=b"x" * 2_000_000,
                      headers={"Content-Type": "application/json"}, timeout=10)
        _too_large_http(r)
        entry = stack.world.journal.since(0, kinds=["request"])[-1]
        assert (entry.data["status"], entry.data["requestBody"]) == (413, {"truncated": True, "bytes": 2_000_000})
        # A chunked body has no Content-Length: it is measured as it is read.
        chunks = (b" " * 65_536 for _ in range(10))
        _too_large_http(http.post(f"{url}/api/v2/notifications/channels", data=chunks,
                                  headers={"Content-Type": "application/json"}, timeout=10))
        # The connection is still good for the next request.
        assert http.get(f"{url}/_fake/health", timeout=10).status_code == 200
    finally:
        stack.stop()


def _too_large_http(r) -> None:
    assert r.status_code == 413, (r.status_code, r.text[:200])
    contracts.validate("genesys", "error", r.json())
    assert r.json()["code"] == "request.entity.too.large"
