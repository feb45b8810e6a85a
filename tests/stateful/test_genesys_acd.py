"""The Genesys ACD and routing status as a state machine: agents change presence, customers' chats and messaging
conversations arrive, the ACD alerts, agents answer, decline, disconnect and wrap up, alerts time out as the clock
moves. Everything goes through the Platform API (the agents with their own tokens, the integration with its
client-credentials token) and the control API; the invariants read `/_fake/state` and `/_fake/journal`."""

from __future__ import annotations

import base64
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

from omni_harness.fakes.genesys import GenesysFake
from omni_harness.fakes.genesys.model.presence import BY_LABEL

ON_QUEUE = BY_LABEL["On Queue"].id
# On Queue twice: agents spend most of their time there, so work is offered often.
PRESENCES = [BY_LABEL[label].id for label in ("On Queue", "On Queue", "Available", "Away", "Offline")]
CHAT_QUEUE = "Chat Queue 1"
MESSAGE_QUEUE = "Messaging Queue 1"

# Routing status moves the system may make (reference §3): On Queue -> IDLE (or straight to INTERACTING when work is
# still owed), alert -> INTERACTING, the last interaction and its wrap-up done -> IDLE, missed alert ->
# NOT_RESPONDING, the client's reset -> IDLE, leaving the queue -> OFF_QUEUE. COMMUNICATING needs a non-ACD call,
# which this org has none of.
LEGAL_ROUTING_MOVES = {
    ("OFF_QUEUE", "IDLE"), ("OFF_QUEUE", "INTERACTING"),
    ("IDLE", "INTERACTING"), ("IDLE", "OFF_QUEUE"),
    ("INTERACTING", "IDLE"), ("INTERACTING", "NOT_RESPONDING"), ("INTERACTING", "OFF_QUEUE"),
    ("NOT_RESPONDING", "IDLE"), ("NOT_RESPONDING", "OFF_QUEUE"),
}
LIVE = ("alerting", "connected")
# More customers than agents, so work waits in queue, but few enough that every conversation gets handled.
MAX_LIVE_CONVERSATIONS = 6
ACW_TIMEOUT_MS = 20_000


def leg_state(p: dict[str, Any]) -> str | None:
    """A participant's state: on the media participant of an event body, or its one communication in `/_fake/state`."""
    if "state" in p:
        return p["state"]
    for media in ("chats", "messages"):
        if p.get(media):
            return p[media][0]["state"]
    return None


class GenesysAcd(RuleBasedStateMachine):
    fake: GenesysFake  # set by the test before the run (one fake per module, reset by each example)

    def __init__(self) -> None:
        super().__init__()
        self.client = self.fake.app.test_client()
        assert self.client.post("/_fake/reset").status_code == 200
        assert self.client.post("/_fake/clock/freeze").status_code == 200  # timers fire only when the clock moves
        self.journal = JournalReader(self.client)
        self.journal.start()
        self.integration = {"Authorization": f"Bearer {self._client_credentials()}"}
        state = self._state()
        self.users = [u["id"] for u in state["users"]]
        self.queues = {q["name"]: q["id"] for q in state["queues"]}
        self.agent_headers = {uid: self._agent_token(uid) for uid in self.users}
        # What the journal has said so far: the last routing status and presence per user, the last state of every
        # participant, the participants seen disconnected.
        self.routing: dict[str, str] = {u["id"]: u["routingStatus"]["status"] for u in state["users"]}
        self.presence: dict[str, str] = {u["id"]: u["presence"]["presenceDefinition"]["systemPresence"]
                                         for u in state["users"]}
        self.legs: dict[str, str] = {}
        self.disconnected: set[str] = set()
        self.snapshot: dict[str, Any] = state
        self.new_entries: list[dict[str, Any]] = self.journal.read()

    # -- plumbing ------------------------------------------------------------------------------------
    def _client_credentials(self) -> str:
        creds = self.fake.world.plan.credentials
        basic = base64.b64encode(f"{creds.genesys_client_id}:{creds.genesys_client_secret}".encode()).decode()
        r = self.client.post("/oauth/token", data={"grant_type": "client_credentials"},
                             headers={"Authorization": f"Basic {basic}"})
        assert r.status_code == 200, r.json
        return r.json["access_token"]

    def _agent_token(self, user_id: str) -> dict[str, str]:
        r = self.client.post("/_fake/tokens", json={"userId": user_id})
        assert r.status_code == 200, r.json
        return {"Authorization": f"Bearer {r.json['access_token']}"}

    def _state(self) -> dict[str, Any]:
        r = self.client.get("/_fake/state")
        assert r.status_code == 200
        return r.json["org"]

    def _call(self, method: str, path: str, headers: dict[str, str], body: Any = None, expect: tuple[int, ...] = ()):
        r = self.client.open(path, method=method, json=body, headers=headers)
        assert r.status_code < 500, f"{method} {path} answered {r.status_code}: {r.get_data(as_text=True)}"
        if expect:
            assert r.status_code in expect, f"{method} {path} answered {r.status_code}: {r.get_data(as_text=True)}"
        return r

    def _agent_legs(self, *states: str) -> list[tuple[str, str, str, str]]:
        """(media path, conversation id, participant id, user id) of every agent leg in one of `states`."""
        out = []
        for conv in self.snapshot["conversations"]:
            for p in conv["participants"]:
                if p["purpose"] == "agent" and leg_state(p) in states:
                    media = "chats" if p.get("chats") else "messages"
                    out.append((media, conv["id"], p["id"], p["userId"]))
        return out

    def _owing(self) -> list[tuple[str, str, str, str]]:
        """Disconnected agent legs that were answered and still owe their wrap-up."""
        return [leg for leg in self._agent_legs("disconnected") if self._owes_wrapup(leg[2])]

    def _live_customers(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        return [(c, p) for c in self.snapshot["conversations"] for p in c["participants"]
                if p["purpose"] == "customer" and leg_state(p) == "connected"]

    def _resettable(self) -> list[str]:
        return [uid for uid in self.users if self.routing[uid] in ("NOT_RESPONDING", "INTERACTING")]

    def _pick(self, items: list[Any], index: int) -> Any:
        return items[index % len(items)] if items else None

    def _participant_path(self, media: str, cid: str, pid: str) -> str:
        return f"/api/v2/conversations/{media}/{cid}/participants/{pid}"

    # -- rules: the agents in the client ---------------------------------------------------------------
    @initialize(agents=st.integers(1, 4))
    def some_agents_on_queue(self, agents: int) -> None:
        for uid in self.users[:agents]:
            self._call("PATCH", f"/api/v2/users/{uid}/presences/purecloud", self.agent_headers[uid],
                       {"presenceDefinition": {"id": ON_QUEUE}}, (200,))
        self._after_step()

    @initialize(prompt=st.sampled_from(["MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "MANDATORY"]))
    def second_queues_time_their_wrap_up(self, prompt: str) -> None:
        """The admin gives the second queues an ACW time limit, so wrap-up also ends by the clock."""
        for name in ("Chat Queue 2", "Messaging Queue 2"):
            self._call("PUT", f"/api/v2/routing/queues/{self.queues[name]}", self.integration,
                       {"name": name, "acwSettings": {"wrapupPrompt": prompt, "timeoutMs": ACW_TIMEOUT_MS}}, (200,))
        self._after_step()

    @rule(agent=st.integers(0, 3), presence=st.sampled_from(PRESENCES))
    def presence_status_changes(self, agent: int, presence: str) -> None:
        uid = self.users[agent]
        self._call("PATCH", f"/api/v2/users/{uid}/presences/purecloud", self.agent_headers[uid],
                   {"presenceDefinition": {"id": presence}}, (200,))
        self._after_step()

    @precondition(lambda self: self._resettable())
    @rule(pick=st.integers(0, 3))
    def reset_not_responding(self, pick: int) -> None:
        """The client's way out of NOT_RESPONDING; asked of a busy agent, it is refused."""
        uid = self._pick(self._resettable(), pick)
        before = self.routing[uid]
        r = self._call("PUT", f"/api/v2/users/{uid}/routingstatus", self.agent_headers[uid], {"status": "IDLE"})
        if before in ("NOT_RESPONDING", "IDLE"):
            assert r.status_code == 200, r.json
        else:
            assert r.status_code == 400, r.json  # only the system moves the others
        self._after_step()
        if before == "NOT_RESPONDING":
            assert self.routing[uid] != "NOT_RESPONDING"

    # Answering comes first and twice: it is what agents mostly do, and what the later rules need.
    @precondition(lambda self: self._agent_legs("alerting"))
    @rule(pick=st.integers(0, 7), response=st.sampled_from(["answer", "answer", "decline", "wrap up"]))
    def agent_responds_to_alert(self, pick: int, response: str) -> None:
        media, cid, pid, uid = self._pick(self._agent_legs("alerting"), pick)
        path = self._participant_path(media, cid, pid)
        if response == "wrap up":
            # nothing to wrap up before the interaction was even answered
            code = self.snapshot["wrapupCodes"][0]["id"]
            self._call("PATCH", path, self.agent_headers[uid], {"wrapup": {"code": code}}, (400,))
        else:
            state = "connected" if response == "answer" else "disconnected"
            self._call("PATCH", path, self.agent_headers[uid], {"state": state}, (202,))
        self._after_step()
        assert self.legs[pid] == ("connected" if response == "answer" else
                                  "disconnected" if response == "decline" else "alerting")

    @precondition(lambda self: self._agent_legs("connected"))
    @rule(pick=st.integers(0, 7))
    def agent_hangs_up(self, pick: int) -> None:
        leg = self._pick(self._agent_legs("connected"), pick)
        if leg is None:
            return
        media, cid, pid, uid = leg
        self._call("PATCH", self._participant_path(media, cid, pid), self.agent_headers[uid],
                   {"state": "disconnected"}, (202,))
        self._after_step()
        assert self.legs[pid] == "disconnected"

    @precondition(lambda self: self._owing())
    @rule(pick=st.integers(0, 7), code=st.integers(0, 3))
    def after_call_wrap_up(self, pick: int, code: int) -> None:
        leg = self._pick(self._owing(), pick)
        if leg is None:
            return
        media, cid, pid, uid = leg
        path = self._participant_path(media, cid, pid)
        codes = self._call("GET", f"{path}/wrapupcodes", self.agent_headers[uid], expect=(200,)).json
        assert codes, "a queue offers wrap-up codes"
        self._call("PATCH", path, self.agent_headers[uid],
                   {"wrapup": {"code": codes[code % len(codes)]["id"], "notes": "done"}}, (202,))
        self._after_step()

    @precondition(lambda self: self._agent_legs("disconnected"))
    @rule(pick=st.integers(0, 7), state=st.sampled_from(["connected", "disconnected"]))
    def an_ended_leg_stays_ended(self, pick: int, state: str) -> None:
        """Answering or hanging up a leg that is over is refused (4xx), and changes nothing."""
        leg = self._pick(self._agent_legs("disconnected"), pick)
        if leg is None:
            return
        media, cid, pid, uid = leg
        r = self._call("PATCH", self._participant_path(media, cid, pid), self.agent_headers[uid], {"state": state})
        assert 400 <= r.status_code < 500, (r.status_code, r.json)
        self._after_step()

    # -- rules: customers and the connector -------------------------------------------------------------
    @precondition(lambda self: len(self._live_customers()) < MAX_LIVE_CONVERSATIONS)
    @rule(media=st.sampled_from(["chat", "message"]), second_queue=st.booleans())
    def customer_arrives(self, media: str, second_queue: bool) -> None:
        """A chat: the connector raises it in the Genesys queue (create web chat, integration token). A messaging
        conversation: an inbound message flow raises it (control API; the Platform API has no such call)."""
        if media == "chat":
            queue = self.queues["Chat Queue 2" if second_queue else CHAT_QUEUE]
            self._call("POST", "/api/v2/conversations/chats", self.integration,
                       {"queueId": queue, "provider": "PureCloud Webchat v2", "customerName": "Pat Customer",
                        "attributes": {"SF_WorkItemId": "0Mw000000000001"}}, (200,))
        else:
            queue = self.queues["Messaging Queue 2" if second_queue else MESSAGE_QUEUE]
            r = self.client.post("/_fake/genesys/conversations",
                                 json={"mediaType": "message", "queueId": queue, "customerName": "Sam"})
            assert r.status_code == 200, r.json
        self._after_step()

    @precondition(lambda self: self._live_customers())
    @rule(pick=st.integers(0, 7))
    def customer_leaves(self, pick: int) -> None:
        found = self._pick(self._live_customers(), pick)
        if found is None:
            return
        conv, p = found
        media = "chats" if p.get("chats") else "messages"
        self._call("PATCH", self._participant_path(media, conv["id"], p["id"]), self.integration,
                   {"state": "disconnected"}, (202,))
        self._after_step()

    # only alerts and after-call work have a timer to run out
    @precondition(lambda self: self._agent_legs("alerting") or self._owing())
    @rule(seconds=st.sampled_from([1, 5, 29, 30, 31, 60]))
    def clock_moves(self, seconds: int) -> None:
        r = self.client.post("/_fake/clock/advance", json={"seconds": seconds})
        assert r.status_code == 200, r.json
        self._after_step()

    # -- reading what happened ----------------------------------------------------------------------------
    def _owes_wrapup(self, participant_id: str) -> bool:
        for conv in self.snapshot["conversations"]:
            for p in conv["participants"]:
                if p["id"] == participant_id:
                    return bool(p.get("wrapupRequired") and not p.get("wrapup") and p.get("connectedTime"))
        return False

    def _after_step(self) -> None:
        """Read the journal's new entries and check each event against what came before; then the state."""
        self.new_entries = self.journal.read()
        for event in events(self.new_entries):
            data = event["data"]
            if event["type"] == "user.routingStatus":
                uid, previous, status = data["userId"], data["previous"], data["status"]
                assert previous == self.routing[uid], (
                    f"routing status event of {uid} says it was {previous}, the journal last said {self.routing[uid]}")
                assert (previous, status) in LEGAL_ROUTING_MOVES, f"illegal routing status move {previous} -> {status}"
                self.routing[uid] = status
            elif event["type"] == "user.presence":
                uid = data["userId"]
                assert data["previous"] == self.presence[uid], (data, self.presence[uid])
                self.presence[uid] = data["systemPresence"]
            elif event["type"] == "conversation.changed":
                for p in data["conversation"]["participants"]:
                    state = leg_state(p)
                    if p["id"] in self.disconnected:
                        assert state == "disconnected", f"participant {p['id']} came back as {state} ({data['change']})"
                    if state is not None:
                        self.legs[p["id"]] = state
                    if state == "disconnected":
                        self.disconnected.add(p["id"])
            elif event["type"] == "conversation.wrapup":
                pid = data["participantId"]
                assert self.legs.get(pid) == "disconnected", f"wrap-up of {pid} while it is {self.legs.get(pid)}"
        self.snapshot = self._state()

    # -- invariants -----------------------------------------------------------------------------------
    @invariant()
    def one_live_acd_interaction_per_agent(self) -> None:
        live: dict[str, list[str]] = {}
        for _media, cid, pid, uid in self._agent_legs(*LIVE):
            live.setdefault(uid, []).append(f"{cid}/{pid}")
        over = {uid: legs for uid, legs in live.items() if len(legs) > 1}
        assert not over, f"agents alerting or connected on more than one interaction: {over}"

    @invariant()
    def routing_status_follows_the_journal_and_the_rules(self) -> None:
        busy = {uid for *_, uid in self._agent_legs(*LIVE)}
        for user in self.snapshot["users"]:
            uid = user["id"]
            status = user["routingStatus"]["status"]
            presence = user["presence"]["presenceDefinition"]["systemPresence"]
            assert status == self.routing[uid], f"{uid} is {status} but the journal last said {self.routing[uid]}"
            assert presence == self.presence[uid], f"{uid} is {presence} but the journal last said {self.presence[uid]}"
            if presence != "On Queue":
                assert status == "OFF_QUEUE", f"{uid} is {presence} yet {status}"
            elif uid in busy:
                assert status == "INTERACTING", f"{uid} has a live interaction yet is {status}"
            else:
                assert status in ("IDLE", "INTERACTING", "NOT_RESPONDING"), f"{uid} On Queue yet {status}"

    @invariant()
    def a_disconnected_participant_never_comes_back(self) -> None:
        for conv in self.snapshot["conversations"]:
            for p in conv["participants"]:
                state = leg_state(p)
                if p["id"] in self.disconnected:
                    assert state == "disconnected", f"participant {p['id']} of {conv['id']} came back as {state}"
                # every change of a leg was announced: the state holds what the last event said
                assert self.legs.get(p["id"]) == state, (
                    f"participant {p['id']} is {state} but the journal last said {self.legs.get(p['id'])}")

    @invariant()
    def wrap_up_only_after_disconnect(self) -> None:
        for conv in self.snapshot["conversations"]:
            for p in conv["participants"]:
                if p.get("wrapup"):
                    assert leg_state(p) == "disconnected", f"{p['id']} wrapped up while {leg_state(p)}"


@pytest.fixture
def acd(genesys: GenesysFake) -> type[GenesysAcd]:
    GenesysAcd.fake = genesys
    return GenesysAcd


def test_acd_and_routing_status(acd: type[GenesysAcd]) -> None:
    run_state_machine_as_test(acd, settings=MACHINE_SETTINGS)
