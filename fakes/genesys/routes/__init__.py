"""HTTP surface of the Genesys fake: a route table whose entries name their request and response schemas."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from flask import Flask

from ...core.routes import RouteSpec, RouteTable
from . import control

if TYPE_CHECKING:
    from ..model.fake import GenesysFake


def _areas() -> tuple[ModuleType, ...]:
    """One module per API area; each has `build(fake) -> Api`."""
    from . import conversations, notifications, oauth, presence, routing, users

    return oauth, users, presence, routing, conversations, notifications


ROUTES = RouteTable(_areas)


def all_specs() -> list[RouteSpec]:
    """Every operation of the Platform API the fake serves; no fake instance is needed."""
    return ROUTES.all_specs()


def register_routes(app: Flask, fake: GenesysFake) -> None:
    ROUTES.register(app, fake)
    app.register_blueprint(control.build(fake), url_prefix="/_fake/genesys")


def spec_for(app: Flask, method: str, path: str) -> tuple[RouteSpec, dict[str, Any]] | None:
    """The route spec serving `method path` on `app` and its view arguments, if any (the tests' response checks)."""
    return ROUTES.spec_for(app, method, path)
