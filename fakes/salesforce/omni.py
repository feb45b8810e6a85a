"""Omni-Channel external routing: presence, routing requests, AgentWork lifecycle, capacity, console tabs, chats.

The rules follow the external-routing contract of the Omni-Channel Developer Guide (reference §5-7): a chat
raises a PendingServiceRouting; the partner inserts an AgentWork (Assigned, pushed); accept opens it and
deletes the request; decline / push time-out / agent offline hand the request back (IsPushed=false);
transfers create a second AgentWork (to an agent) or a new request with IsTransfer (to a queue).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from fakes.core.clock import Timer

from .errors import SalesforceError
from .fields import parse_datetime
from .store import Transaction, normalize_id, sf_datetime

if TYPE_CHECKING:
    from .models import SalesforceFake


class WorkStatus(StrEnum):
    ASSIGNED = "Assigned"
    UNAVAILABLE = "Unavailable"
    DECLINED = "Declined"
    OPENED = "Opened"
    CLOSED = "Closed"
    DECLINED_ON_PUSH_TIMEOUT = "DeclinedOnPushTimeout"
    CANCELED = "Canceled"
    TRANSFERRED = "Transferred"


class ChatStatus(StrEnum):
    WAITING = "Waiting"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    MISSED = "Missed"


class EndedBy(StrEnum):
    AGENT = "Agent"
    VISITOR = "Visitor"
    SYSTEM = "System"


ACTIVE_WORK = (WorkStatus.ASSIGNED, WorkStatus.OPENED)
DELETABLE_WORK = (WorkStatus.CLOSED, WorkStatus.DECLINED, WorkStatus.UNAVAILABLE)
ENDED_CHAT = (ChatStatus.COMPLETED, ChatStatus.MISSED, "Dropped", "Blocked")


def refuse(message: str, code: str = "INVALID_OPERATION") -> SalesforceError:
    """A console (toolkit) refusal: 400 with a Salesforce error array."""
    return SalesforceError(400, code, message)


def integrity(message: str, fields: list[str] | None = None) -> SalesforceError:
    # inferred: the exact messages of these AgentWork / routing refusals are not documented.
    return SalesforceError(400, "FIELD_INTEGRITY_EXCEPTION", message, fields)


@dataclass
class Tab:
    """A console tab with an opened work item (the chat conversation window)."""

    work_id: str
    work_item_id: str
    opened_at: str


@dataclass
class AgentState:
    user_id: str
    status_id: str | None = None  # None = logged out of Omni-Channel
    presence_id: str | None = None  # current UserServicePresence
    session_id: str | None = None  # the agent's Omni session (LastDeclinedAgentSession)
    tabs: dict[str, Tab] = field(default_factory=dict)


@dataclass
class ChatLine:
    sender: str  # "customer" | "agent"
    text: str
    at: str
    user_id: str | None = None


class OmniChannel:
    """Every Omni-Channel rule; callers hold no lock, each method is one atomic operation under the fake's lock."""

    def __init__(self, fake: SalesforceFake) -> None:
        self.fake = fake
        self.agents: dict[str, AgentState] = {}
        self.timers: dict[str, Timer] = {}
        self.transcripts: dict[str, list[ChatLine]] = {}
        self.customers: dict[str, str] = {}  # work item id -> the customer's name

    @property
    def store(self):
        return self.fake.store

    def reset(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        self.agents.clear()
        self.transcripts.clear()
        self.customers.clear()

    def state(self) -> dict[str, Any]:
        out = {}
        for user_id, agent in self.agents.items():
            status = self.store.get(agent.status_id) if agent.status_id else None
            out[user_id] = {
                "statusId": agent.status_id, "statusDeveloperName": status["DeveloperName"] if status else None,
                "presenceId": agent.presence_id, "tabs": [vars(t) for t in agent.tabs.values()],
                "workload": self._workload(user_id),
            }
        chats = {item_id: {"customerName": self.customers.get(item_id),
                           "messages": [vars(line) for line in lines]} for item_id, lines in self.transcripts.items()}
        return {"agents": out, "pendingPushTimeouts": sorted(self.timers), "chats": chats}

    # -- lookups ------------------------------------------------------------------------------------
    def agent(self, user_id: str) -> AgentState:
        state = self.agents.get(user_id)
        if state is None:
            state = self.agents[user_id] = AgentState(user_id)
        return state

    def _lookup(self, value: Any, arg: str) -> tuple[str, dict[str, Any] | None]:
        """The 18-character id given as `arg` and its record (None: no record); a malformed id is refused."""
        id18 = normalize_id(value)
        if id18 is None:
            raise refuse(f"{arg}: id value of incorrect type: {value}", "MALFORMED_ID")
        return id18, self.store.get(id18)

    def user(self, user_id: Any, arg: str = "userId") -> dict[str, Any]:
        id18, record = self._lookup(user_id, arg)
        if record is None or not id18.startswith("005"):
            raise refuse(f"{arg}: no user with id {user_id}", "INVALID_ID_FIELD")
        if not record["IsActive"] or record["UserType"] != "Standard":
            raise refuse(f"{arg}: the user {user_id} can't use Omni-Channel", "INVALID_ID_FIELD")
        return record

    def presence_status(self, status_id: Any) -> dict[str, Any]:
        id18, record = self._lookup(status_id, "statusId")
        if record is None or self.store.sobject_of(id18) != "ServicePresenceStatus":
            raise refuse(f"statusId: no presence status with id {status_id}", "INVALID_ID_FIELD")
        return record

    def status_channels(self, status_id: str | None) -> list[dict[str, Any]]:
        if status_id is None:
            return []
        out = []
        for link in self.store.find("ServiceChannelStatus", ServicePresenceStatusId=status_id):
            channel = self.store.get(link["ServiceChannelId"])
            if channel is not None:
                out.append(channel)
        return out

    def work(self, work_id: Any, user_id: str, arg: str = "workId") -> dict[str, Any]:
        id18, record = self._lookup(work_id, arg)
        if record is None or self.store.sobject_of(id18) != "AgentWork" or record["UserId"] != user_id:
            raise refuse(f"{arg}: no work {work_id} for this user", "INVALID_ID_FIELD")
        return record

    def work_item(self, work_item_id: Any, arg: str = "workItemId") -> dict[str, Any]:
        id18, record = self._lookup(work_item_id, arg)
        if record is None or self.store.sobject_of(id18) not in ("LiveChatTranscript", "MessagingSession"):
            raise refuse(f"{arg}: no work item {work_item_id}", "INVALID_ID_FIELD")
        return record

    def queue(self, key: Any) -> dict[str, Any] | None:
        """A queue by id (15/18), developer name or name."""
        if not isinstance(key, str) or not key.strip():
            return None
        id18 = normalize_id(key)
        if id18 is not None and id18.startswith("00G"):
            record = self.store.get(id18)
            return record if record is not None and record["Type"] == "Queue" else None
        lowered = key.strip().lower()
        for group in self.store.all("Group"):
            if group["Type"] == "Queue" and lowered in ((group["DeveloperName"] or "").lower(), group["Name"].lower()):
                return group
        return None

    def routing_config(self, queue: dict[str, Any]) -> dict[str, Any] | None:
        config_id = queue.get("QueueRoutingConfigId")
        return self.store.get(config_id) if config_id else None

    def live_routing(self, work_item_id: str) -> dict[str, Any] | None:
        return self.store.find_one("PendingServiceRouting", WorkItemId=work_item_id)

    def works_for_item(self, work_item_id: str, *statuses: str) -> list[dict[str, Any]]:
        return [w for w in self.store.find("AgentWork", WorkItemId=work_item_id)
                if not statuses or w["Status"] in statuses]

    def _capacity_units(self, work: dict[str, Any]) -> float:
        if work.get("CapacityWeight") is not None:
            return float(work["CapacityWeight"])
        if work.get("CapacityPercentage") is not None:
            return float(work["CapacityPercentage"]) / 100.0 * self.fake.settings.agent_capacity
        return 0.0

    def _workload(self, user_id: str) -> float:
        return sum(self._capacity_units(w) for w in self.store.find("AgentWork", UserId=user_id)
                   if w["Status"] in ACTIVE_WORK)

    def _now(self) -> float:
        return self.fake.clock.time()

    def _seconds_since(self, stamp: str | None) -> int | None:
        ts = parse_datetime(stamp) if stamp else None
        return None if ts is None else max(0, int(round(self._now() - ts)))

    # -- presence -----------------------------------------------------------------------------------
    def status_answer(self, user_id: str) -> dict[str, Any]:
        agent = self.agent(user_id)
        if agent.status_id is None:
            raise refuse("The agent isn't logged in to Omni-Channel.")
        status = self.store.get(agent.status_id)
        return {"statusId": status["Id"], "statusName": status["MasterLabel"], "statusApiName": status["DeveloperName"],
                "channels": self.channels_json(agent.status_id)}

    def channels_json(self, status_id: str | None) -> str:
        return json.dumps([{"channelId": c["Id"], "developerName": c["DeveloperName"]}
                           for c in self.status_channels(status_id)])

    def set_status(self, user_id: str, status_id: Any) -> dict[str, Any]:
        """`setServicePresenceStatus` (and `login`): logs the agent in when offline."""
        with self.fake.lock:
            self.user(user_id)
            status = self.presence_status(status_id)
            agent = self.agent(user_id)
            if agent.status_id == status["Id"]:
                return self.status_answer(user_id)
            with self.fake.transaction(user_id) as tx:
                if agent.status_id is not None and self.fake.settings.status_change_unavailable:
                    kept = {c["Id"] for c in self.status_channels(status["Id"])}
                    for work in self.store.find("AgentWork", UserId=user_id, Status=WorkStatus.ASSIGNED.value):
                        if work["ServiceChannelId"] not in kept:
                            self._unavailable(tx, work)
                self._end_presence(tx, agent)
                channels = self.status_channels(status["Id"])
                record = tx.create("UserServicePresence", {
                    "UserId": user_id, "ServicePresenceStatusId": status["Id"], "IsCurrentState": True,
                    "IsAway": not channels, "StatusStartDate": sf_datetime(self._now()),
                    "ConfiguredCapacity": self.fake.settings.agent_capacity,
                    "ConfiguredInterruptCapacity": 0}, owner_id=user_id)
                if agent.status_id is None:
                    agent.session_id = record["Id"]
                agent.status_id = status["Id"]
                agent.presence_id = record["Id"]
            self.fake.emit("console.presence", {"userId": user_id, "statusId": status["Id"],
                                                "statusDeveloperName": status["DeveloperName"]})
            return self.status_answer(user_id)

    def logout(self, user_id: str) -> bool:
        with self.fake.lock:
            self.user(user_id)
            agent = self.agent(user_id)
            if agent.status_id is None:
                # inferred: logging out when already offline resolves without a change
                return True
            closed: list[Tab] = []
            with self.fake.transaction(user_id) as tx:
                for work in self.store.find("AgentWork", UserId=user_id):
                    if work["Status"] == WorkStatus.ASSIGNED:
                        self._unavailable(tx, work)
                    elif work["Status"] == WorkStatus.OPENED and self.fake.settings.logout_closes_opened_work:
                        tab = self._close(tx, work, agent)
                        if tab is not None:
                            closed.append(tab)
                self._end_presence(tx, agent)
                agent.status_id = None
                agent.presence_id = None
            for tab in closed:
                self._tab_event(user_id, tab, "closed")
            self.fake.emit("console.presence", {"userId": user_id, "statusId": None, "statusDeveloperName": None})
            return True

    def _end_presence(self, tx: Transaction, agent: AgentState) -> None:
        record = self.store.get(agent.presence_id) if agent.presence_id else None
        if record is None or not record["IsCurrentState"]:
            return
        tx.update(record, {"IsCurrentState": False, "StatusEndDate": sf_datetime(self._now()),
                           "StatusDuration": self._seconds_since(record["StatusStartDate"])})

    def workload(self, user_id: str) -> dict[str, Any]:
        with self.fake.lock:
            self.user(user_id)
            if self.agent(user_id).status_id is None:
                raise refuse("The agent isn't logged in to Omni-Channel.")
            load = self._workload(user_id)
            return {"configuredCapacity": self.fake.settings.agent_capacity, "currentWorkload": _number(load),
                    "configuredInterruptibleCapacity": 0, "currentInterruptibleWorkload": 0}

    def agent_works(self, user_id: str) -> dict[str, str]:
        with self.fake.lock:
            self.user(user_id)
            works = [{"workId": w["Id"], "workItemId": w["WorkItemId"], "isEngaged": w["Status"] == WorkStatus.OPENED}
                     for w in self.store.find("AgentWork", UserId=user_id) if w["Status"] in ACTIVE_WORK]
            return {"works": json.dumps(works)}

    # -- routing requests ---------------------------------------------------------------------------
    def _raise_routing(self, tx: Transaction, work_item: dict[str, Any], channel_id: str, queue: dict[str, Any],
                       transfer_from: str | None = None) -> dict[str, Any]:
        config = self.routing_config(queue) or {}
        return tx.create("PendingServiceRouting", {
            "WorkItemId": work_item["Id"], "ServiceChannelId": channel_id, "GroupId": queue["Id"],
            "QueueId": queue["Id"], "RoutingModel": config.get("RoutingModel") or "ExternalRouting",
            "RoutingType": "QueueBased", "IsReadyForRouting": True, "IsPushed": False, "IsPushAttempted": False,
            "IsTransfer": transfer_from is not None, "Serial": 1,
            "CapacityWeight": config.get("CapacityWeight"), "CapacityPercentage": config.get("CapacityPercentage"),
            "RoutingPriority": config.get("RoutingPriority"), "PushTimeout": config.get("PushTimeout"),
            "TransferRequesterId": transfer_from,
        }, owner_id=queue["Id"])

    def _bump(self, tx: Transaction, psr: dict[str, Any], values: dict[str, Any]) -> None:
        tx.update(psr, {**values, "Serial": (psr["Serial"] or 0) + 1})

    def insert_routing(self, values: dict[str, Any], user_id: str, origin: str) -> str:
        """REST create of a PendingServiceRouting (values already validated field by field)."""
        with self.fake.lock:
            channel = self.store.get(values["ServiceChannelId"])
            item_type = self.store.sobject_of(values["WorkItemId"])
            if channel["RelatedEntity"] != item_type:
                raise integrity("The work item doesn't match the service channel's object.", ["WorkItemId"])
            if self.live_routing(values["WorkItemId"]) is not None:
                # inferred: one routing request per work item
                raise SalesforceError(400, "DUPLICATE_VALUE", "duplicate value found: WorkItemId duplicates value on "
                                      f"record with id: {self.live_routing(values['WorkItemId'])['Id']}",
                                      ["WorkItemId"])
            group = values.get("GroupId") or values.get("QueueId")
            values = {**values, "GroupId": group, "QueueId": group, "Serial": 1, "IsPushed": False,
                      "IsPushAttempted": False, "IsTransfer": False}
            owner = values.pop("OwnerId", None) or group
            with self.fake.transaction(user_id, origin) as tx:
                return tx.create("PendingServiceRouting", values, owner_id=owner)["Id"]

    def update_routing(self, record: dict[str, Any], values: dict[str, Any], user_id: str, origin: str) -> None:
        with self.fake.lock:
            if record["IsReadyForRouting"] and set(values) - {"IsReadyForRouting"}:
                raise integrity("A routing request that is ready for routing can't be edited.")
            if "GroupId" in values or "QueueId" in values:
                group = values.get("GroupId", values.get("QueueId"))
                values = {**values, "GroupId": group, "QueueId": group}
            with self.fake.transaction(user_id, origin) as tx:
                self._bump(tx, record, values)

    def record_deleted(self, sobject: str, record: dict[str, Any]) -> None:
        if sobject == "UserServicePresence":
            for agent in self.agents.values():
                if agent.presence_id == record["Id"]:
                    agent.presence_id = None
        if sobject == "AgentWork":
            timer = self.timers.pop(record["Id"], None)
            if timer is not None:
                timer.cancel()

    # -- AgentWork ----------------------------------------------------------------------------------
    def insert_agent_work(self, values: dict[str, Any], user_id: str, origin: str) -> str:
        """REST create of an AgentWork by the routing partner: checked, then pushed (Assigned)."""
        with self.fake.lock:
            agent_id = values["UserId"]
            user = self.store.get(agent_id)
            if not user["IsActive"] or user["UserType"] != "Standard":
                raise integrity("The user can't receive Omni-Channel work.", ["UserId"])
            channel = self.store.get(values["ServiceChannelId"])
            item = self.store.get(values["WorkItemId"])
            if channel["RelatedEntity"] != self.store.sobject_of(item["Id"]):
                raise integrity("The work item doesn't match the service channel's object.", ["ServiceChannelId"])
            psr = self.store.get(values["PendingServiceRoutingId"]) if values.get("PendingServiceRoutingId") \
                else self.live_routing(item["Id"])
            if psr is None:
                raise integrity("The work item has no pending service routing request.", ["WorkItemId"])
            if psr["WorkItemId"] != item["Id"] or psr["ServiceChannelId"] != channel["Id"]:
                raise integrity("The pending service routing request is for another work item or service channel.",
                                ["PendingServiceRoutingId"])
            if psr["RoutingModel"] != "ExternalRouting":
                raise integrity("Only externally routed requests accept an AgentWork from the API.",
                                ["PendingServiceRoutingId"])
            if psr["IsPushed"]:
                raise integrity("The pending service routing request is already pushed to an agent.",
                                ["PendingServiceRoutingId"])
            if item.get("Status") in ENDED_CHAT:
                raise integrity("The work item is no longer active.", ["WorkItemId"])
            agent = self.agent(agent_id)
            if channel["Id"] not in {c["Id"] for c in self.status_channels(agent.status_id)}:
                raise integrity("The user isn't logged in to Omni-Channel with a presence status for this service "
                                "channel.", ["UserId"])
            if any(w["UserId"] == agent_id for w in self.works_for_item(item["Id"], *ACTIVE_WORK)):
                raise integrity("The user already has this work item.", ["WorkItemId"])
            work = {
                "ServiceChannelId": channel["Id"], "WorkItemId": item["Id"], "UserId": agent_id,
                "PendingServiceRoutingId": psr["Id"],
                "CapacityWeight": values.get("CapacityWeight"), "CapacityPercentage": values.get("CapacityPercentage"),
                "ShouldSkipCapacityCheck": values.get("ShouldSkipCapacityCheck", False),
            }
            if work["CapacityWeight"] is None and work["CapacityPercentage"] is None:
                work["CapacityWeight"] = psr["CapacityWeight"]
                work["CapacityPercentage"] = psr["CapacityPercentage"]
            if work["CapacityWeight"] is not None and work["CapacityPercentage"] is not None:
                raise integrity("Specify either CapacityWeight or CapacityPercentage, not both.", ["CapacityWeight"])
            if not work["ShouldSkipCapacityCheck"]:
                if self._workload(agent_id) + self._capacity_units(work) > self.fake.settings.agent_capacity + 1e-9:
                    raise integrity("The user doesn't have enough capacity for this work item.", ["UserId"])
            for key in ("BotId", "BotType", "ExternalBotId", "TransferRequesterId"):
                if values.get(key) is not None:
                    work[key] = values[key]
            work.update(self._routing_copy(psr, channel))
            work["RequestDateTime"] = psr["CreatedDate"]
            with self.fake.transaction(user_id, origin) as tx:
                # The partner's insert pushes the request: PSR update first, then the AgentWork (reference §5).
                self._bump(tx, psr, {"IsPushed": True, "IsPushAttempted": True})
                record = self._assign(tx, work, values.get("OwnerId") or agent_id)
            return record["Id"]

    def _routing_copy(self, psr: dict[str, Any] | None, channel: dict[str, Any]) -> dict[str, Any]:
        psr = psr or {}
        return {"RoutingModel": psr.get("RoutingModel"), "RoutingType": psr.get("RoutingType"),
                "RoutingPriority": psr.get("RoutingPriority"),
                "SecondaryRoutingPriority": psr.get("SecondaryRoutingPriority"),
                "OriginalGroupId": psr.get("GroupId"), "OriginalQueueId": psr.get("GroupId"),
                "PreferredUserId": psr.get("PreferredUserId"),
                "IsPreferredUserRequired": bool(psr.get("IsPreferredUserRequired")),
                "CapacityModel": channel["CapacityModel"], "IsInterruptible": False,
                "PushTimeout": psr.get("PushTimeout")}

    def _assign(self, tx: Transaction, work: dict[str, Any], owner_id: str) -> dict[str, Any]:
        work = {**work, "Status": WorkStatus.ASSIGNED.value, "AssignedDateTime": sf_datetime(self._now())}
        work.setdefault("RequestDateTime", work["AssignedDateTime"])
        record = tx.create("AgentWork", work, owner_id=owner_id)
        timeout = record.get("PushTimeout")
        if timeout:
            work_id = record["Id"]
            self.timers[work_id] = self.fake.clock.call_later(
                float(timeout), lambda: self._push_timed_out(work_id), name=f"push-timeout {work_id}")
        return record

    def _cancel_timer(self, work_id: str) -> None:
        timer = self.timers.pop(work_id, None)
        if timer is not None:
            timer.cancel()

    def _hand_back(self, tx: Transaction, work: dict[str, Any], declined_by: AgentState | None) -> None:
        """The routing request is no longer pushed, so the partner routes it again."""
        psr = self.store.get(work["PendingServiceRoutingId"]) if work.get("PendingServiceRoutingId") else None
        if psr is None:
            return
        values: dict[str, Any] = {"IsPushed": False}
        if declined_by is not None:
            values["LastDeclinedAgentSession"] = declined_by.session_id or declined_by.presence_id
        self._bump(tx, psr, values)

    def _push_timed_out(self, work_id: str) -> None:
        with self.fake.lock:
            self.timers.pop(work_id, None)
            work = self.store.get(work_id)
            if work is None or work["Status"] != WorkStatus.ASSIGNED:
                return
            with self.fake.transaction(None) as tx:
                tx.update(work, {"Status": WorkStatus.DECLINED_ON_PUSH_TIMEOUT.value,
                                 "PushTimeoutDateTime": sf_datetime(self._now())})
                self._hand_back(tx, work, self.agent(work["UserId"]))

    def _unavailable(self, tx: Transaction, work: dict[str, Any]) -> None:
        self._cancel_timer(work["Id"])
        tx.update(work, {"Status": WorkStatus.UNAVAILABLE.value})
        self._hand_back(tx, work, None)

    def accept(self, user_id: str, work_id: Any) -> bool:
        with self.fake.lock:
            self.user(user_id)
            work = self.work(work_id, user_id)
            if work["Status"] != WorkStatus.ASSIGNED:
                raise refuse(f"The work {work['Id']} can't be accepted: its status is {work['Status']}.")
            agent = self.agent(user_id)
            item = self.store.get(work["WorkItemId"])
            now = sf_datetime(self._now())
            closed_tabs: list[tuple[str, Tab]] = []
            with self.fake.transaction(user_id) as tx:
                self._cancel_timer(work["Id"])
                tx.update(work, {"Status": WorkStatus.OPENED.value, "AcceptDateTime": now,
                                 "SpeedToAnswer": self._seconds_since(work["RequestDateTime"])})
                psr = self.store.get(work["PendingServiceRoutingId"]) if work.get("PendingServiceRoutingId") else None
                if psr is not None:
                    tx.delete(psr)
                for other in self.works_for_item(work["WorkItemId"], WorkStatus.OPENED):
                    if other["Id"] == work["Id"]:
                        continue
                    # The sender of a transfer: Transferred once the receiver accepts (DESIGN §4.3, inferred).
                    values: dict[str, Any] = {"Status": WorkStatus.TRANSFERRED.value}
                    if self.fake.settings.transferred_sets_close_time:
                        values["CloseDateTime"] = now
                        values["HandleTime"] = self._seconds_since(other["AcceptDateTime"])
                    tx.update(other, values)
                    sender = self.agent(other["UserId"])
                    tab = sender.tabs.pop(other["Id"], None)
                    if tab is not None:
                        closed_tabs.append((other["UserId"], tab))
                if item is not None and self.store.sobject_of(item["Id"]) == "LiveChatTranscript":
                    values = {"Status": ChatStatus.IN_PROGRESS.value, "OwnerId": user_id}
                    if item["StartTime"] is None:
                        values["StartTime"] = now
                        values["WaitTime"] = self._seconds_since(item["RequestTime"])
                    tx.update(item, values)
                agent.tabs[work["Id"]] = Tab(work["Id"], work["WorkItemId"], now)
            for sender_id, tab in closed_tabs:
                self._tab_event(sender_id, tab, "closed")
            self._tab_event(user_id, agent.tabs[work["Id"]], "opened")
            return True

    def decline(self, user_id: str, work_id: Any, reason: Any = None) -> bool:
        with self.fake.lock:
            self.user(user_id)
            work = self.work(work_id, user_id)
            if work["Status"] != WorkStatus.ASSIGNED:
                raise refuse(f"The work {work['Id']} can't be declined: its status is {work['Status']}.")
            if reason is not None and not isinstance(reason, str):
                raise refuse("declineReason must be a string.", "INVALID_TYPE")
            with self.fake.transaction(user_id) as tx:
                self._cancel_timer(work["Id"])
                tx.update(work, {"Status": WorkStatus.DECLINED.value, "DeclineDateTime": sf_datetime(self._now()),
                                 "DeclineReason": (reason or None) and reason[:255],
                                 "AgentCapacityWhenDeclined": float(self._workload(user_id))})
                self._hand_back(tx, work, self.agent(user_id))
            return True

    def close_work(self, user_id: str, work_id: Any) -> bool:
        """`closeAgentWork`: Closed, its tab closes; a chat still in progress ends (the agent closed it)."""
        with self.fake.lock:
            self.user(user_id)
            work = self.work(work_id, user_id)
            if work["Status"] != WorkStatus.OPENED:
                raise refuse(f"The work {work['Id']} can't be closed: its status is {work['Status']}.")
            agent = self.agent(user_id)
            with self.fake.transaction(user_id) as tx:
                tab = self._close(tx, work, agent)
            if tab is not None:
                self._tab_event(user_id, tab, "closed")
            return True

    def close_tab(self, user_id: str, work_id: Any) -> bool:
        """The agent closes the chat conversation window: the work is closed (seed step 4)."""
        with self.fake.lock:
            self.user(user_id)
            work = self.work(work_id, user_id)
            agent = self.agent(user_id)
            if work["Id"] not in agent.tabs:
                raise refuse(f"No console tab is open for the work {work['Id']}.")
            with self.fake.transaction(user_id) as tx:
                tab = self._close(tx, work, agent)
            if tab is not None:
                self._tab_event(user_id, tab, "closed")
            return True

    def _close(self, tx: Transaction, work: dict[str, Any], agent: AgentState) -> Tab | None:
        """Close an Opened work (and end its chat when still in progress); returns the closed tab."""
        item = self.store.get(work["WorkItemId"])
        if item is not None and item.get("Status") == ChatStatus.IN_PROGRESS and not any(
                w["Id"] != work["Id"] for w in self.works_for_item(item["Id"], WorkStatus.OPENED)):
            self._end_chat(tx, item, EndedBy.AGENT)
        tx.update(work, {"Status": WorkStatus.CLOSED.value, "CloseDateTime": sf_datetime(self._now()),
                         "HandleTime": self._seconds_since(work["AcceptDateTime"])})
        # the caller reports the closed tab once the transaction is over
        return agent.tabs.pop(work["Id"], None)

    def _tab_event(self, user_id: str, tab: Tab, action: str) -> None:
        self.fake.emit("console.tab", {"userId": user_id, "workId": tab.work_id, "workItemId": tab.work_item_id,
                                       "action": action})

    def check_agent_work_delete(self, record: dict[str, Any]) -> None:
        if record["Status"] not in DELETABLE_WORK:
            # inferred code and message; the object reference only says which statuses may be deleted
            raise SalesforceError(400, "DELETE_FAILED", "You can delete an AgentWork only when its status is Closed, "
                                  f"Declined or Unavailable; this one is {record['Status']}.")

    # -- chats --------------------------------------------------------------------------------------
    def _end_chat(self, tx: Transaction, item: dict[str, Any], ended_by: EndedBy) -> None:
        now = sf_datetime(self._now())
        lines = self.transcripts.get(item["Id"], [])
        values: dict[str, Any] = {"Status": ChatStatus.COMPLETED.value, "EndTime": now, "EndedBy": ended_by.value,
                                  "ChatDuration": self._seconds_since(item["StartTime"]),
                                  "Body": _transcript_body(lines),
                                  "VisitorMessageCount": sum(1 for line in lines if line.sender == "customer"),
                                  "OperatorMessageCount": sum(1 for line in lines if line.sender == "agent")}
        tx.update(item, values)
        for pending in self.works_for_item(item["Id"], WorkStatus.ASSIGNED):
            # a transfer still waiting for the receiver has nothing left to deliver
            self._cancel_timer(pending["Id"])
            tx.update(pending, {"Status": WorkStatus.CANCELED.value, "CancelDateTime": now})

    def _opened_work(self, user_id: str, item: dict[str, Any]) -> dict[str, Any]:
        for work in self.works_for_item(item["Id"], WorkStatus.OPENED):
            if work["UserId"] == user_id:
                return work
        raise refuse(f"The work item {item['Id']} isn't open in this agent's console.")

    def end_chat(self, user_id: str, work_item_id: Any) -> bool:
        """The agent ends the chat: the transcript ends, the work stays Opened and the tab stays open."""
        with self.fake.lock:
            self.user(user_id)
            item = self.work_item(work_item_id)
            self._opened_work(user_id, item)
            if item.get("Status") != ChatStatus.IN_PROGRESS:
                raise refuse(f"The chat {item['Id']} has already ended.")
            with self.fake.transaction(user_id) as tx:
                self._end_chat(tx, item, EndedBy.AGENT)
            return True

    def send_agent_message(self, user_id: str, work_item_id: Any, text: Any) -> bool:
        with self.fake.lock:
            self.user(user_id)
            item = self.work_item(work_item_id)
            self._opened_work(user_id, item)
            if item.get("Status") != ChatStatus.IN_PROGRESS:
                raise refuse(f"The chat {item['Id']} has already ended.")
            if not isinstance(text, str) or not text:
                raise refuse("text must be a non-empty string.", "INVALID_TYPE")
            self._message(item["Id"], "agent", text, user_id)
            return True

    def transfer(self, user_id: str, work_item_id: Any, to_user: Any = None, to_queue: Any = None) -> dict[str, Any]:
        """Transfer from the sender's console to an agent (second AgentWork) or an externally routed queue."""
        with self.fake.lock:
            self.user(user_id)
            if (to_user is None) == (to_queue is None):
                raise refuse("Give exactly one of toUserId and toQueue.", "REQUIRED_FIELD_MISSING")
            item = self.work_item(work_item_id)
            work = self._opened_work(user_id, item)
            if item.get("Status") != ChatStatus.IN_PROGRESS:
                raise refuse(f"The chat {item['Id']} has already ended.")
            if self.works_for_item(item["Id"], WorkStatus.ASSIGNED):
                raise refuse(f"A transfer of the chat {item['Id']} is already waiting for its receiver.")
            channel = self.store.get(work["ServiceChannelId"])
            if to_user is not None:
                receiver = self.user(to_user, "toUserId")
                if receiver["Id"] == user_id:
                    raise refuse("A chat can't be transferred to the agent who has it.")
                state = self.agent(receiver["Id"])
                if channel["Id"] not in {c["Id"] for c in self.status_channels(state.status_id)}:
                    raise refuse("The receiving agent isn't online for this service channel.")
                new_work = {"ServiceChannelId": channel["Id"], "WorkItemId": item["Id"], "UserId": receiver["Id"],
                            "CapacityWeight": work["CapacityWeight"], "CapacityPercentage": work["CapacityPercentage"],
                            "TransferRequesterId": user_id, "ShouldSkipCapacityCheck": False}
                if self._workload(receiver["Id"]) + self._capacity_units(new_work) > \
                        self.fake.settings.agent_capacity + 1e-9:
                    raise refuse("The receiving agent doesn't have enough capacity.")
                for key in ("RoutingModel", "RoutingType", "RoutingPriority", "SecondaryRoutingPriority",
                            "OriginalGroupId", "OriginalQueueId", "CapacityModel", "IsInterruptible", "PushTimeout"):
                    new_work[key] = work.get(key)
                new_work["IsPreferredUserRequired"] = False
                with self.fake.transaction(user_id) as tx:
                    record = self._assign(tx, new_work, receiver["Id"])
                return {"workId": record["Id"], "workItemId": item["Id"]}
            queue = self.queue(to_queue)
            if queue is None:
                raise refuse(f"toQueue: no queue {to_queue!r}", "INVALID_ID_FIELD")
            config = self.routing_config(queue)
            if config is None or config["RoutingModel"] != "ExternalRouting":
                raise refuse(f"The queue {queue['DeveloperName']} doesn't use external routing.")
            agent = self.agent(user_id)
            now = sf_datetime(self._now())
            with self.fake.transaction(user_id) as tx:
                psr = self._raise_routing(tx, item, channel["Id"], queue, transfer_from=user_id)
                values: dict[str, Any] = {"Status": WorkStatus.TRANSFERRED.value}
                if self.fake.settings.transferred_sets_close_time:
                    values["CloseDateTime"] = now
                    values["HandleTime"] = self._seconds_since(work["AcceptDateTime"])
                tx.update(work, values)
                # inferred: the chat waits in the queue (owner = queue) until another agent accepts it
                tx.update(item, {"Status": ChatStatus.WAITING.value, "OwnerId": queue["Id"]})
                tab = agent.tabs.pop(work["Id"], None)
            if tab is not None:
                self._tab_event(user_id, tab, "closed")
            return {"pendingServiceRoutingId": psr["Id"], "workItemId": item["Id"]}

    # -- customers ----------------------------------------------------------------------------------
    def customer_chat(self, queue_key: Any, customer_name: str, text: str | None) -> dict[str, str]:
        """A customer opens a chat in a queue; the Omni-Channel flow raises the external routing request."""
        from fakes.core.errors import ControlError

        with self.fake.lock:
            queue = self.queue(queue_key)
            if queue is None:
                raise ControlError(f"no queue {queue_key!r}", status=404, error="not_found")
            config = self.routing_config(queue)
            if config is None or config["RoutingModel"] != "ExternalRouting":
                raise ControlError(f"the queue {queue['DeveloperName']} doesn't use external routing")
            channel = self.store.find_one("ServiceChannel", RelatedEntity="LiveChatTranscript")
            if channel is None:
                raise ControlError("the org has no chat service channel", status=409, error="conflict")
            with self.fake.transaction(None) as tx:
                visitor = tx.create("LiveChatVisitor", {"SessionKey": self.fake.ids.uuid()})
                item = tx.create("LiveChatTranscript", {
                    "LiveChatVisitorId": visitor["Id"], "ChatKey": self.fake.ids.uuid(),
                    "Status": ChatStatus.WAITING.value, "RequestTime": sf_datetime(self._now()),
                    "VisitorMessageCount": 0, "OperatorMessageCount": 0, "IsChatbotSession": False},
                    owner_id=queue["Id"])
                psr = self._raise_routing(tx, item, channel["Id"], queue)
            self.transcripts[item["Id"]] = []
            self.customers[item["Id"]] = customer_name
            if text:
                self._message(item["Id"], "customer", text)
            return {"workItemId": item["Id"], "pendingServiceRoutingId": psr["Id"]}

    def customer_message(self, work_item_id: Any, text: Any) -> dict[str, Any]:
        from fakes.core.errors import ControlError

        with self.fake.lock:
            item = self._customer_chat_item(work_item_id)
            if item["Status"] in ENDED_CHAT:
                raise ControlError(f"the chat {item['Id']} has ended", status=409, error="conflict")
            if not isinstance(text, str) or not text:
                raise ControlError("text must be a non-empty string")
            self._message(item["Id"], "customer", text)
            return {"workItemId": item["Id"], "messages": len(self.transcripts[item["Id"]])}

    def customer_leave(self, work_item_id: Any) -> dict[str, Any]:
        """The visitor leaves: a waiting chat is missed (request deleted, pushed work canceled); a chat in progress
        is completed, while the agent's work stays Opened and the tab open until the agent closes it."""
        from fakes.core.errors import ControlError

        with self.fake.lock:
            item = self._customer_chat_item(work_item_id)
            if item["Status"] in ENDED_CHAT:
                raise ControlError(f"the chat {item['Id']} has already ended", status=409, error="conflict")
            now = sf_datetime(self._now())
            with self.fake.transaction(None) as tx:
                if item["Status"] == ChatStatus.IN_PROGRESS:
                    self._end_chat(tx, item, EndedBy.VISITOR)
                else:
                    last_agent = None
                    for work in self.works_for_item(item["Id"]):
                        last_agent = work["UserId"]
                        if work["Status"] == WorkStatus.ASSIGNED:
                            self._cancel_timer(work["Id"])
                            tx.update(work, {"Status": WorkStatus.CANCELED.value, "CancelDateTime": now})
                    psr = self.live_routing(item["Id"])
                    if psr is not None:
                        tx.delete(psr)
                    lines = self.transcripts.get(item["Id"], [])
                    # Missed chats go to the last assigned agent, else the Automated Process user (reference §4).
                    tx.update(item, {"Status": ChatStatus.MISSED.value, "EndTime": now, "EndedBy": EndedBy.VISITOR.value,
                                     "Abandoned": self._seconds_since(item["RequestTime"]),
                                     "OwnerId": last_agent or self.fake.automated_process_user_id,
                                     "Body": _transcript_body(lines),
                                     "VisitorMessageCount": sum(1 for x in lines if x.sender == "customer")})
            return {"workItemId": item["Id"], "status": item["Status"]}

    def _customer_chat_item(self, work_item_id: Any) -> dict[str, Any]:
        from fakes.core.errors import ControlError

        id18 = normalize_id(work_item_id)
        item = self.store.get(id18) if id18 else None
        if item is None or self.store.sobject_of(item["Id"]) != "LiveChatTranscript":
            raise ControlError(f"no chat {work_item_id!r}", status=404, error="not_found")
        self.transcripts.setdefault(item["Id"], [])
        return item

    def _message(self, work_item_id: str, sender: str, text: str, user_id: str | None = None) -> None:
        self.transcripts.setdefault(work_item_id, []).append(
            ChatLine(sender, text, sf_datetime(self._now()), user_id))
        data: dict[str, Any] = {"workItemId": work_item_id, "from": sender, "text": text}
        if user_id:
            data["userId"] = user_id
        self.fake.emit("chat.message", data)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _transcript_body(lines: list[ChatLine]) -> str | None:
    if not lines:
        return None
    from html import escape

    return "".join(f"<p><b>{'Visitor' if line.sender == 'customer' else 'Agent'}</b>: {escape(line.text)}</p>"
                   for line in lines)
