"""The agent's console: accepting, declining and closing work, tabs, ending, messaging and transferring chats and
messaging sessions (the same actions for both media; `WorkItemKind` says what each one writes).

Method names follow the Omni-Channel toolkit operations (`acceptAgentWork` is `accept_agent_work`); `end_chat`,
`close_tab`, `send_message` and `transfer_chat` are the agent's UI actions the toolkit lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import malformed_id, refuse
from .omni import (
    ACTIVE_WORK,
    CHAT,
    AgentState,
    OmniState,
    Party,
    Tab,
    WorkItemKind,
    WorkStatus,
    transcript_body,
)
from .org import SalesforceOrg
from .routing import RoutingBackend
from .store import Transaction, normalize_id, sf_datetime


@dataclass(frozen=True)
class Workload:
    """`getAgentWorkload`: capacity units configured and in use (no interruptible work in this org)."""

    configured_capacity: float
    current_workload: float


class ConsoleBackend:
    """The agent's side of the work; each public method is one atomic operation under the org's lock."""

    def __init__(self, org: SalesforceOrg, omni: OmniState, routing: RoutingBackend) -> None:
        self.org = org
        self.omni = omni
        self.routing = routing

    # -- who acts -----------------------------------------------------------------------------------
    @staticmethod
    def agent_id(user_id: str) -> str:
        """The 18-character id of the agent a bridge call names; a malformed id is refused."""
        agent_id = normalize_id(user_id)
        if agent_id is None:
            raise malformed_id("userId", user_id)
        return agent_id

    def check_acting_for(self, session_user_id: str, agent_id: str) -> None:
        """The integration user's session may act for any agent; an agent's own session only for that agent."""
        if session_user_id != self.org.integration_user_id and session_user_id != agent_id:
            raise refuse("This session can't act for another user's console.", "INSUFFICIENT_ACCESS")

    def get_agent_workload(self, user_id: str) -> Workload:
        with self.org.lock:
            self.omni.user(user_id)
            self.omni.require_logged_in(user_id)
            return Workload(self.org.config.agent_capacity, self.omni.workload(user_id))

    def get_agent_works(self, user_id: str) -> list[dict[str, Any]]:
        """The agent's Assigned and Opened AgentWork records."""
        with self.org.lock:
            self.omni.user(user_id)
            return [dict(w) for w in self.omni.store.find("AgentWork", UserId=user_id) if w["Status"] in ACTIVE_WORK]

    def _own_work(self, user_id: str, work_id: Any, status: WorkStatus | None = None, verb: str = "") -> dict[str, Any]:
        """The agent's AgentWork `work_id`, refused unless it has `status` (the caller holds the lock)."""
        self.omni.user(user_id)
        work = self.omni.work(work_id, user_id)
        if status is not None and work["Status"] != status:
            raise refuse(f"The work {work['Id']} can't be {verb}: its status is {work['Status']}.")
        return work

    def _close_with_tab(self, user_id: str, work: dict[str, Any], agent: AgentState) -> bool:
        with self.org.transaction(user_id) as tx:
            tab = self.close_work(tx, work, agent)
        if tab is not None:
            self.omni.tab_event(user_id, tab, "closed")
        return True

    def accept_agent_work(self, user_id: str, work_id: Any) -> bool:
        with self.org.lock:
            work = self._own_work(user_id, work_id, WorkStatus.ASSIGNED, "accepted")
            agent = self.omni.agent(user_id)
            item = self.omni.store.get(work["WorkItemId"])
            now = sf_datetime(self.omni.now())
            closed_tabs: list[tuple[str, Tab]] = []
            with self.org.transaction(user_id) as tx:
                self.omni.cancel_timer(work["Id"])
                tx.update(work, {"Status": WorkStatus.OPENED.value, "AcceptDateTime": now,
                                 "SpeedToAnswer": self.omni.seconds_since(work["RequestDateTime"])})
                psr = self.omni.store.get(work["PendingServiceRoutingId"]) if work.get("PendingServiceRoutingId") else None
                if psr is not None:
                    tx.delete(psr)
                for other in self.omni.works_for_item(work["WorkItemId"], WorkStatus.OPENED):
                    if other["Id"] == work["Id"]:
                        continue
                    # The sender of a transfer: Transferred once the receiver accepts (DESIGN §4.3, inferred).
                    values: dict[str, Any] = {"Status": WorkStatus.TRANSFERRED.value}
                    if self.org.config.transferred_sets_close_time:
                        values["CloseDateTime"] = now
                        values["HandleTime"] = self.omni.seconds_since(other["AcceptDateTime"])
                    tx.update(other, values)
                    sender = self.omni.agent(other["UserId"])
                    tab = sender.tabs.pop(other["Id"], None)
                    if tab is not None:
                        closed_tabs.append((other["UserId"], tab))
                kind = self.omni.kind_of(item) if item is not None else None
                if item is not None and kind is not None:
                    tx.update(item, self._accepted_values(kind, item, user_id, now))
                agent.tabs[work["Id"]] = Tab(work["Id"], work["WorkItemId"], now)
            for sender_id, tab in closed_tabs:
                self.omni.tab_event(sender_id, tab, "closed")
            self.omni.tab_event(user_id, agent.tabs[work["Id"]], "opened")
            return True

    def decline_agent_work(self, user_id: str, work_id: Any, reason: Any = None) -> bool:
        with self.org.lock:
            work = self._own_work(user_id, work_id, WorkStatus.ASSIGNED, "declined")
            if reason is not None and not isinstance(reason, str):
                raise refuse("declineReason must be a string.", "INVALID_TYPE")
            with self.org.transaction(user_id) as tx:
                self.omni.cancel_timer(work["Id"])
                tx.update(work, {"Status": WorkStatus.DECLINED.value, "DeclineDateTime": sf_datetime(self.omni.now()),
                                 "DeclineReason": (reason or None) and reason[:255],
                                 "AgentCapacityWhenDeclined": float(self.omni.workload(user_id))})
                self.routing.hand_back(tx, work, self.omni.agent(user_id))
            return True

    def close_agent_work(self, user_id: str, work_id: Any) -> bool:
        """`closeAgentWork`: Closed, its tab closes; a chat still in progress ends (the agent closed it)."""
        with self.org.lock:
            work = self._own_work(user_id, work_id, WorkStatus.OPENED, "closed")
            return self._close_with_tab(user_id, work, self.omni.agent(user_id))

    def close_tab(self, user_id: str, work_id: Any) -> bool:
        """The agent closes the chat conversation window: the work is closed (seed step 4)."""
        with self.org.lock:
            work = self._own_work(user_id, work_id)
            agent = self.omni.agent(user_id)
            if work["Id"] not in agent.tabs:
                raise refuse(f"No console tab is open for the work {work['Id']}.")
            return self._close_with_tab(user_id, work, agent)

    def close_work(self, tx: Transaction, work: dict[str, Any], agent: AgentState) -> Tab | None:
        """Close an Opened work (and end its chat when still in progress); returns the closed tab."""
        item = self.omni.store.get(work["WorkItemId"])
        kind = self.omni.kind_of(item) if item is not None else None
        if item is not None and kind is not None and kind.is_in_progress(item) and not any(
                w["Id"] != work["Id"] for w in self.omni.works_for_item(item["Id"], WorkStatus.OPENED)):
            self.end_record(tx, item, Party.AGENT)
        tx.update(work, {"Status": WorkStatus.CLOSED.value, "CloseDateTime": sf_datetime(self.omni.now()),
                         "HandleTime": self.omni.seconds_since(work["AcceptDateTime"])})
        # the caller reports the closed tab once the transaction is over
        return agent.tabs.pop(work["Id"], None)

    # -- chats and messaging sessions ---------------------------------------------------------------
    def _accepted_values(self, kind: WorkItemKind, item: dict[str, Any], user_id: str, now: str) -> dict[str, Any]:
        """What accepting the work writes on the work item: in progress, owned by the agent."""
        values: dict[str, Any] = {"Status": kind.in_progress, "OwnerId": user_id}
        if kind is CHAT:
            if item["StartTime"] is None:
                values["StartTime"] = now
                values["WaitTime"] = self.omni.seconds_since(item["RequestTime"])
        else:
            # AcceptTime: "the time when an agent accepts an incoming Messaging session" (a transfer's receiver
            # accepting sets it again; inferred).
            values["AcceptTime"] = now
        return values

    def end_record(self, tx: Transaction, item: dict[str, Any], party: Party) -> None:
        """End a conversation in progress (the agent ends it, or the customer leaves); the work stays Opened."""
        kind = self.omni.kind_of(item) or CHAT
        now = sf_datetime(self.omni.now())
        lines = self.omni.transcripts.get(item["Id"], [])
        customer_lines = sum(1 for line in lines if line.sender == "customer")
        agent_lines = sum(1 for line in lines if line.sender == "agent")
        values: dict[str, Any] = {"Status": kind.ended, "EndTime": now, kind.ended_by_field: kind.ended_by[party]}
        if kind is CHAT:
            values.update({"ChatDuration": self.omni.seconds_since(item["StartTime"]), "Body": transcript_body(lines),
                           "VisitorMessageCount": customer_lines, "OperatorMessageCount": agent_lines})
        else:
            values.update({"EndUserMessageCount": customer_lines, "AgentMessageCount": agent_lines})
        tx.update(item, values)
        for pending in self.omni.works_for_item(item["Id"], WorkStatus.ASSIGNED):
            # a transfer still waiting for the receiver has nothing left to deliver
            self.omni.cancel_timer(pending["Id"])
            tx.update(pending, {"Status": WorkStatus.CANCELED.value, "CancelDateTime": now})

    def opened_work(self, user_id: str, item: dict[str, Any]) -> dict[str, Any]:
        for work in self.omni.works_for_item(item["Id"], WorkStatus.OPENED):
            if work["UserId"] == user_id:
                return work
        raise refuse(f"The work item {item['Id']} isn't open in this agent's console.")

    def _in_progress(self, user_id: str, work_item_id: Any) -> tuple[dict[str, Any], dict[str, Any], WorkItemKind]:
        """The chat or messaging session open in the agent's console and still in progress, with the agent's work."""
        item = self.omni.work_item(work_item_id)
        work = self.opened_work(user_id, item)
        kind = self.omni.kind_of(item) or CHAT
        if not kind.is_in_progress(item):
            raise refuse(f"The {kind.noun} {item['Id']} has already ended.")
        return item, work, kind

    def end_chat(self, user_id: str, work_item_id: Any) -> bool:
        """The agent ends the chat: the transcript ends, the work stays Opened and the tab stays open."""
        with self.org.lock:
            self.omni.user(user_id)
            item, _, _ = self._in_progress(user_id, work_item_id)
            with self.org.transaction(user_id) as tx:
                self.end_record(tx, item, Party.AGENT)
            return True

    def send_message(self, user_id: str, work_item_id: Any, text: Any) -> bool:
        with self.org.lock:
            self.omni.user(user_id)
            item, _, _ = self._in_progress(user_id, work_item_id)
            if not isinstance(text, str) or not text:
                raise refuse("text must be a non-empty string.", "INVALID_TYPE")
            self.omni.message(item["Id"], "agent", text, user_id)
            return True

    def transfer_chat(self, user_id: str, work_item_id: Any, to_user: Any = None, to_queue: Any = None) -> dict[str, Any]:
        """Transfer from the sender's console to an agent (second AgentWork) or an externally routed queue."""
        with self.org.lock:
            self.omni.user(user_id)
            if (to_user is None) == (to_queue is None):
                raise refuse("Give exactly one of toUserId and toQueue.", "REQUIRED_FIELD_MISSING")
            item, work, kind = self._in_progress(user_id, work_item_id)
            if self.omni.works_for_item(item["Id"], WorkStatus.ASSIGNED):
                raise refuse(f"A transfer of the {kind.noun} {item['Id']} is already waiting for its receiver.")
            channel = self.omni.store.get(work["ServiceChannelId"])
            if to_user is not None:
                receiver = self.omni.user(to_user, "toUserId")
                if receiver["Id"] == user_id:
                    raise refuse(f"A {kind.noun} can't be transferred to the agent who has it.")
                state = self.omni.agent(receiver["Id"])
                if channel["Id"] not in {c["Id"] for c in self.omni.status_channels(state.status_id)}:
                    raise refuse("The receiving agent isn't online for this service channel.")
                new_work = {"ServiceChannelId": channel["Id"], "WorkItemId": item["Id"], "UserId": receiver["Id"],
                            "CapacityWeight": work["CapacityWeight"], "CapacityPercentage": work["CapacityPercentage"],
                            "TransferRequesterId": user_id, "ShouldSkipCapacityCheck": False}
                if self.omni.workload(receiver["Id"]) + self.omni.capacity_units(new_work) > \
                        self.org.config.agent_capacity + 1e-9:
                    raise refuse("The receiving agent doesn't have enough capacity.")
                for key in ("RoutingModel", "RoutingType", "RoutingPriority", "SecondaryRoutingPriority",
                            "OriginalGroupId", "OriginalQueueId", "CapacityModel", "IsInterruptible", "PushTimeout"):
                    new_work[key] = work.get(key)
                new_work["IsPreferredUserRequired"] = False
                with self.org.transaction(user_id) as tx:
                    record = self.routing.assign(tx, new_work, receiver["Id"])
                return {"workId": record["Id"], "workItemId": item["Id"]}
            queue = self.omni.queue(to_queue)
            if queue is None:
                raise refuse(f"toQueue: no queue {to_queue!r}", "INVALID_ID_FIELD")
            config = self.omni.routing_config(queue)
            if config is None or config["RoutingModel"] != "ExternalRouting":
                raise refuse(f"The queue {queue['DeveloperName']} doesn't use external routing.")
            agent = self.omni.agent(user_id)
            now = sf_datetime(self.omni.now())
            with self.org.transaction(user_id) as tx:
                psr = self.routing.raise_routing(tx, item, channel["Id"], queue, transfer_from=user_id)
                values: dict[str, Any] = {"Status": WorkStatus.TRANSFERRED.value}
                if self.org.config.transferred_sets_close_time:
                    values["CloseDateTime"] = now
                    values["HandleTime"] = self.omni.seconds_since(work["AcceptDateTime"])
                tx.update(work, values)
                # inferred: the work item waits in the queue (owner = queue) until another agent accepts it
                tx.update(item, {"Status": kind.waiting, "OwnerId": queue["Id"]})
                tab = agent.tabs.pop(work["Id"], None)
            if tab is not None:
                self.omni.tab_event(user_id, tab, "closed")
            return {"pendingServiceRoutingId": psr["Id"], "workItemId": item["Id"]}
