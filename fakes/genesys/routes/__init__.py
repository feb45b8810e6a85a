"""HTTP surface of the Genesys fake: a route table whose entries name their request and response schemas."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from flask import Flask, request

from ...core.routes import RouteSpec, RouteTable
from ..config import MEDIA_CHAT
from ..errors import chat_removed
from . import control

if TYPE_CHECKING:
    from ..model.fake import GenesysFake


def _areas() -> tuple[ModuleType, ...]:
    """One module per API area; each has `build(fake) -> Api`."""
    from . import conversations, messaging, notifications, oauth, presence, routing, users

    return oauth, users, presence, routing, conversations, messaging, notifications


ROUTES = RouteTable(_areas)


def all_specs() -> list[RouteSpec]:
    """Every operation of the Platform API the fake serves; no fake instance is needed."""
    return ROUTES.all_specs()


CHAT_PATH = "/api/v2/conversations/chats"


def register_routes(app: Flask, fake: GenesysFake) -> None:
    ROUTES.register(app, fake)
    app.register_blueprint(control.build(fake), url_prefix="/_fake/genesys")

    @app.before_request
    def _chat_switched_off() -> None:
        """An org serving messaging only (`GenesysConfig.media`) has no chat routes: 404 as for an unknown path."""
        path = request.path.rstrip("/")
        if MEDIA_CHAT not in fake.config.media and (path == CHAT_PATH or path.startswith(CHAT_PATH + "/")):
            raise chat_removed()


def spec_for(app: Flask, method: str, path: str) -> tuple[RouteSpec, dict[str, Any]] | None:
    """The route spec serving `method path` on `app` and its view arguments, if any (the tests' response checks)."""
    return ROUTES.spec_for(app, method, path)
