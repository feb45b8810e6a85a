"""How to inject a fault: the `fault` fixture adds rules to a fake's control API; they are removed after the test."""

import pytest

from omni_harness.harness.http import ApiError


def test_a_429_with_retry_after_then_normal_service(agent, fault):
    fault("genesys", method="PATCH", path="/api/v2/users/*/presences/purecloud", status=429, count=1,
          headers={"Retry-After": "2"},
          body={"message": "Rate limit exceeded the maximum", "code": "too.many.requests", "status": 429})
    with pytest.raises(ApiError) as refused:
        agent.go_on_queue()
    assert refused.value.status == 429
    agent.go_on_queue()  # count=1: the rule fired once
    assert agent.routing_status() == "IDLE"


def test_every_token_expires_at_once(agent, fault):
    agent.go_on_queue()
    assert fault.expire_tokens("genesys") >= 1  # the agent's client is refused once, and mints a new token
    assert agent.routing_status() == "IDLE"
