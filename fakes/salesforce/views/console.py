"""Console bridge answers: what each Omni-Channel toolkit method's promise resolves to (DESIGN §4.2, §6.1)."""

from __future__ import annotations

import json
from typing import Any

from ..model.console import Workload
from ..model.omni import WorkStatus
from ..model.presence import ServicePresence

# The toolkit methods the bridge serves (`POST /omni-toolkit/v1/users/{userId}/{method}`), then the agent's UI
# actions the toolkit lacks.
TOOLKIT_METHODS = ("setServicePresenceStatus", "login", "logout", "getServicePresenceStatusId",
                   "getServicePresenceStatusChannels", "acceptAgentWork", "declineAgentWork", "closeAgentWork",
                   "getAgentWorks", "getAgentWorkload", "endChat", "closeTab", "transferChat", "sendMessage")


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def channels_json(presence: ServicePresence) -> str:
    """The status's channels as the toolkit hands them over: JSON text of [{channelId, developerName}]."""
    return json.dumps([{"channelId": c["Id"], "developerName": c["DeveloperName"]} for c in presence.channels], allow_nan=False)


def status_id(presence: ServicePresence) -> dict[str, Any]:
    """`getServicePresenceStatusId`."""
    status = presence.status
    return {"statusId": status["Id"], "statusName": status["MasterLabel"], "statusApiName": status["DeveloperName"]}


def status(presence: ServicePresence) -> dict[str, Any]:
    """`setServicePresenceStatus`: the status with its channels."""
    return {**status_id(presence), "channels": channels_json(presence)}


def status_channels(presence: ServicePresence) -> dict[str, Any]:
    """`getServicePresenceStatusChannels`."""
    return {"channels": channels_json(presence)}


def agent_works(works: list[dict[str, Any]]) -> dict[str, str]:
    """`getAgentWorks`: JSON text of [{workId, workItemId, isEngaged}]."""
    return {"works": json.dumps([{"workId": w["Id"], "workItemId": w["WorkItemId"],
                                  "isEngaged": w["Status"] == WorkStatus.OPENED} for w in works], allow_nan=False)}


def workload(load: Workload) -> dict[str, Any]:
    """`getAgentWorkload`."""
    return {"configuredCapacity": load.configured_capacity, "currentWorkload": _number(load.current_workload),
            "configuredInterruptibleCapacity": 0, "currentInterruptibleWorkload": 0}
