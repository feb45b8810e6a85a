"""Omni-Channel service presence: an agent's presence status, its channels, logging in and out (UserServicePresence)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .console import ConsoleBackend
from .omni import AgentState, OmniState, Tab, WorkStatus
from .org import SalesforceOrg
from .routing import RoutingBackend
from .store import Transaction, sf_datetime


@dataclass(frozen=True)
class ServicePresence:
    """An agent's current presence status (ServicePresenceStatus) and the service channels it serves."""

    status: dict[str, Any]
    channels: list[dict[str, Any]]


class PresenceBackend:
    """`setServicePresenceStatus`, `login`, `logout`, `getServicePresenceStatusId` / `...Channels`."""

    def __init__(self, org: SalesforceOrg, omni: OmniState, routing: RoutingBackend, console: ConsoleBackend) -> None:
        self.org = org
        self.omni = omni
        self.routing = routing
        self.console = console

    def get_service_presence_status(self, user_id: str) -> ServicePresence:
        """`getServicePresenceStatusId` and `getServicePresenceStatusChannels`."""
        with self.org.lock:
            return self._current(self.omni.agent(user_id))

    def _current(self, agent: AgentState) -> ServicePresence:
        self.omni.require_logged_in(agent.user_id)
        status = self.omni.store.get(agent.status_id or "")
        assert status is not None, "a presence status an agent holds is never deleted"
        return ServicePresence(status, self.omni.status_channels(agent.status_id))

    def login(self, user_id: str, status_id: Any) -> bool:
        """`login`: the agent logs in to Omni-Channel with a presence status."""
        self.set_service_presence_status(user_id, status_id)
        return True

    def set_service_presence_status(self, user_id: str, status_id: Any) -> ServicePresence:
        """`setServicePresenceStatus`: logs the agent in when offline."""
        with self.org.lock:
            self.omni.user(user_id)
            status = self.omni.presence_status(status_id)
            agent = self.omni.agent(user_id)
            if agent.status_id == status["Id"]:
                return self._current(agent)
            with self.org.transaction(user_id) as tx:
                if agent.status_id is not None and self.org.config.status_change_unavailable:
                    kept = {c["Id"] for c in self.omni.status_channels(status["Id"])}
                    for work in self.omni.store.find("AgentWork", UserId=user_id, Status=WorkStatus.ASSIGNED.value):
                        if work["ServiceChannelId"] not in kept:
                            self.routing.unavailable(tx, work)
                self._end_presence(tx, agent)
                channels = self.omni.status_channels(status["Id"])
                record = tx.create("UserServicePresence", {
                    "UserId": user_id, "ServicePresenceStatusId": status["Id"], "IsCurrentState": True,
                    "IsAway": not channels, "StatusStartDate": sf_datetime(self.omni.now()),
                    "ConfiguredCapacity": self.org.config.agent_capacity,
                    "ConfiguredInterruptCapacity": 0}, owner_id=user_id)
                if agent.status_id is None:
                    agent.session_id = record["Id"]
                agent.status_id = status["Id"]
                agent.presence_id = record["Id"]
            self.org.emit("console.presence", {"userId": user_id, "statusId": status["Id"],
                                                "statusDeveloperName": status["DeveloperName"]})
            return self._current(agent)

    def logout(self, user_id: str) -> bool:
        """`logout`: out of Omni-Channel; Assigned work becomes Unavailable, Opened work closes (inferred)."""
        with self.org.lock:
            self.omni.user(user_id)
            agent = self.omni.agent(user_id)
            if agent.status_id is None:
                # inferred: logging out when already offline resolves without a change
                return True
            closed: list[Tab] = []
            with self.org.transaction(user_id) as tx:
                for work in self.omni.store.find("AgentWork", UserId=user_id):
                    if work["Status"] == WorkStatus.ASSIGNED:
                        self.routing.unavailable(tx, work)
                    elif work["Status"] == WorkStatus.OPENED and self.org.config.logout_closes_opened_work:
                        tab = self.console.close_work(tx, work, agent)
                        if tab is not None:
                            closed.append(tab)
                self._end_presence(tx, agent)
                agent.status_id = None
                agent.presence_id = None
            for tab in closed:
                self.omni.tab_event(user_id, tab, "closed")
            self.org.emit("console.presence", {"userId": user_id, "statusId": None, "statusDeveloperName": None})
            return True

    def _end_presence(self, tx: Transaction, agent: AgentState) -> None:
        record = self.omni.store.get(agent.presence_id) if agent.presence_id else None
        if record is None or not record["IsCurrentState"]:
            return
        tx.update(record, {"IsCurrentState": False, "StatusEndDate": sf_datetime(self.omni.now()),
                           "StatusDuration": self.omni.seconds_since(record["StatusStartDate"])})
