"""Presence definitions: `/api/v2/presence/definitions`, the deprecated `/api/v2/presencedefinitions`, `/systempresences`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.routes import Api, reply
from ..model import presence
from ..views import serialize
from .parse import authenticate, enum_arg, paging

if TYPE_CHECKING:
    from ..model.fake import GenesysFake


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_presence")

    @api.route("GET", "/api/v2/presence/definitions", response="presence-definition-listing")
    def definitions():
        authenticate(fake)
        deactivated = enum_arg("deactivated", "boolean", ["true", "false"], "false")
        items = [serialize.presence_definition(p) for p in presence.definitions(retired=deactivated == "true")]
        return reply({"total": len(items), "entities": items, "selfUri": "/api/v2/presence/definitions"})

    @api.route("GET", "/api/v2/presence/definitions/<definition_id>", response="presence-definition")
    def definition(definition_id: str):
        authenticate(fake)
        return reply(serialize.presence_definition(presence.definition(definition_id)))

    @api.route("GET", "/api/v2/presencedefinitions", response="legacy-presence-listing")
    def legacy_definitions():
        authenticate(fake)
        number, size = paging(max_size=100)
        deleted = enum_arg("deleted", "deleted", ["true", "false", "all"], "false")
        items = [serialize.legacy_presence_definition(fake, p) for p in presence.definitions(retired=deleted == "true")]
        return reply(serialize.page(items, number, size, "/api/v2/presencedefinitions"))

    @api.route("GET", "/api/v2/presencedefinitions/<definition_id>", response="legacy-presence")
    def legacy_definition(definition_id: str):
        authenticate(fake)
        return reply(serialize.legacy_presence_definition(fake, presence.definition(definition_id)))

    @api.route("GET", "/api/v2/systempresences", response="system-presence-list")
    def system_presences():
        authenticate(fake)
        return reply(serialize.system_presences())

    return api
