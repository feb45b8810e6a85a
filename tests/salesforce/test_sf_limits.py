"""The daily API request allocation: counted per org over a rolling 24 hours of the virtual clock, reported by
`Sforce-Limit-Info` and `/limits`, and enforced with 403 REQUEST_LIMIT_EXCEEDED once spent."""

from __future__ import annotations

import re

import pytest

from omni_harness.fakes.core import World
from omni_harness.fakes.salesforce import SalesforceConfig, build

V = "/services/data/v67.0"
REFUSED = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def usage(response) -> tuple[int, int]:
    match = re.fullmatch(r"api-usage=(\d+)/(\d+)", response.headers["Sforce-Limit-Info"])
    assert match, response.headers.get("Sforce-Limit-Info")
    return int(match.group(1)), int(match.group(2))


def login(org) -> dict[str, str]:
    """A new integration session (logging in is not an API call)."""
    creds = org.world.plan.credentials
    r = org.client.post("/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": creds.salesforce_client_id,
        "client_secret": creds.salesforce_client_secret})
    assert r.status_code == 200, r.json
    return {"Authorization": f"Bearer {r.json['access_token']}"}


@pytest.fixture
def small(org, monkeypatch):
    """The org with an allocation of 5 calls a day."""
    monkeypatch.setattr(org.fake.config, "api_request_limit", 5)
    return org


def test_the_default_allocation_is_an_enterprise_orgs_and_limits_agrees_with_the_header(org):
    licences = sum(1 for u in org.fake.records("User") if u["UserType"] == "Standard" and u["IsActive"])
    assert licences == 1 + len(org.world.plan.people)  # the integration user and every agent
    expected = 100_000 + 1_000 * licences
    first = org.get(f"{V}/sobjects")
    used, limit = usage(first)
    assert limit == expected
    r = org.get(f"{V}/limits")
    assert usage(r) == (used + 1, expected)
    assert r.json["DailyApiRequests"] == {"Max": expected, "Remaining": expected - used - 1}


def test_beyond_the_allocation_every_rest_call_is_refused_and_not_counted(small):
    org = small
    used, _ = usage(org.get(f"{V}/sobjects"))
    for _ in range(5 - used):
        r = org.get(f"{V}/query", query_string={"q": "SELECT Id FROM User"})
        assert r.status_code == 200
    assert usage(r) == (5, 5)
    chat = org.customer_chat()  # the control API is not the platform's API
    refused = [org.get(f"{V}/limits"), org.get(f"{V}/query", query_string={"q": "SELECT Id FROM User"}),
               org.post(f"{V}/sobjects/PushTopic/", {"Name": "x", "Query": "SELECT Id FROM User", "ApiVersion": 41}),
               org.patch(f"{V}/sobjects/LiveChatTranscript/{chat['workItemId']}", {"WaitTime": 3}),
               org.delete(f"{V}/sobjects/PendingServiceRouting/{chat['pendingServiceRoutingId']}")]
    for r in refused:
        assert r.status_code == 403, r.json
        assert r.json == REFUSED
        assert usage(r) == (5, 5)
    assert org.record(chat["pendingServiceRoutingId"]) is not None  # nothing refused was applied
    assert org.fake.api_requests == 5
    # a session is not a call: logging in still works, and the new session is refused too
    r = org.get(f"{V}/sobjects", headers=login(org))
    assert r.status_code == 403 and r.json == REFUSED


def test_a_bad_session_is_still_401_when_the_allocation_is_spent(small):
    org = small
    while org.get(f"{V}/sobjects").status_code == 200:
        pass
    r = org.get(f"{V}/sobjects", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json[0]["errorCode"] == "INVALID_SESSION_ID"


def test_calls_roll_out_of_the_24_hour_window_on_the_virtual_clock(small):
    org = small
    clock = org.world.clock
    start = clock.time()
    org.get(f"{V}/sobjects")
    used, _ = usage(org.get(f"{V}/sobjects"))
    clock.advance(3600)
    while org.get(f"{V}/sobjects").status_code == 200:
        pass
    clock.advance(24 * 3600 - 3600 - 1)  # one second before the first calls roll out
    headers = login(org)  # the morning's session has expired
    assert org.get(f"{V}/sobjects", headers=headers).status_code == 403
    clock.advance(1)
    assert clock.time() == start + 24 * 3600
    r = org.get(f"{V}/sobjects", headers=headers)
    assert r.status_code == 200
    # the calls made at the start rolled out; the ones an hour later are still counted
    assert usage(r) == (5 - used + 1, 5)
    r = org.get(f"{V}/limits", headers=headers)
    assert r.json["DailyApiRequests"] == {"Max": 5, "Remaining": 5 - (5 - used + 2)}


def test_each_org_counts_its_own_calls_and_a_reset_starts_afresh(org):
    world = World(seed=11, agents=1)
    other = build(world, SalesforceConfig(api_request_limit=3))
    try:
        assert other.api_request_limit() == 3 and other.api_requests == 0
        org.get(f"{V}/sobjects")
        assert org.fake.api_requests >= 1 and other.api_requests == 0
        assert other.api_request_limit() != org.fake.api_request_limit()
    finally:
        world.clock.close()
    org.world.reset()
    assert org.fake.api_requests == 0
