"""The journal checks behind the negative controls, on hand-made journals: duplicate attempts, work born before Pick
Up, the connector acting on an agent's own leg. No fakes, no connector: each check must fail on the defect and
pass on the healthy order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from omni_harness.harness import checks
from omni_harness.harness.actors import CustomerChat
from omni_harness.harness.journal import Mark
from omni_harness.harness.waits import CheckFailed

ITEM = "5705i0000000001AAA"
ALICE_SF, ALICE_G = "0055i0000000003AAA", "e3e70682-c209-4cac-a29f-6fbed82c07cd"
CID, PID = "conv-1", "leg-1"


@dataclass
class _Tagger:
    sent: list[str] = field(default_factory=list)


@dataclass
class _Platforms:
    tagger: _Tagger


@dataclass
class _Person:
    salesforce_user_id: str = ALICE_SF
    genesys_user_id: str = ALICE_G


@dataclass
class _Agent:
    person: _Person = field(default_factory=_Person)
    role: str = "Alice"


class _Ctx:
    def __init__(self) -> None:
        self.platforms = _Platforms(_Tagger(["harness-1"]))
        self.chats = {"the chat": CustomerChat("the chat", "Chat_Queue_1", ITEM, "0JR5i0000000001GAA", "Pat")}
        self.start_seq = 0

    def names(self) -> dict[str, str]:
        return {ITEM: "work item of the chat", ALICE_SF: "Alice"}


def _request(seq: int, source: str, method: str, path: str, status: int, body: dict[str, Any], actor: Any = "client",
             cid: str = "connector") -> dict[str, Any]:
    return {"seq": seq, "kind": "request", "source": source, "correlationId": cid,
            "data": {"method": method, "path": path, "status": status, "actor": actor, "requestBody": body,
                     "responseBody": None, "fault": None}}


def _routing(seq: int) -> dict[str, Any]:
    return {"seq": seq, "kind": "event", "source": "salesforce", "type": "sobject.change",
            "data": {"entity": "PendingServiceRouting", "changeType": "CREATE", "record": {"WorkItemId": ITEM}}}


def _insert(seq: int, status: int = 201) -> dict[str, Any]:
    return _request(seq, "salesforce", "POST", "/services/data/v67.0/sobjects/AgentWork/", status,
                    {"WorkItemId": ITEM, "UserId": ALICE_SF, "ServiceChannelId": "0N9"})


def _chat(seq: int, status: int = 200) -> dict[str, Any]:
    return _request(seq, "genesys", "POST", "/api/v2/conversations/chats", status,
                    {"queueId": "q", "attributes": {"workItemId": ITEM}})


def test_a_second_insert_is_a_duplicate_refused_or_not() -> None:
    ctx = _Ctx()
    groups = checks.duplicate_attempts(ctx, [_routing(1), _insert(5), _insert(6, status=400)])
    assert len(groups) == 1 and [a.seq for a in groups[0]] == [5, 6]
    message = checks.describe_duplicates(ctx, groups)
    assert "#5 POST" in message and "#6 POST" in message and "-> 400" in message


def test_a_retry_the_platform_never_looked_at_is_no_duplicate() -> None:
    ctx = _Ctx()
    assert checks.duplicate_attempts(ctx, [_routing(1), _insert(5, status=401), _insert(7)]) == []
    assert checks.duplicate_attempts(ctx, [_routing(1), _chat(3, status=429), _chat(4)]) == []


def test_a_new_routing_request_allows_a_new_interaction() -> None:
    ctx = _Ctx()
    assert checks.duplicate_attempts(ctx, [_routing(1), _chat(2), _routing(8), _chat(9)]) == []
    twice = checks.duplicate_attempts(ctx, [_routing(1), _chat(2), _chat(3)])
    assert len(twice) == 1 and twice[0][0].what == "interaction"


def test_attempts_for_another_scenario_s_chat_do_not_count() -> None:
    ctx = _Ctx()
    ctx.chats = {}
    assert checks.duplicate_attempts(ctx, [_routing(1), _insert(5), _insert(6)]) == []


def test_work_created_or_accepted_before_pick_up_is_seen() -> None:
    ctx, agent, chat = _Ctx(), _Agent(), _Ctx().chats["the chat"]
    created = {"seq": 6, "kind": "event", "source": "salesforce", "type": "sobject.change",
               "data": {"entity": "AgentWork", "changeType": "CREATE", "recordId": "0Bz1",
                        "record": {"WorkItemId": ITEM, "UserId": ALICE_SF, "Status": "Assigned"}}}
    opened = {"seq": 8, "kind": "event", "source": "salesforce", "type": "sobject.change",
              "data": {"entity": "AgentWork", "changeType": "UPDATE", "recordId": "0Bz1", "changedFields": ["Status"],
                       "record": {"WorkItemId": ITEM, "UserId": ALICE_SF, "Status": "Opened"}}}
    accept = _request(9, "salesforce", "POST", f"/omni-toolkit/v1/users/{ALICE_SF}/acceptAgentWork", 200,
                      {"workId": "0Bz1"})
    connected = {"seq": 12, "kind": "event", "source": "genesys", "type": "conversation.changed",
                 "data": {"conversationId": CID, "participantId": PID, "state": "connected"}}
    entries = [_insert(5), created, opened, accept, connected]
    picked = checks.leg_connected(CID, PID, entries, "Alice's Pick Up")
    assert picked == Mark(12, "Alice's Pick Up")
    marks = checks.work_marks(ctx, chat, agent, entries)
    assert [m.seq for m in marks] == [5, 6, 8, 9]
    assert marks[0].what.startswith("insert POST") and marks[2].what.endswith("Opened")
    assert marks[3].what.startswith("accept POST")
    with pytest.raises(CheckFailed) as failed:
        checks.expect_after(picked, marks, "the AgentWork of Alice", requirement="PICK-2")
    assert failed.value.describe == "the AgentWork of Alice only after #12 Alice's Pick Up (PICK-2)"
    assert failed.value.seen.startswith("#5 insert POST") and "#9 accept" in failed.value.seen
    checks.expect_after(Mark(4, "Alice's Pick Up"), marks, "the AgentWork of Alice", requirement="PICK-2")


def test_only_the_agent_changes_her_own_leg() -> None:
    ctx, agent = _Ctx(), _Agent()
    path = f"/api/v2/conversations/chats/{CID}/participants/{PID}"
    hers = _request(3, "genesys", "PATCH", path, 202, {"state": "connected"}, actor=f"user:{ALICE_G}")
    connector = _request(4, "genesys", "PATCH", path, 202, {"wrapup": {"code": "c"}}, actor="client:x")
    assert checks.leg_changes_by_others(ctx, agent, CID, PID, [hers, connector], "state") == []
    wrapups = checks.leg_changes_by_others(ctx, agent, CID, PID, [hers, connector], "wrapup")
    assert len(wrapups) == 1 and str(wrapups[0]).startswith("#4 PATCH")
