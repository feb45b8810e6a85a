"""Console bridge: the Omni-Channel toolkit over HTTP, `POST /omni-toolkit/v1/users/{userId}/{method}` (DESIGN §4.2).

The body is the toolkit method's argument object; the answer is the value its promise resolves to. Who may act
for which agent is `ConsoleBackend.check_acting_for`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import g, request

from ...core.routes import Api
from ..errors import required_missing, toolkit_body, unknown_toolkit_method
from ..views import console as view
from .parse import act_as, bearer_token, json_body, json_response

if TYPE_CHECKING:
    from ..model.fake import SalesforceFake

PREFIX = "/omni-toolkit/v1/users"

Handler = Callable[[str, dict[str, Any]], Any]


def _arg(body: dict[str, Any], name: str, required: bool = True) -> Any:
    value = body.get(name)
    if required and (value is None or value == ""):
        raise required_missing(name)
    return value


def toolkit_methods(fake: SalesforceFake) -> dict[str, Handler]:
    """Each toolkit method: its arguments from the body, the backend operation, the answer's wire shape."""
    presence, console = fake.presence, fake.console
    return {
        "setServicePresenceStatus": lambda u, b: view.status(presence.set_service_presence_status(u, _arg(b, "statusId"))),
        "login": lambda u, b: presence.login(u, _arg(b, "statusId")),
        "logout": lambda u, b: presence.logout(u),
        "getServicePresenceStatusId": lambda u, b: view.status_id(presence.get_service_presence_status(u)),
        "getServicePresenceStatusChannels": lambda u, b: view.status_channels(presence.get_service_presence_status(u)),
        "acceptAgentWork": lambda u, b: console.accept_agent_work(u, _arg(b, "workId")),
        "declineAgentWork": lambda u, b: console.decline_agent_work(u, _arg(b, "workId"), b.get("declineReason")),
        "closeAgentWork": lambda u, b: console.close_agent_work(u, _arg(b, "workId")),
        "getAgentWorks": lambda u, b: view.agent_works(console.get_agent_works(u)),
        "getAgentWorkload": lambda u, b: view.workload(console.get_agent_workload(u)),
        "endChat": lambda u, b: console.end_chat(u, _arg(b, "workItemId")),
        "closeTab": lambda u, b: console.close_tab(u, _arg(b, "workId")),
        "transferChat": lambda u, b: console.transfer_chat(u, _arg(b, "workItemId"), b.get("toUserId"), b.get("toQueue")),
        "sendMessage": lambda u, b: console.send_message(u, _arg(b, "workItemId"), _arg(b, "text")),
    }


def build(fake: SalesforceFake) -> Api:
    api = Api("salesforce_console_bridge")

    @api.route("POST", f"{PREFIX}/<user_id>/<method>", request="console-{method}-request",
               response="console-{method}-answer", error="error")
    def call(user_id: str, method: str):
        session = act_as(fake.auth.authenticate(bearer_token()))
        handler = toolkit_methods(fake).get(method)
        if handler is None:
            raise unknown_toolkit_method(method)
        agent_id = fake.console.agent_id(user_id)
        g.actor = {**g.actor, "actingFor": agent_id}
        fake.console.check_acting_for(session.user_id, agent_id)
        body = json_body() if request.get_data(cache=True).strip() else {}
        if not isinstance(body, dict):
            raise toolkit_body()
        return json_response(handler(agent_id, body))

    return api
