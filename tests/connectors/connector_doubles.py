"""In-memory stand-ins for the two platforms, just rich enough to exercise the reference connector's engine."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from omni_harness.connectors.reference.config import QueuePairSetting, SyncSettings
from omni_harness.connectors.reference.directory import Directory
from omni_harness.connectors.reference.events import conversation_view
from omni_harness.connectors.reference.ids import sf_id18
from omni_harness.connectors.reference.ports import PlatformError

SETTINGS = SyncSettings(
    media="chat", service_channel="sfdc_livechat",
    presence={"ON_QUEUE": "Online", "AWAY": "Away", "BREAK": "Away", "AVAILABLE": None, "OFFLINE": None},
    queues=(QueuePairSetting("Chat_Queue_1", "Chat Queue 1"), QueuePairSetting("Chat_Queue_2", "Chat Queue 2"),
            QueuePairSetting("Messaging_Queue_1", "Messaging Queue 1", "messaging", "sfdc_livemessage",
                             "Salesforce Messaging 1"),
            QueuePairSetting("Messaging_Queue_2", "Messaging Queue 2", "messaging", "sfdc_livemessage",
                             "Salesforce Messaging 2")),
    media_list=("chat", "messaging"),
)

# Salesforce ids (18 characters, real prefixes)
ALICE_SF, BOB_SF, CAROL_SF = sf_id18("005000000000001"), sf_id18("005000000000002"), sf_id18("005000000000003")
QUEUE1_SF, QUEUE2_SF, OTHER_QUEUE_SF = sf_id18("00G000000000001"), sf_id18("00G000000000002"), \
    sf_id18("00G000000000009")
ONLINE, AWAY = sf_id18("0N5000000000001"), sf_id18("0N5000000000002")
CHANNEL = sf_id18("0N9000000000001")
MESSAGE_CHANNEL = sf_id18("0N9000000000002")
MQUEUE1_SF, MQUEUE2_SF = sf_id18("00G000000000011"), sf_id18("00G000000000012")
ALICE, BOB, CAROL = "g-alice", "g-bob", "g-carol"
QUEUE1, QUEUE2 = "gq-1", "gq-2"
MQUEUE1, MQUEUE2 = "gq-m1", "gq-m2"
INTEGRATION1, INTEGRATION2 = "om-1", "om-2"


def directory() -> Directory:
    d = Directory(SETTINGS)
    d.add_genesys_users([(ALICE, "alice@example.com"), (BOB, "bob@example.com"), (CAROL, "Carol@Example.com")])
    d.add_salesforce_users([(ALICE_SF, "alice@example.com"), (BOB_SF, "bob@example.com"),
                            (CAROL_SF, "carol@example.com")])
    d.genesys_queues.update({"Chat Queue 1": QUEUE1, "Chat Queue 2": QUEUE2, "Web Chat Queue": "gq-web",
                             "Messaging Queue 1": MQUEUE1, "Messaging Queue 2": MQUEUE2})
    d.salesforce_queues.update({"Chat_Queue_1": QUEUE1_SF, "Chat_Queue_2": QUEUE2_SF, "Other": OTHER_QUEUE_SF,
                                "Messaging_Queue_1": MQUEUE1_SF, "Messaging_Queue_2": MQUEUE2_SF})
    d.statuses.update({"Online": ONLINE, "Away": AWAY})
    d.channels.update({"sfdc_livechat": CHANNEL, "sfdc_livemessage": MESSAGE_CHANNEL})
    d.integrations.update({"Salesforce Messaging 1": INTEGRATION1})  # the second is found on first use
    return d


@dataclass
class GenesysDouble:
    """Conversations by id as the chat REST API shows them; every call the connector makes is recorded."""

    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple] = field(default_factory=list)
    refuse: dict[str, int] = field(default_factory=dict)  # operation -> HTTP status to answer with
    integrations: dict[str, str] = field(default_factory=lambda: {"Salesforce Messaging 1": INTEGRATION1,
                                                                  "Salesforce Messaging 2": INTEGRATION2})
    integration_queues: dict[str, str] = field(default_factory=lambda: {INTEGRATION1: MQUEUE1,
                                                                        INTEGRATION2: MQUEUE2})
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    media_used: list[tuple[str, str, str]] = field(default_factory=list)  # (operation, id, media) of every call
    _messages: dict[tuple[str, str], str] = field(default_factory=dict)  # (integration, messageId) -> conversation
    _by_sender: dict[tuple[str, str], str] = field(default_factory=dict)  # (integration, from.id) -> conversation

    def _check(self, operation: str) -> None:
        if operation in self.refuse:
            raise PlatformError("genesys", operation, self.refuse[operation], "refused by the test")

    def create_chat(self, queue_id: str, work_item_id: str, customer_name: str | None = None) -> str:
        self._check("create_chat")
        cid = f"conv-{next(self._ids)}"
        self.calls.append(("create_chat", queue_id, work_item_id))
        self.conversations[cid] = {"id": cid, "participants": [
            {"id": f"{cid}-customer", "purpose": "customer", "state": "connected",
             "attributes": {"workItemId": work_item_id}},
            {"id": f"{cid}-acd", "purpose": "acd", "state": "connected", "queue": {"id": queue_id}},
        ]}
        return cid

    def send_open_message(self, integration_id: str, body: dict[str, Any]) -> str:
        """Open Messaging as the contract has it: a repeated messageId answers the first conversation; a sender
        with a conversation gets that one back (re-routed to the integration's queue when it had ended)."""
        self._check("send_open_message")
        self.calls.append(("send_open_message", integration_id, body))
        channel = body["channel"]
        known = self._messages.get((integration_id, channel["messageId"]))
        if known:
            return known
        work_item = channel["metadata"]["customAttributes"]["workItemId"]
        cid = self._by_sender.get((integration_id, channel["from"]["id"]))
        if cid is None:
            cid = f"conv-{next(self._ids)}"
            self.conversations[cid] = {"id": cid, "participants": []}
            self._by_sender[(integration_id, channel["from"]["id"])] = cid
        participants = self.conversations[cid]["participants"]
        customers = [p for p in participants if p["purpose"] == "customer"]
        if customers and customers[-1]["state"] != "disconnected":
            customers[-1]["attributes"]["workItemId"] = work_item
        else:
            n = len(participants)
            participants += [
                {"id": f"{cid}-customer-{n}", "purpose": "customer", "state": "connected",
                 "attributes": {"workItemId": work_item}},
                {"id": f"{cid}-acd-{n}", "purpose": "acd", "state": "connected",
                 "queue": {"id": self.integration_queues[integration_id]}}]
        self._messages[(integration_id, channel["messageId"])] = cid
        return cid

    def open_messaging_integrations(self) -> dict[str, str]:
        self.calls.append(("open_messaging_integrations",))
        return dict(self.integrations)

    def get_conversation(self, conversation_id: str, media: str = "chat") -> dict[str, Any] | None:
        self.media_used.append(("get_conversation", conversation_id, media))
        return self.conversations.get(conversation_id)

    def disconnect_participant(self, conversation_id: str, participant_id: str, media: str = "chat") -> None:
        self._check("disconnect_participant")
        self.media_used.append(("disconnect_participant", participant_id, media))
        self.calls.append(("disconnect_participant", conversation_id, participant_id))
        self.set_state(conversation_id, participant_id, "disconnected", "client")

    def disconnect_conversation(self, conversation_id: str, media: str = "chat") -> None:
        self.calls.append(("disconnect_conversation", conversation_id))
        self.media_used.append(("disconnect_conversation", conversation_id, media))
        for p in self.conversations[conversation_id]["participants"]:
            p["state"] = "disconnected"

    def transfer_to_agent(self, conversation_id: str, participant_id: str, user_id: str) -> None:
        self._check("transfer_to_agent")
        self.calls.append(("transfer_to_agent", conversation_id, participant_id, user_id))

    def transfer_to_queue(self, conversation_id: str, participant_id: str, queue_id: str) -> None:
        self._check("transfer_to_queue")
        self.calls.append(("transfer_to_queue", conversation_id, participant_id, queue_id))
        self.set_state(conversation_id, participant_id, "disconnected", "transfer")

    # -- helpers for the tests: what the ACD and the agents' clients do ------------------------------
    def add_agent(self, cid: str, user_id: str, state: str = "alerting") -> str:
        pid = f"{cid}-agent-{user_id}-{len(self.conversations[cid]['participants'])}"
        self.conversations[cid]["participants"].append(
            {"id": pid, "purpose": "agent", "state": state, "user": {"id": user_id}})
        return pid

    def set_state(self, cid: str, pid: str, state: str, disconnect_type: str | None = None) -> None:
        for p in self.conversations[cid]["participants"]:
            if p["id"] == pid:
                p["state"] = state
                if state == "connected":
                    p["connectedTime"] = "2026-01-01T00:00:00Z"
                if disconnect_type:
                    p["disconnectType"] = disconnect_type

    def view(self, cid: str):
        return conversation_view(self.conversations[cid])

    def named(self, name: str) -> list[tuple]:
        return [c for c in self.calls if c[0] == name]


@dataclass
class SalesforceDouble:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple] = field(default_factory=list)
    refuse: dict[str, int] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def get_record(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        rec = self.records.get(record_id)
        return dict(rec) if rec is not None else None

    def query(self, soql: str) -> list[dict[str, Any]]:
        self.calls.append(("query", soql))
        if "FROM AgentWork" in soql:
            return [dict(r) for r in self.records.values() if r.get("type") == "AgentWork"
                    and f"'{r['WorkItemId']}'" in soql and f"'{r['UserId']}'" in soql]
        if "FROM PendingServiceRouting" in soql:
            return [dict(r) for r in self.records.values() if r.get("type") == "PendingServiceRouting"
                    and f"'{r['WorkItemId']}'" in soql]
        return []

    def insert_agent_work(self, fields: dict[str, Any]) -> str:
        if "insert" in self.refuse:
            raise PlatformError("salesforce", "create AgentWork", self.refuse["insert"], "FIELD_INTEGRITY_EXCEPTION")
        work_id = sf_id18(f"0Bz{next(self._ids):012d}")
        self.calls.append(("insert", dict(fields)))
        self.records[work_id] = {"type": "AgentWork", "Id": work_id, "Status": "Assigned", **fields}
        return work_id

    def toolkit(self, user_id: str, method: str, args: dict[str, Any] | None = None) -> Any:
        self.calls.append(("toolkit", user_id, method, dict(args or {})))
        if method in self.refuse:
            raise PlatformError("salesforce", f"toolkit {method}", self.refuse[method], "INVALID_OPERATION")
        return True

    def add_psr(self, work_item_id: str, group_id: str, is_transfer: bool = False) -> dict[str, Any]:
        psr_id = sf_id18(f"0JR{next(self._ids):012d}")
        rec = {"type": "PendingServiceRouting", "Id": psr_id, "WorkItemId": work_item_id, "GroupId": group_id,
               "ServiceChannelId": CHANNEL, "RoutingModel": "ExternalRouting", "IsReadyForRouting": True,
               "IsPushed": False, "IsTransfer": is_transfer}
        self.records[psr_id] = rec
        return rec

    def add_messaging_session(self, name: str = "Ann", end_user_id: str | None = None) -> tuple[str, str]:
        """A customer's MessagingSession (and their MessagingEndUser, unless given); returns (session, end user)."""
        n = next(self._ids)
        if end_user_id is None:
            end_user_id = sf_id18(f"0PA{n:012d}")
            self.records[end_user_id] = {"type": "MessagingEndUser", "Id": end_user_id, "Name": name}
        session_id = sf_id18(f"0Mw{n:012d}")
        self.records[session_id] = {"type": "MessagingSession", "Id": session_id, "Name": f"MS-{n:010d}",
                                    "Status": "Waiting", "MessagingEndUserId": end_user_id}
        return session_id, end_user_id

    def add_message_psr(self, session_id: str, group_id: str, is_transfer: bool = False) -> dict[str, Any]:
        psr = self.add_psr(session_id, group_id, is_transfer)
        psr["ServiceChannelId"] = MESSAGE_CHANNEL
        return psr

    def toolkit_calls(self, method: str | None = None) -> list[tuple]:
        return [c for c in self.calls if c[0] == "toolkit" and (method is None or c[2] == method)]

    def inserts(self) -> list[dict[str, Any]]:
        return [c[1] for c in self.calls if c[0] == "insert"]
