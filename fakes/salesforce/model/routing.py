"""Omni-Channel routing: the partner's PendingServiceRouting and AgentWork inserts, push time-outs, hand-backs."""

from __future__ import annotations

from typing import Any

from ..errors import agent_work_not_deletable, duplicate_routing, integrity
from .omni import ACTIVE_WORK, DELETABLE_WORK, AgentState, OmniState, WorkStatus
from .org import SalesforceOrg
from .store import Transaction, sf_datetime


class RoutingBackend:
    """Routing requests and the work pushed to agents; each public method is one atomic operation."""

    def __init__(self, org: SalesforceOrg, omni: OmniState) -> None:
        self.org = org
        self.omni = omni

    def raise_routing(self, tx: Transaction, work_item: dict[str, Any], channel_id: str, queue: dict[str, Any],
                       transfer_from: str | None = None) -> dict[str, Any]:
        config = self.omni.routing_config(queue) or {}
        return tx.create("PendingServiceRouting", {
            "WorkItemId": work_item["Id"], "ServiceChannelId": channel_id, "GroupId": queue["Id"],
            "QueueId": queue["Id"], "RoutingModel": config.get("RoutingModel") or "ExternalRouting",
            "RoutingType": "QueueBased", "IsReadyForRouting": True, "IsPushed": False, "IsPushAttempted": False,
            "IsTransfer": transfer_from is not None, "Serial": 1,
            "CapacityWeight": config.get("CapacityWeight"), "CapacityPercentage": config.get("CapacityPercentage"),
            "RoutingPriority": config.get("RoutingPriority"), "PushTimeout": config.get("PushTimeout"),
            "TransferRequesterId": transfer_from,
        }, owner_id=queue["Id"])

    def bump(self, tx: Transaction, psr: dict[str, Any], values: dict[str, Any]) -> None:
        tx.update(psr, {**values, "Serial": (psr["Serial"] or 0) + 1})

    def insert_routing(self, values: dict[str, Any], user_id: str, origin: str) -> str:
        """REST create of a PendingServiceRouting (values already validated field by field)."""
        with self.org.lock:
            channel = self.omni.store.get(values["ServiceChannelId"])
            item_type = self.omni.store.sobject_of(values["WorkItemId"])
            if channel["RelatedEntity"] != item_type:
                raise integrity("The work item doesn't match the service channel's object.", ["WorkItemId"])
            if self.omni.live_routing(values["WorkItemId"]) is not None:
                # inferred: one routing request per work item
                raise duplicate_routing(self.omni.live_routing(values["WorkItemId"])["Id"])
            group = values.get("GroupId") or values.get("QueueId")
            values = {**values, "GroupId": group, "QueueId": group, "Serial": 1, "IsPushed": False,
                      "IsPushAttempted": False, "IsTransfer": False}
            owner = values.pop("OwnerId", None) or group
            with self.org.transaction(user_id, origin) as tx:
                return tx.create("PendingServiceRouting", values, owner_id=owner)["Id"]

    def update_routing(self, record: dict[str, Any], values: dict[str, Any], user_id: str, origin: str) -> None:
        with self.org.lock:
            if record["IsReadyForRouting"] and set(values) - {"IsReadyForRouting"}:
                raise integrity("A routing request that is ready for routing can't be edited.")
            if "GroupId" in values or "QueueId" in values:
                group = values.get("GroupId", values.get("QueueId"))
                values = {**values, "GroupId": group, "QueueId": group}
            with self.org.transaction(user_id, origin) as tx:
                self.bump(tx, record, values)

    def record_deleted(self, sobject: str, record: dict[str, Any]) -> None:
        if sobject == "UserServicePresence":
            for agent in self.omni.agents.values():
                if agent.presence_id == record["Id"]:
                    agent.presence_id = None
        if sobject == "AgentWork":
            timer = self.omni.timers.pop(record["Id"], None)
            if timer is not None:
                timer.cancel()

    # -- AgentWork ----------------------------------------------------------------------------------
    def insert_agent_work(self, values: dict[str, Any], user_id: str, origin: str) -> str:
        """REST create of an AgentWork by the routing partner: checked, then pushed (Assigned)."""
        with self.org.lock:
            agent_id = values["UserId"]
            user = self.omni.store.get(agent_id)
            if not user["IsActive"] or user["UserType"] != "Standard":
                raise integrity("The user can't receive Omni-Channel work.", ["UserId"])
            channel = self.omni.store.get(values["ServiceChannelId"])
            item = self.omni.store.get(values["WorkItemId"])
            if channel["RelatedEntity"] != self.omni.store.sobject_of(item["Id"]):
                raise integrity("The work item doesn't match the service channel's object.", ["ServiceChannelId"])
            psr = self.omni.store.get(values["PendingServiceRoutingId"]) if values.get("PendingServiceRoutingId") \
                else self.omni.live_routing(item["Id"])
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
            kind = self.omni.kind_of(item)
            if kind is not None and kind.is_finished(item):
                raise integrity("The work item is no longer active.", ["WorkItemId"])
            agent = self.omni.agent(agent_id)
            if channel["Id"] not in {c["Id"] for c in self.omni.status_channels(agent.status_id)}:
                raise integrity("The user isn't logged in to Omni-Channel with a presence status for this service "
                                "channel.", ["UserId"])
            if any(w["UserId"] == agent_id for w in self.omni.works_for_item(item["Id"], *ACTIVE_WORK)):
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
                if self.omni.workload(agent_id) + self.omni.capacity_units(work) > self.org.config.agent_capacity + 1e-9:
                    raise integrity("The user doesn't have enough capacity for this work item.", ["UserId"])
            for key in ("BotId", "BotType", "ExternalBotId", "TransferRequesterId"):
                if values.get(key) is not None:
                    work[key] = values[key]
            work.update(self._routing_copy(psr, channel))
            work["RequestDateTime"] = psr["CreatedDate"]
            with self.org.transaction(user_id, origin) as tx:
                # The partner's insert pushes the request: PSR update first, then the AgentWork (reference §5).
                self.bump(tx, psr, {"IsPushed": True, "IsPushAttempted": True})
                record = self.assign(tx, work, values.get("OwnerId") or agent_id)
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

    def assign(self, tx: Transaction, work: dict[str, Any], owner_id: str) -> dict[str, Any]:
        work = {**work, "Status": WorkStatus.ASSIGNED.value, "AssignedDateTime": sf_datetime(self.omni.now())}
        work.setdefault("RequestDateTime", work["AssignedDateTime"])
        record = tx.create("AgentWork", work, owner_id=owner_id)
        timeout = record.get("PushTimeout")
        if timeout:
            work_id = record["Id"]
            self.omni.timers[work_id] = self.org.clock.call_later(
                float(timeout), lambda: self._push_timed_out(work_id), name=f"push-timeout {work_id}")
        return record

    def hand_back(self, tx: Transaction, work: dict[str, Any], declined_by: AgentState | None) -> None:
        """The routing request is no longer pushed, so the partner routes it again."""
        psr = self.omni.store.get(work["PendingServiceRoutingId"]) if work.get("PendingServiceRoutingId") else None
        if psr is None:
            return
        values: dict[str, Any] = {"IsPushed": False}
        if declined_by is not None:
            values["LastDeclinedAgentSession"] = declined_by.session_id or declined_by.presence_id
        self.bump(tx, psr, values)

    def _push_timed_out(self, work_id: str) -> None:
        with self.org.lock:
            self.omni.timers.pop(work_id, None)
            work = self.omni.store.get(work_id)
            if work is None or work["Status"] != WorkStatus.ASSIGNED:
                return
            with self.org.transaction(None) as tx:
                tx.update(work, {"Status": WorkStatus.DECLINED_ON_PUSH_TIMEOUT.value,
                                 "PushTimeoutDateTime": sf_datetime(self.omni.now())})
                self.hand_back(tx, work, self.omni.agent(work["UserId"]))

    def unavailable(self, tx: Transaction, work: dict[str, Any]) -> None:
        self.omni.cancel_timer(work["Id"])
        tx.update(work, {"Status": WorkStatus.UNAVAILABLE.value})
        self.hand_back(tx, work, None)

    def check_agent_work_delete(self, record: dict[str, Any]) -> None:
        if record["Status"] not in DELETABLE_WORK:
            raise agent_work_not_deletable(record["Status"])
