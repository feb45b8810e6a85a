"""Fault rules: matching, counting, probability, and clear refusals of bad rules."""

import pytest

from omni_harness.fakes.core import FaultEngine
from omni_harness.fakes.core.faults import FaultRuleError


def test_respond_rule_matches_method_and_glob_and_counts_down():
    f = FaultEngine()
    f.add({"method": "POST", "path": "/api/v2/users/*", "status": 429, "headers": {"Retry-After": 1}, "count": 2})
    assert f.match_request("GET", "/api/v2/users/x") is None
    assert f.match_request("POST", "/api/v2/users/x").status == 429
    assert f.match_request("POST", "/api/v2/users/y").headers == {"Retry-After": "1"}
    assert f.match_request("POST", "/api/v2/users/z") is None


def test_regex_paths():
    f = FaultEngine()
    f.add({"path": r"re:^/services/data/v\d+\.\d+/query"})
    assert f.match_request("GET", "/services/data/v67.0/query") is not None
    assert f.match_request("GET", "/services/data/v67.0/sobjects") is None


def test_event_rules_do_not_match_requests_and_vice_versa():
    f = FaultEngine()
    f.add({"action": "drop_event", "path": "v2.users.*.conversations.chats", "count": 1})
    assert f.match_request("GET", "v2.users.1.conversations.chats") is None
    assert f.match_event("v2.users.1.conversations.chats").action == "drop_event"
    assert f.match_event("v2.users.1.conversations.chats") is None


def test_probability_is_seeded():
    a, b = FaultEngine(seed=3), FaultEngine(seed=3)
    for eng in (a, b):
        eng.add({"path": "*", "probability": 0.5})
    pa = [a.match_request("GET", "/x") is not None for _ in range(50)]
    pb = [b.match_request("GET", "/x") is not None for _ in range(50)]
    assert pa == pb and 5 < sum(pa) < 45


def test_clear_one_and_all():
    f = FaultEngine()
    r = f.add({"id": "one"})
    f.add({})
    assert f.clear(r.id) == 1
    assert f.clear() == 1
    assert f.list() == []


@pytest.mark.parametrize("spec,word", [
    ({"action": "explode"}, "action"), ({"count": 0}, "count"), ({"count": True}, "count"),
    ({"probability": 2}, "probability"), ({"latencySeconds": -1}, "latencySeconds"), ({"status": 42}, "status"),
    ({"headers": ["x"]}, "headers"), ({"path": "re:("}, "regular expression"), ("nope", "object"),
])
def test_bad_rules_are_refused_with_a_reason(spec, word):
    with pytest.raises(FaultRuleError, match=word):
        FaultEngine().add(spec)
