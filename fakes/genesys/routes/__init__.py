"""HTTP surface of the Genesys fake: a route table whose entries name their request and response schemas."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from flask import Flask

from ...core.routes import RouteSpec
from ...core.routes import spec_for as _spec_for
from . import control, conversations, notifications, oauth, presence, routing, users

if TYPE_CHECKING:
    from ..model.fake import GenesysFake

# One module per API area; each has `build(fake) -> Api`.
AREAS: tuple[ModuleType, ...] = (oauth, users, presence, routing, conversations, notifications)
ROUTE_SPECS: dict[str, RouteSpec] = {}


def all_specs() -> list[RouteSpec]:
    """Every operation of the Platform API the fake serves (handlers reach the fake only when called, so none is
    needed here)."""
    out = []
    for area in AREAS:
        out += area.build(None).specs
    for spec in out:
        ROUTE_SPECS.setdefault(spec.endpoint, spec)
    return out


def register_routes(app: Flask, fake: GenesysFake) -> None:
    for area in AREAS:
        api = area.build(fake)
        app.register_blueprint(api.blueprint)
        for spec in api.specs:
            ROUTE_SPECS[spec.endpoint] = spec
    app.register_blueprint(control.build(fake), url_prefix="/_fake/genesys")


def spec_for(app: Flask, method: str, path: str) -> RouteSpec | None:
    """The route spec serving `method path` on `app`, if any (used by the tests' response checks)."""
    return _spec_for(app, ROUTE_SPECS, method, path)
