"""Routing: queues, queue members, and wrap-up codes (org and per queue)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request

from ...core.routes import Api, empty, reply
from ..presence import SYSTEM_PRESENCES, RoutingStatus
from ..views import serialize
from .parse import bool_arg, enum_arg, enum_list_arg, json_body, list_arg, paging

if TYPE_CHECKING:
    from ..models import GenesysFake

MEMBER_EXPAND = ["routingStatus", "presence", "conversationSummary", "outOfOffice", "skills", "languages"]


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_routing")

    @api.route("GET", "/api/v2/routing/queues", response="queue-entity-listing")
    def queues():
        fake.authenticate()
        number, size = paging(max_size=500)
        order = enum_arg("sortOrder", "sortOrder", ["asc", "desc", "score"], "asc")
        name = request.args.get("name")
        wanted = set(list_arg("id"))
        with fake.lock:
            found = [q for q in fake.org.queues.values() if (not wanted or q.id in wanted) and _name_matches(q.name, name)]
            found.sort(key=lambda q: q.name.lower(), reverse=order == "desc")
            items = [serialize.queue(fake, q) for q in found]
        return reply(serialize.page(items, number, size, "/api/v2/routing/queues", {"name": name}))

    @api.route("GET", "/api/v2/routing/queues/me", response="user-queue-entity-listing")
    def queues_me():
        principal = fake.authenticate()
        number, size = paging(max_size=500)
        joined = bool_arg("joined", None)
        with fake.lock:
            user = fake.me(principal)
            items = serialize.user_queues(fake, user.id, joined)
        return reply(serialize.page(items, number, size, "/api/v2/routing/queues/me"))

    @api.route("GET", "/api/v2/routing/queues/<queue_id>", response="queue")
    def queue(queue_id: str):
        fake.authenticate()
        with fake.lock:
            return reply(serialize.queue(fake, fake.get_queue(queue_id)))

    @api.route("PUT", "/api/v2/routing/queues/<queue_id>", request="queue-request", response="queue")
    def put_queue(queue_id: str):
        fake.authenticate()
        body = json_body("queue-request")
        with fake.lock:
            return reply(serialize.queue(fake, fake.put_queue(queue_id, body)))

    @api.route("GET", "/api/v2/routing/queues/<queue_id>/members", response="queue-member-entity-listing")
    def members(queue_id: str):
        fake.authenticate()
        number, size = paging(max_size=100)
        expand = enum_list_arg("expand", "QueueMemberExpand", MEMBER_EXPAND)
        joined = bool_arg("joined", None)
        statuses = enum_list_arg("routingStatus", "RoutingStatus", [s.value for s in RoutingStatus])
        presences = enum_list_arg("presence", "SystemPresence", [p.label for p in SYSTEM_PRESENCES]
                                  + [p.upper for p in SYSTEM_PRESENCES])
        name = request.args.get("name")
        with fake.lock:
            q = fake.get_queue(queue_id)
            items = []
            for m in q.members.values():
                u = fake.org.users[m.user_id]
                if joined is not None and m.joined != joined:
                    continue
                if statuses and u.routing_status.value not in statuses:
                    continue
                if presences and not ({serialize.BY_ID[u.presence_id].label, serialize.BY_ID[u.presence_id].upper}
                                      & set(presences)):
                    continue
                if not _name_matches(u.name, name):
                    continue
                items.append(serialize.queue_member(fake, q, m, expand))
        return reply(serialize.page(items, number, size, f"/api/v2/routing/queues/{queue_id}/members",
                                    {"expand": expand}, full=False))

    @api.route("POST", "/api/v2/routing/queues/<queue_id>/members", request="queue-member-ids", status=204)
    def post_members(queue_id: str):
        fake.authenticate()
        delete = bool_arg("delete", False)
        body = json_body("queue-member-ids")
        fake.post_queue_members(queue_id, [item["id"] for item in body], bool(delete))
        return empty(204)

    @api.route("PATCH", "/api/v2/routing/queues/<queue_id>/members", request="queue-member-joins",
               response="queue-member-entity-listing")
    def patch_members(queue_id: str):
        fake.authenticate()
        body = json_body("queue-member-joins")
        with fake.lock:
            q = fake.get_queue(queue_id)
            for item in body:
                fake.set_member_joined(queue_id, item["id"], item.get("joined", True))
            items = [serialize.queue_member(fake, q, q.members[item["id"]], []) for item in body]
        return reply(serialize.page(items, 1, 100, f"/api/v2/routing/queues/{queue_id}/members", full=False))

    @api.route("GET", "/api/v2/routing/queues/<queue_id>/wrapupcodes", response="wrapup-code-entity-listing")
    def queue_wrapup_codes(queue_id: str):
        fake.authenticate()
        number, size = paging(max_size=500)
        name = request.args.get("name")
        with fake.lock:
            q = fake.get_queue(queue_id)
            codes = [fake.org.wrapup_codes[c] for c in q.wrapup_code_ids if c in fake.org.wrapup_codes]
            items = [serialize.wrapup_code_full(fake, c) for c in codes if _name_matches(c.name, name)]
        return reply(serialize.page(items, number, size, f"/api/v2/routing/queues/{queue_id}/wrapupcodes"))

    @api.route("GET", "/api/v2/routing/wrapupcodes", response="wrapup-code-entity-listing")
    def wrapup_codes():
        fake.authenticate()
        number, size = paging(max_size=500)
        sort_by = enum_arg("sortBy", "sortBy", ["name", "id"], "name")
        order = enum_arg("sortOrder", "sortOrder", ["ascending", "descending"], "ascending")
        name = request.args.get("name")
        wanted = set(list_arg("id"))
        with fake.lock:
            codes = [c for c in fake.org.wrapup_codes.values()
                     if (not wanted or c.id in wanted) and _name_matches(c.name, name)]
            codes.sort(key=lambda c: c.name.lower() if sort_by == "name" else c.id, reverse=order == "descending")
            items = [serialize.wrapup_code_full(fake, c) for c in codes]
        return reply(serialize.page(items, number, size, "/api/v2/routing/wrapupcodes"))

    @api.route("GET", "/api/v2/routing/wrapupcodes/<code_id>", response="wrapup-code")
    def wrapup_code(code_id: str):
        fake.authenticate()
        with fake.lock:
            code = fake.org.wrapup_codes.get(code_id)
            if code is None:
                from ..errors import not_found

                raise not_found(code="resource.not.found")
            return reply(serialize.wrapup_code_full(fake, code))

    return api


def _name_matches(value: str, pattern: str | None) -> bool:
    """`name=` filters: `*` wildcards, case-insensitive; no wildcard = exact name."""
    if not pattern:
        return True
    import fnmatch

    return fnmatch.fnmatch(value.lower(), pattern.lower())
