"""Routing: queues, queue members, and wrap-up codes (org and per queue)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request

from ...core.routes import Api, empty, reply
from ..model.presence import SYSTEM_PRESENCES, RoutingStatus
from ..views import serialize
from .parse import authenticate, authorize, bool_arg, enum_arg, enum_list_arg, json_body, list_arg, paging

if TYPE_CHECKING:
    from ..model.fake import GenesysFake

MEMBER_EXPAND = ["routingStatus", "presence", "conversationSummary", "outOfOffice", "skills", "languages"]
# Queue settings and members are admin calls (SDK docs); an agent's own token reads queues but changes none.
QUEUE_EDIT = ("routing:queue:edit",)
QUEUE_MEMBERS_MANAGE = ("routing:queue:edit", "routing:queueMember:manage")  # any of them


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_routing")

    @api.route("GET", "/api/v2/routing/queues", response="queue-entity-listing")
    def queues():
        authenticate(fake)
        number, size = paging(max_size=500)
        order = enum_arg("sortOrder", "sortOrder", ["asc", "desc", "score"], "asc")
        name = request.args.get("name")
        wanted = set(list_arg("id"))
        with fake.lock:
            items = [serialize.queue(fake, q) for q in fake.routing.queues(wanted, name, descending=order == "desc")]
        return reply(serialize.page(items, number, size, "/api/v2/routing/queues", {"name": name}))

    @api.route("GET", "/api/v2/routing/queues/me", response="user-queue-entity-listing")
    def queues_me():
        principal = authenticate(fake)
        number, size = paging(max_size=500)
        joined = bool_arg("joined", None)
        with fake.lock:
            user = fake.users.me(principal)
            items = serialize.user_queues(fake, user.id, fake.routing.user_queues(user.id, joined))
        return reply(serialize.page(items, number, size, "/api/v2/routing/queues/me"))

    @api.route("GET", "/api/v2/routing/queues/<queue_id>", response="queue")
    def queue(queue_id: str):
        authenticate(fake)
        with fake.lock:
            return reply(serialize.queue(fake, fake.routing.get_queue(queue_id)))

    @api.route("PUT", "/api/v2/routing/queues/<queue_id>", request="queue-request", response="queue")
    def put_queue(queue_id: str):
        authorize(fake, authenticate(fake), QUEUE_EDIT)
        body = json_body("queue-request")
        with fake.lock:
            return reply(serialize.queue(fake, fake.routing.put_queue(queue_id, body)))

    @api.route("GET", "/api/v2/routing/queues/<queue_id>/members", response="queue-member-entity-listing")
    def members(queue_id: str):
        authenticate(fake)
        number, size = paging(max_size=100)
        expand = enum_list_arg("expand", "QueueMemberExpand", MEMBER_EXPAND)
        joined = bool_arg("joined", None)
        statuses = enum_list_arg("routingStatus", "RoutingStatus", [s.value for s in RoutingStatus])
        presences = enum_list_arg("presence", "SystemPresence", [p.label for p in SYSTEM_PRESENCES]
                                  + [p.upper for p in SYSTEM_PRESENCES])
        name = request.args.get("name")
        with fake.lock:
            q, found = fake.routing.queue_members(queue_id, joined, statuses, presences, name)
            items = [serialize.queue_member(fake, q, m, expand) for m in found]
        return reply(serialize.page(items, number, size, f"/api/v2/routing/queues/{queue_id}/members",
                                    {"expand": expand}, full=False))

    @api.route("POST", "/api/v2/routing/queues/<queue_id>/members", request="queue-member-ids", status=204)
    def post_members(queue_id: str):
        authorize(fake, authenticate(fake), QUEUE_MEMBERS_MANAGE, any_of=True)
        delete = bool_arg("delete", False)
        body = json_body("queue-member-ids")
        fake.routing.post_queue_members(queue_id, [item["id"] for item in body], bool(delete))
        return empty(204)

    @api.route("PATCH", "/api/v2/routing/queues/<queue_id>/members", request="queue-member-joins",
               response="queue-member-entity-listing")
    def patch_members(queue_id: str):
        authorize(fake, authenticate(fake), QUEUE_MEMBERS_MANAGE, any_of=True)
        body = json_body("queue-member-joins")
        with fake.lock:
            q, changed = fake.routing.patch_queue_members(queue_id, body)
            items = [serialize.queue_member(fake, q, m, []) for m in changed]
        return reply(serialize.page(items, 1, 100, f"/api/v2/routing/queues/{queue_id}/members", full=False))

    @api.route("GET", "/api/v2/routing/queues/<queue_id>/wrapupcodes", response="wrapup-code-entity-listing")
    def queue_wrapup_codes(queue_id: str):
        authenticate(fake)
        number, size = paging(max_size=500)
        name = request.args.get("name")
        with fake.lock:
            items = [serialize.wrapup_code_full(fake, c) for c in fake.routing.queue_wrapup_codes(queue_id, name)]
        return reply(serialize.page(items, number, size, f"/api/v2/routing/queues/{queue_id}/wrapupcodes"))

    @api.route("GET", "/api/v2/routing/wrapupcodes", response="wrapup-code-entity-listing")
    def wrapup_codes():
        authenticate(fake)
        number, size = paging(max_size=500)
        sort_by = enum_arg("sortBy", "sortBy", ["name", "id"], "name")
        order = enum_arg("sortOrder", "sortOrder", ["ascending", "descending"], "ascending")
        name = request.args.get("name")
        wanted = set(list_arg("id"))
        with fake.lock:
            codes = fake.routing.wrapup_codes(wanted, name, sort_by or "name", descending=order == "descending")
            items = [serialize.wrapup_code_full(fake, c) for c in codes]
        return reply(serialize.page(items, number, size, "/api/v2/routing/wrapupcodes"))

    @api.route("GET", "/api/v2/routing/wrapupcodes/<code_id>", response="wrapup-code")
    def wrapup_code(code_id: str):
        authenticate(fake)
        with fake.lock:
            return reply(serialize.wrapup_code_full(fake, fake.routing.get_wrapup_code(code_id)))

    return api
