"""Salesforce Omni-Channel external routing as a state machine: agents change their presence status in the console,
customers open chats and messaging sessions (each raising a PendingServiceRouting), the connector pushes work to an
agent by inserting an AgentWork, agents accept, decline, close and transfer through the console bridge, customers
leave, push time-outs run out as the clock moves. The agents act with their own sessions, the connector with the
integration user's; the invariants read `/_fake/state` and `/_fake/journal`."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from stateful_support import MACHINE_SETTINGS, JournalReader, events

from omni_harness.fakes.salesforce import SalesforceFake

V = "/services/data/v67.0"
BRIDGE = "/omni-toolkit/v1/users"
# Records whose every change the journal must carry (sobject.change), replayed against `/_fake/state`.
REPLAYED = ("AgentWork", "PendingServiceRouting", "LiveChatTranscript", "MessagingSession", "UserServicePresence")
ASSIGNED, OPENED = "Assigned", "Opened"
ACTIVE = (ASSIGNED, OPENED)
# AgentWork status moves (Omni-Channel Developer Guide, reference §5-7): pushed work is accepted, declined (by the
# agent or the push time-out), made unavailable (the agent left the channel) or canceled (the conversation ended
# first); opened work is closed, or transferred once the receiver accepts. The others are final.
LEGAL_WORK_MOVES = {
    (ASSIGNED, OPENED), (ASSIGNED, "Declined"), (ASSIGNED, "DeclinedOnPushTimeout"), (ASSIGNED, "Unavailable"),
    (ASSIGNED, "Canceled"), (OPENED, "Closed"), (OPENED, "Transferred"),
}
DELETABLE = ("Closed", "Declined", "Unavailable")
MAX_LIVE_ITEMS = 4


class OmniRouting(RuleBasedStateMachine):
    fake: SalesforceFake  # set by the test before the run (one fake per module, reset by each example)

    def __init__(self) -> None:
        super().__init__()
        self.client = self.fake.listeners()["api"].test_client()
        assert self.client.post("/_fake/reset").status_code == 200
        assert self.client.post("/_fake/clock/freeze").status_code == 200
        self.journal = JournalReader(self.client)
        self.journal.start()
        creds = self.fake.world.plan.credentials
        r = self.client.post("/services/oauth2/token", data={
            "grant_type": "password", "client_id": creds.salesforce_client_id,
            "client_secret": creds.salesforce_client_secret, "username": creds.salesforce_username,
            "password": creds.salesforce_password + creds.salesforce_security_token})
        assert r.status_code == 200, r.json
        self.integration = {"Authorization": f"Bearer {r.json['access_token']}"}
        self.snapshot = self._state()
        records = self.snapshot["records"]
        integration_user = self.snapshot["integrationUserId"]
        self.agents = [u["Id"] for u in records["User"] if u["Id"] != integration_user and u["UserType"] == "Standard"
                       and u["IsActive"]][:4]
        self.statuses = {s["DeveloperName"]: s["Id"] for s in records["ServicePresenceStatus"]}
        self.channels = {c["RelatedEntity"]: c["Id"] for c in records["ServiceChannel"]}
        self.sessions = {uid: self._agent_session(uid) for uid in self.agents}
        # The records as the journal tells them, starting from the seeded org.
        self.replayed: dict[str, dict[str, dict[str, Any]]] = {
            name: {rec["Id"]: rec for rec in self._records(name)} for name in REPLAYED}
        self._after_step()

    # -- plumbing ------------------------------------------------------------------------------------
    def _agent_session(self, user_id: str) -> dict[str, str]:
        r = self.client.post("/_fake/tokens", json={"userId": user_id})
        assert r.status_code == 200, r.json
        return {"Authorization": f"Bearer {r.json['access_token']}"}

    def _state(self) -> dict[str, Any]:
        r = self.client.get("/_fake/state")
        assert r.status_code == 200
        return r.json["org"]

    def _bridge(self, user_id: str, method: str, body: dict[str, Any] | None = None):
        r = self.client.post(f"{BRIDGE}/{user_id}/{method}", json=body or {}, headers=self.sessions[user_id])
        assert r.status_code < 500, f"{method} answered {r.status_code}: {r.get_data(as_text=True)}"
        return r

    def _records(self, name: str) -> list[dict[str, Any]]:
        """The live records of an sObject (`/_fake/state` also lists those in the recycle bin)."""
        return [rec for rec in self.snapshot["records"].get(name, []) if not rec["IsDeleted"]]

    def _works(self, *statuses: str) -> list[dict[str, Any]]:
        return [w for w in self._records("AgentWork") if w["Status"] in statuses]

    def _pending(self) -> list[dict[str, Any]]:
        return self._records("PendingServiceRouting")

    def _live_items(self) -> list[tuple[str, dict[str, Any]]]:
        chats = [("chats", c) for c in self._records("LiveChatTranscript") if c["Status"] in ("Waiting", "InProgress")]
        sessions = [("messaging", s) for s in self._records("MessagingSession") if s["Status"] in ("Waiting", "Active")]
        return chats + sessions

    def _capacity(self, user_id: str) -> float:
        """The configured capacity of the agent's latest presence (none logged in: nothing may be open)."""
        current = [p for p in self._records("UserServicePresence") if p["UserId"] == user_id and p["IsCurrentState"]]
        return float(current[0]["ConfiguredCapacity"]) if current else 0.0

    def _units(self, work: dict[str, Any]) -> float:
        if work.get("CapacityWeight") is not None:
            return float(work["CapacityWeight"])
        if work.get("CapacityPercentage") is not None:
            return float(work["CapacityPercentage"]) / 100.0 * self._capacity(work["UserId"])
        return 0.0

    def _workload(self, user_id: str) -> float:
        return sum(self._units(w) for w in self._works(*ACTIVE) if w["UserId"] == user_id)

    @staticmethod
    def _pick(items: list[Any], index: int) -> Any:
        return items[index % len(items)] if items else None

    # -- rules: agents in the console ---------------------------------------------------------------------
    @initialize(online=st.integers(2, 4))
    def some_agents_online(self, online: int) -> None:
        for uid in self.agents[:online]:
            assert self._bridge(uid, "setServicePresenceStatus", {"statusId": self.statuses["Online"]}).status_code \
                == 200
        self._after_step()

    @initialize(media=st.lists(st.sampled_from(["chats", "messaging"]), min_size=1, max_size=3))
    def customers_waiting(self, media: list[str]) -> None:
        for medium in media:
            self.customer_arrives(medium)

    @rule(agent=st.integers(0, 3), status=st.sampled_from(["Online", "Online", "Busy", "logout"]))
    def presence_status_changes(self, agent: int, status: str) -> None:
        uid = self.agents[agent]
        if status == "logout":
            r = self._bridge(uid, "logout")
        else:
            r = self._bridge(uid, "setServicePresenceStatus", {"statusId": self.statuses[status]})
        assert r.status_code == 200, r.json
        self._after_step()

    @precondition(lambda self: self._works(ASSIGNED))
    @rule(pick=st.integers(0, 7))
    def accept(self, pick: int) -> None:
        work = self._pick(self._works(ASSIGNED), pick)
        r = self._bridge(work["UserId"], "acceptAgentWork", {"workId": work["Id"]})
        assert r.status_code == 200 and r.json is True, r.json
        self._after_step()

    @precondition(lambda self: self._works(ASSIGNED))
    @rule(pick=st.integers(0, 7))
    def decline(self, pick: int) -> None:
        work = self._pick(self._works(ASSIGNED), pick)
        r = self._bridge(work["UserId"], "declineAgentWork", {"workId": work["Id"], "declineReason": "busy"})
        assert r.status_code == 200 and r.json is True, r.json
        self._after_step()

    @precondition(lambda self: self._works(OPENED))
    @rule(pick=st.integers(0, 7), how=st.sampled_from(["closeAgentWork", "closeTab"]))
    def close(self, pick: int, how: str) -> None:
        work = self._pick(self._works(OPENED), pick)
        r = self._bridge(work["UserId"], how, {"workId": work["Id"]})
        assert r.status_code == 200 and r.json is True, r.json
        self._after_step()

    @precondition(lambda self: self._works(OPENED))
    @rule(pick=st.integers(0, 7))
    def end_chat(self, pick: int) -> None:
        """The agent ends the conversation without closing the tab: the work stays Opened."""
        work = self._pick(self._works(OPENED), pick)
        r = self._bridge(work["UserId"], "endChat", {"workItemId": work["WorkItemId"]})
        assert r.status_code in (200, 400), r.json  # 400: the conversation was over already
        self._after_step()

    @precondition(lambda self: self._works(OPENED))
    @rule(pick=st.integers(0, 7), to=st.integers(0, 3))
    def transfer_to_agent(self, pick: int, to: int) -> None:
        work = self._pick(self._works(OPENED), pick)
        receiver = self.agents[to]
        r = self._bridge(work["UserId"], "transferChat", {"workItemId": work["WorkItemId"], "toUserId": receiver})
        assert r.status_code in (200, 400), r.json  # refused: to self, receiver offline or full, chat over
        self._after_step()

    # -- rules: customers and the connector -----------------------------------------------------------
    @precondition(lambda self: len(self._live_items()) < MAX_LIVE_ITEMS
                  and len([p for p in self._pending() if not p["IsPushed"]]) < 2)
    @rule(media=st.sampled_from(["chats", "messaging"]))
    def customer_arrives(self, media: str) -> None:
        queue = "Chat_Queue_1" if media == "chats" else "Messaging_Queue_1"
        r = self.client.post(f"/_fake/customers/{media}", json={"queue": queue, "customerName": "Pat", "text": "Hi"})
        assert r.status_code == 201, r.json
        self._after_step()

    @precondition(lambda self: len(self._live_items()) >= 2)
    @rule(pick=st.integers(0, 7))
    def customer_leaves(self, pick: int) -> None:
        media, item = self._pick(self._live_items(), pick)
        r = self.client.post(f"/_fake/customers/{media}/{item['Id']}/leave", json={})
        assert r.status_code == 200, r.json
        self._after_step()

    @precondition(lambda self: self._pending())
    # Two agents take all the work and a whole capacity's weight comes first, so capacity fills up.
    @precondition(lambda self: self._pending())
    @rule(pick=st.integers(0, 7), agent=st.integers(0, 1), weight=st.sampled_from([4, None, 1, 2]))
    def assign_work_as_the_connector(self, pick: int, agent: int, weight: int | None) -> None:
        """The connector's part: an AgentWork for the agent who picked up in Genesys (integration session)."""
        self._push(self._pick(self._pending(), pick), self.agents[agent], weight)
        self._after_step()

    @precondition(lambda self: len(self._pending()) >= 2)
    @rule(agent=st.integers(0, 1), weight=st.sampled_from([2, None, 1]))
    def assign_a_burst_to_one_agent(self, agent: int, weight: int | None) -> None:
        """Every waiting request to the same agent at once, as a connector might after an outage."""
        for psr in [p for p in self._pending() if not p["IsPushed"]]:
            self._push(psr, self.agents[agent], weight)
            self.snapshot = self._state()  # the next push sees this one's work
        self._after_step()

    def _push(self, psr: dict[str, Any], uid: str, weight: int | None) -> None:
        body: dict[str, Any] = {"ServiceChannelId": psr["ServiceChannelId"], "WorkItemId": psr["WorkItemId"],
                                "UserId": uid, "PendingServiceRoutingId": psr["Id"]}
        if weight is not None:
            body["CapacityWeight"] = weight
        units = float(weight if weight is not None else psr["CapacityWeight"] or 0)
        fits = self._workload(uid) + units <= self._capacity(uid) + 1e-9
        r = self.client.post(f"{V}/sobjects/AgentWork/", json=body, headers=self.integration)
        assert r.status_code in (201, 400), (r.status_code, r.json)
        if r.status_code == 201:
            assert fits, f"an AgentWork of {units} units was pushed to {uid} at {self._workload(uid)} of " \
                         f"{self._capacity(uid)}"
            assert not psr["IsPushed"], "a request already pushed got a second AgentWork"

    @precondition(lambda self: self._works(ASSIGNED))  # only pushed work has a timer to run out
    @rule(seconds=st.sampled_from([5, 30, 59, 60, 61]))
    def clock_moves(self, seconds: int) -> None:
        r = self.client.post("/_fake/clock/advance", json={"seconds": seconds})
        assert r.status_code == 200, r.json
        self._after_step()

    # -- reading what happened ------------------------------------------------------------------------
    def _after_step(self) -> None:
        for event in events(self.journal.read()):
            if event["type"] != "sobject.change" or event["data"]["entity"] not in REPLAYED:
                continue
            data = event["data"]
            known = self.replayed[data["entity"]]
            before = known.get(data["recordId"])
            record = data.get("record")
            if data["changeType"] == "CREATE":
                assert before is None, f"{data['recordId']} created twice"
                if data["entity"] == "AgentWork":
                    assert record["Status"] == ASSIGNED, f"AgentWork created {record['Status']}"
                known[data["recordId"]] = record
            elif data["changeType"] == "UPDATE":
                assert before is not None, f"update of {data['recordId']}, which the journal never created"
                assert record != before, f"an event for {data['entity']} {data['recordId']} that changed nothing"
                if data["entity"] == "AgentWork" and record["Status"] != before["Status"]:
                    move = (before["Status"], record["Status"])
                    assert move in LEGAL_WORK_MOVES, f"illegal AgentWork move {move[0]} -> {move[1]}"
                known[data["recordId"]] = record
            elif data["changeType"] == "DELETE":
                assert before is not None, f"delete of {data['recordId']}, which the journal never created"
                if data["entity"] == "AgentWork":
                    assert before["Status"] in DELETABLE, f"an AgentWork deleted while {before['Status']}"
                known.pop(data["recordId"])
        self.snapshot = self._state()

    # -- invariants ---------------------------------------------------------------------------------------
    @invariant()
    def capacity_never_exceeded(self) -> None:
        for uid in self.agents:
            load, capacity = self._workload(uid), self._capacity(uid)
            assert load <= capacity + 1e-9, f"{uid} holds {load} units of work with a capacity of {capacity}"

    @invariant()
    def one_open_agent_work_per_work_item(self) -> None:
        by_item: dict[tuple[str, str], list[str]] = {}
        for work in self._works(*ACTIVE):
            by_item.setdefault((work["WorkItemId"], work["Status"]), []).append(work["Id"])
        # A transfer holds the sender's Opened work and the receiver's Assigned one; never two of either.
        doubled = {key: ids for key, ids in by_item.items() if len(ids) > 1}
        assert not doubled, f"work items with more than one AgentWork in the same status: {doubled}"

    @invariant()
    def every_change_is_in_the_journal(self) -> None:
        for name in REPLAYED:
            held = {rec["Id"]: rec for rec in self._records(name)}
            told = self.replayed[name]
            assert held.keys() == told.keys(), (
                f"{name}: the org holds {sorted(held.keys() - told.keys())} the journal never created and lacks "
                f"{sorted(told.keys() - held.keys())} it never deleted")
            for record_id, record in held.items():
                assert record == told[record_id], f"{name} {record_id} changed without a journal event"

    @invariant()
    def pending_requests_match_their_work(self) -> None:
        """A routing request is pushed exactly while an AgentWork for it waits for the agent."""
        for psr in self._pending():
            waiting = [w for w in self._works(ASSIGNED) if w["PendingServiceRoutingId"] == psr["Id"]]
            assert len(waiting) <= 1, f"{psr['Id']} pushed to {len(waiting)} agents at once"
            assert psr["IsPushed"] == bool(waiting), f"{psr['Id']} IsPushed={psr['IsPushed']} with {len(waiting)} waiting"


@pytest.fixture
def omni(salesforce: SalesforceFake) -> type[OmniRouting]:
    OmniRouting.fake = salesforce
    return OmniRouting


def test_omni_channel_routing(omni: type[OmniRouting]) -> None:
    run_state_machine_as_test(omni, settings=MACHINE_SETTINGS)
