"""Presence definitions: `/api/v2/presence/definitions`, the deprecated `/api/v2/presencedefinitions`, `/systempresences`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.routes import Api, reply
from ..errors import not_found
from ..presence import BY_ID, SYSTEM_PRESENCES, SystemPresence
from ..views import serialize
from .parse import enum_arg, paging

if TYPE_CHECKING:
    from ..models import GenesysFake


def _definition(definition_id: str) -> SystemPresence:
    p = BY_ID.get(definition_id)
    if p is None:
        raise not_found()
    return p


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_presence")

    @api.route("GET", "/api/v2/presence/definitions", response="presence-definition-listing")
    def definitions():
        fake.authenticate()
        deactivated = enum_arg("deactivated", "boolean", ["true", "false"], "false")
        items = [] if deactivated == "true" else [serialize.presence_definition(p) for p in SYSTEM_PRESENCES]
        return reply({"total": len(items), "entities": items, "selfUri": "/api/v2/presence/definitions"})

    @api.route("GET", "/api/v2/presence/definitions/<definition_id>", response="presence-definition")
    def definition(definition_id: str):
        fake.authenticate()
        p = _definition(definition_id)
        return reply(serialize.presence_definition(p))

    @api.route("GET", "/api/v2/presencedefinitions", response="legacy-presence-listing")
    def legacy_definitions():
        fake.authenticate()
        number, size = paging(max_size=100)
        deleted = enum_arg("deleted", "deleted", ["true", "false", "all"], "false")
        items = [] if deleted == "true" else [serialize.legacy_presence_definition(fake, p) for p in SYSTEM_PRESENCES]
        return reply(serialize.page(items, number, size, "/api/v2/presencedefinitions"))

    @api.route("GET", "/api/v2/presencedefinitions/<definition_id>", response="legacy-presence")
    def legacy_definition(definition_id: str):
        fake.authenticate()
        p = _definition(definition_id)
        return reply(serialize.legacy_presence_definition(fake, p))

    @api.route("GET", "/api/v2/systempresences", response="system-presence-list")
    def system_presences():
        fake.authenticate()
        return reply(serialize.system_presences())

    return api
