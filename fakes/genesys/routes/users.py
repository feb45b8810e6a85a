"""Users: `/api/v2/users`, `/users/me`, `/users/{id}`, `/users/{id}/queues`, presence and routing status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.routes import Api, reply
from ..views import serialize
from .parse import bool_arg, enum_list_arg, json_body, list_arg, paging

if TYPE_CHECKING:
    from ..models import GenesysFake

# UserExpand values the API accepts (SDK docs); only presence and routingStatus change the body here.
USER_EXPAND = ["routingStatus", "presence", "integrationPresence", "conversationSummary", "outOfOffice",
               "geolocation", "station", "authorization", "lasttokenissued", "dateLastLogin", "authorization.unusedRoles",
               "team", "workPlanBidRanks", "profileSkills", "certifications", "locations", "groups", "skills",
               "languages", "languagePreference", "employerInfo", "biography", "externalContactsSettings"]


def _expand() -> list[str]:
    return enum_list_arg("expand", "UserExpand", USER_EXPAND)


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_users")

    @api.route("GET", "/api/v2/users", response="user-entity-listing")
    def users():
        fake.authenticate()
        number, size = paging(max_size=500)
        expand, wanted = _expand(), set(list_arg("id"))
        with fake.lock:
            items = [serialize.user(fake, u, expand) for u in fake.org.users.values() if not wanted or u.id in wanted]
        return reply(serialize.page(items, number, size, "/api/v2/users", {"expand": expand}))

    @api.route("GET", "/api/v2/users/me", response="user")
    def users_me():
        principal = fake.authenticate()
        expand = _expand()
        with fake.lock:
            return reply(serialize.user(fake, fake.me(principal), expand))

    @api.route("GET", "/api/v2/users/<user_id>", response="user")
    def user(user_id: str):
        fake.authenticate()
        expand = _expand()
        with fake.lock:
            return reply(serialize.user(fake, fake.get_user(user_id), expand))

    @api.route("GET", "/api/v2/users/<user_id>/queues", response="user-queue-entity-listing")
    def user_queues(user_id: str):
        fake.authenticate()
        number, size = paging(max_size=500)
        joined = bool_arg("joined", None)
        with fake.lock:
            fake.get_user(user_id)
            items = serialize.user_queues(fake, user_id, joined)
        return reply(serialize.page(items, number, size, f"/api/v2/users/{user_id}/queues"))

    @api.route("PATCH", "/api/v2/users/<user_id>/queues", request="user-queue-patch-request",
               response="user-queue-entity-listing")
    def patch_user_queues(user_id: str):
        fake.authenticate()
        body = json_body("user-queue-patch-request")
        with fake.lock:
            fake.get_user(user_id)
            for item in body:
                fake.set_member_joined(item["id"], user_id, item.get("joined", True))
            items = serialize.user_queues(fake, user_id)
        return reply(serialize.page(items, 1, max(25, len(items)), f"/api/v2/users/{user_id}/queues"))

    @api.route("GET", "/api/v2/users/<user_id>/presences/purecloud", response="user-presence")
    def user_presence(user_id: str):
        fake.authenticate()
        with fake.lock:
            return reply(serialize.user_presence(fake, fake.get_user(user_id)))

    @api.route("PATCH", "/api/v2/users/<user_id>/presences/purecloud", request="user-presence-request",
               response="user-presence")
    def patch_user_presence(user_id: str):
        fake.authenticate()
        body = json_body("user-presence-request")
        definition = (body.get("presenceDefinition") or {}).get("id")
        with fake.lock:
            user = fake.patch_user_presence(user_id, definition, body.get("message"))
            return reply(serialize.user_presence(fake, user))

    @api.route("GET", "/api/v2/users/<user_id>/routingstatus", response="routing-status")
    def routing_status(user_id: str):
        fake.authenticate()
        with fake.lock:
            user = fake.org.users.get(user_id)
            if user is None:
                # For a user that does not exist, the API answers OFF_QUEUE (reference §3).
                return reply({"userId": user_id, "status": "OFF_QUEUE"})
            return reply(serialize.routing_status(fake, user))

    @api.route("PUT", "/api/v2/users/<user_id>/routingstatus", request="routing-status-request",
               response="routing-status")
    def put_routing_status(user_id: str):
        fake.authenticate()
        body = json_body("routing-status-request")
        with fake.lock:
            user = fake.put_user_routing_status(user_id, body["status"])
            return reply(serialize.routing_status(fake, user))

    return api
