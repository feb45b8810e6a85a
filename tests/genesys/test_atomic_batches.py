"""Batch calls of the Genesys fake are all or nothing: one bad entry refuses the whole request, nothing of it is
applied and no state-change event is written."""

from __future__ import annotations

from typing import Any

import pytest

MISSING = "00000000-0000-4000-8000-000000000000"


def _membership(org) -> dict[str, dict[str, bool]]:
    """Every queue's members and their joined flag, as the API shows them."""
    out: dict[str, dict[str, bool]] = {}
    for queue in org.get("/api/v2/routing/queues?pageSize=500").json["entities"]:
        members = org.get(f"/api/v2/routing/queues/{queue['id']}/members?pageSize=100").json["entities"]
        out[queue["id"]] = {m["id"]: m["joined"] for m in members}
    return out


def _refused_whole(org, r, status: int, codes: set[str], before_state: Any, before_seq: int) -> None:
    assert r.status_code == status, (r.status_code, r.json)
    assert r.json["code"] in codes and r.json["status"] == status
    assert _membership(org) == before_state
    assert org.events(before_seq) == []


@pytest.fixture
def joined_pair(org) -> tuple[str, str, str]:
    """An agent who is a joined member of two queues."""
    a = org.user_ids[0]
    q1 = org.only_in_queue("Chat Queue 1", [a])
    q2 = org.only_in_queue("Chat Queue 2", [a])
    return a, q1, q2


@pytest.mark.parametrize("bad", [MISSING, "member-of-no-queue"])
def test_user_queues_patch_with_one_unknown_queue_changes_nothing(org, joined_pair, bad):
    a, q1, q2 = joined_pair
    if bad == "member-of-no-queue":
        bad = org.only_in_queue("Messaging Queue 1", [org.user_ids[1]])  # a queue `a` is no member of
    state, seq = _membership(org), org.last_seq
    r = org.patch(f"/api/v2/users/{a}/queues", [{"id": q1, "joined": False}, {"id": q2, "joined": False},
                                               {"id": bad, "joined": False}])
    _refused_whole(org, r, 404, {"not.found", "resource.not.found"}, state, seq)
    assert state[q1][a] is True and state[q2][a] is True


def test_user_queues_patch_of_good_entries_applies_them_all(org, joined_pair):
    a, q1, q2 = joined_pair
    seq = org.last_seq
    r = org.patch(f"/api/v2/users/{a}/queues", [{"id": q1, "joined": False}, {"id": q2, "joined": False}])
    assert r.status_code == 200, r.json
    state = _membership(org)
    assert state[q1][a] is False and state[q2][a] is False
    assert len(org.events(seq, "queue.members")) == 2


def test_queue_members_patch_with_one_unknown_member_changes_nothing(org):
    a, b = org.user_ids[:2]
    qid = org.only_in_queue("Chat Queue 1", [a, b])
    state, seq = _membership(org), org.last_seq
    r = org.patch(f"/api/v2/routing/queues/{qid}/members",
                  [{"id": a, "joined": False}, {"id": b, "joined": False}, {"id": MISSING, "joined": False}])
    _refused_whole(org, r, 404, {"not.found"}, state, seq)
    # a user of the org who is no member of this queue is refused the same way
    r = org.patch(f"/api/v2/routing/queues/{qid}/members",
                  [{"id": a, "joined": False}, {"id": org.user_ids[2], "joined": False}])
    _refused_whole(org, r, 404, {"not.found"}, state, seq)


@pytest.mark.parametrize("delete", ["false", "true"])
def test_queue_members_post_with_one_unknown_user_changes_nothing(org, delete):
    a, b = org.user_ids[:2]
    qid = org.only_in_queue("Chat Queue 1", [a] if delete == "false" else [a, b])
    state, seq = _membership(org), org.last_seq
    r = org.post(f"/api/v2/routing/queues/{qid}/members?delete={delete}", [{"id": b}, {"id": MISSING}])
    _refused_whole(org, r, 400, {"invalid.value"}, state, seq)


def test_subscriptions_with_one_bad_topic_keep_the_channel_as_it_was(org):
    a = org.user_ids[0]
    channel = org.post("/api/v2/notifications/channels").json["id"]
    base = f"/api/v2/notifications/channels/{channel}/subscriptions"
    good = [{"id": f"v2.users.{a}.presence"}]
    assert org.put(base, good).status_code == 200
    r = org.put(base, [{"id": f"v2.users.{a}.routingStatus"}, {"id": f"v2.users.{MISSING}.presence"}])
    assert r.status_code == 400 and r.json["code"] == "notification.invalid.topic"
    assert [t["id"] for t in org.get(base).json["entities"]] == [g["id"] for g in good]
