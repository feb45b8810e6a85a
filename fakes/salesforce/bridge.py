"""Console bridge: the Omni-Channel toolkit over HTTP, `POST /omni-toolkit/v1/users/{userId}/{method}` (DESIGN §4.2).

The body is the toolkit method's argument object; the answer is the value its promise resolves to. The
integration user's session may act for any agent; an agent's own session (e.g. from `POST /_fake/tokens`)
only for that agent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Blueprint, g, request

from .errors import SalesforceError
from .omni import refuse
from .store import normalize_id
from .web import current_session, json_body, json_response

if TYPE_CHECKING:
    from .models import SalesforceFake

PREFIX = "/omni-toolkit/v1/users"


def _arg(body: dict[str, Any], name: str, required: bool = True) -> Any:
    value = body.get(name)
    if required and (value is None or value == ""):
        raise SalesforceError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{name}]", [name])
    return value


def toolkit_methods(fake: SalesforceFake) -> dict[str, Callable[[str, dict[str, Any]], Any]]:
    omni = fake.omni

    def status_id(user_id: str, _: dict[str, Any]) -> dict[str, Any]:
        with fake.lock:
            answer = omni.status_answer(user_id)
        return {k: answer[k] for k in ("statusId", "statusName", "statusApiName")}

    def status_channels(user_id: str, _: dict[str, Any]) -> dict[str, Any]:
        with fake.lock:
            return {"channels": omni.status_answer(user_id)["channels"]}

    def login(user_id: str, body: dict[str, Any]) -> bool:
        omni.set_status(user_id, _arg(body, "statusId"))
        return True

    return {
        "setServicePresenceStatus": lambda u, b: omni.set_status(u, _arg(b, "statusId")),
        "login": login,
        "logout": lambda u, b: omni.logout(u),
        "getServicePresenceStatusId": status_id,
        "getServicePresenceStatusChannels": status_channels,
        "acceptAgentWork": lambda u, b: omni.accept(u, _arg(b, "workId")),
        "declineAgentWork": lambda u, b: omni.decline(u, _arg(b, "workId"), b.get("declineReason")),
        "closeAgentWork": lambda u, b: omni.close_work(u, _arg(b, "workId")),
        "getAgentWorks": lambda u, b: omni.agent_works(u),
        "getAgentWorkload": lambda u, b: omni.workload(u),
        # The agent's UI actions the toolkit lacks.
        "endChat": lambda u, b: omni.end_chat(u, _arg(b, "workItemId")),
        "closeTab": lambda u, b: omni.close_tab(u, _arg(b, "workId")),
        "transferChat": lambda u, b: omni.transfer(u, _arg(b, "workItemId"), b.get("toUserId"), b.get("toQueue")),
        "sendMessage": lambda u, b: omni.send_agent_message(u, _arg(b, "workItemId"), _arg(b, "text")),
    }


TOOLKIT_METHODS = ("setServicePresenceStatus", "login", "logout", "getServicePresenceStatusId",
                   "getServicePresenceStatusChannels", "acceptAgentWork", "declineAgentWork", "closeAgentWork",
                   "getAgentWorks", "getAgentWorkload", "endChat", "closeTab", "transferChat", "sendMessage")


def toolkit_method_names() -> tuple[str, ...]:
    return TOOLKIT_METHODS


def make_bridge_blueprint(fake: SalesforceFake) -> Blueprint:
    bp = Blueprint("salesforce_console_bridge", __name__)
    methods = toolkit_methods(fake)

    @bp.post(f"{PREFIX}/<user_id>/<method>")
    def call(user_id: str, method: str):
        session = current_session(fake)
        handler = methods.get(method)
        if handler is None:
            raise SalesforceError(404, "NOT_FOUND", f"The toolkit method {method} does not exist")
        agent_id = normalize_id(user_id)
        if agent_id is None:
            raise refuse(f"userId: id value of incorrect type: {user_id}", "MALFORMED_ID")
        if isinstance(g.get("actor"), dict):
            g.actor = {**g.actor, "actingFor": agent_id}
        if session.user_id != fake.integration_user_id and session.user_id != agent_id:
            raise refuse("This session can't act for another user's console.", "INSUFFICIENT_ACCESS")
        body = json_body() if request.get_data(cache=True).strip() else {}
        if not isinstance(body, dict):
            raise SalesforceError(400, "JSON_PARSER_ERROR",
                                  "The body must be a JSON object of the toolkit method's arguments")
        return json_response(handler(agent_id, body))

    return bp
