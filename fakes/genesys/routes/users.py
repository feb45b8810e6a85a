"""Users: `/api/v2/users`, `/users/me`, `/users/{id}`, `/users/{id}/queues`, presence and routing status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.routes import Api, reply
from ..views import serialize
from .parse import authenticate, authorize, bool_arg, enum_list_arg, json_body, list_arg, paging

if TYPE_CHECKING:
    from ..model.fake import GenesysFake

# UserExpand values the API accepts (SDK docs); only presence and routingStatus change the body here.
USER_EXPAND = ["routingStatus", "presence", "integrationPresence", "conversationSummary", "outOfOffice",
               "geolocation", "station", "authorization", "lasttokenissued", "dateLastLogin", "authorization.unusedRoles",
               "team", "workPlanBidRanks", "profileSkills", "certifications", "locations", "groups", "skills",
               "languages", "languagePreference", "employerInfo", "biography", "externalContactsSettings"]

# What another user's queues, presence and routing status need; an agent's own token may change only its own.
# The SDK docs list routing:queue:join (self) or routing:queueMember:manage for the queues; presence and routing
# status list no permission at all, so the names below are inferred.
QUEUE_MEMBER_MANAGE = ("routing:queueMember:manage",)
OTHER_USER_PRESENCE = ("presence:userPresence:edit",)  # inferred
OTHER_USER_ROUTING_STATUS = ("routing:agentStatus:edit",)  # inferred


def _expand() -> list[str]:
    return enum_list_arg("expand", "UserExpand", USER_EXPAND)


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_users")

    @api.route("GET", "/api/v2/users", response="user-entity-listing")
    def users():
        authenticate(fake)
        number, size = paging(max_size=500)
        expand, wanted = _expand(), set(list_arg("id"))
        with fake.lock:
            items = [serialize.user(fake, u, expand) for u in fake.users.users(wanted)]
        return reply(serialize.page(items, number, size, "/api/v2/users", {"expand": expand}))

    @api.route("GET", "/api/v2/users/me", response="user")
    def users_me():
        principal = authenticate(fake)
        expand = _expand()
        with fake.lock:
            return reply(serialize.user(fake, fake.users.me(principal), expand))

    @api.route("GET", "/api/v2/users/<user_id>", response="user")
    def user(user_id: str):
        authenticate(fake)
        expand = _expand()
        with fake.lock:
            return reply(serialize.user(fake, fake.users.get_user(user_id), expand))

    @api.route("GET", "/api/v2/users/<user_id>/queues", response="user-queue-entity-listing")
    def user_queues(user_id: str):
        authenticate(fake)
        number, size = paging(max_size=500)
        joined = bool_arg("joined", None)
        with fake.lock:
            items = serialize.user_queues(fake, user_id, fake.routing.user_queues(user_id, joined))
        return reply(serialize.page(items, number, size, f"/api/v2/users/{user_id}/queues"))

    @api.route("PATCH", "/api/v2/users/<user_id>/queues", request="user-queue-patch-request",
               response="user-queue-entity-listing")
    def patch_user_queues(user_id: str):
        authorize(fake, authenticate(fake), QUEUE_MEMBER_MANAGE, own=[user_id])
        body = json_body("user-queue-patch-request")
        with fake.lock:
            items = serialize.user_queues(fake, user_id, fake.routing.patch_user_queues(user_id, body))
        return reply(serialize.page(items, 1, max(25, len(items)), f"/api/v2/users/{user_id}/queues"))

    @api.route("GET", "/api/v2/users/<user_id>/presences/purecloud", response="user-presence")
    def user_presence(user_id: str):
        authenticate(fake)
        with fake.lock:
            return reply(serialize.user_presence(fake, fake.users.get_user(user_id)))

    @api.route("PATCH", "/api/v2/users/<user_id>/presences/purecloud", request="user-presence-request",
               response="user-presence")
    def patch_user_presence(user_id: str):
        authorize(fake, authenticate(fake), OTHER_USER_PRESENCE, own=[user_id])
        body = json_body("user-presence-request")
        definition = (body.get("presenceDefinition") or {}).get("id")
        with fake.lock:
            user = fake.users.patch_user_presence(user_id, definition, body.get("message"))
            return reply(serialize.user_presence(fake, user))

    @api.route("GET", "/api/v2/users/<user_id>/routingstatus", response="routing-status")
    def routing_status(user_id: str):
        authenticate(fake)
        with fake.lock:
            return reply(serialize.routing_status(fake, fake.users.routing_status_of(user_id)))

    @api.route("PUT", "/api/v2/users/<user_id>/routingstatus", request="routing-status-request",
               response="routing-status")
    def put_routing_status(user_id: str):
        authorize(fake, authenticate(fake), OTHER_USER_ROUTING_STATUS, own=[user_id])
        body = json_body("routing-status-request")
        with fake.lock:
            user = fake.users.put_user_routing_status(user_id, body["status"])
            return reply(serialize.routing_status(fake, user.routing))

    return api
