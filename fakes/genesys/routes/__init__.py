"""HTTP surface of the Genesys fake: a route table whose entries name their request and response schemas."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask

from ...core.routes import RouteSpec
from ...core.routes import spec_for as _spec_for

if TYPE_CHECKING:
    from ..models import GenesysFake


ROUTE_SPECS: dict[str, RouteSpec] = {}


def _modules() -> tuple[Any, ...]:
    from . import conversations, oauth, presence, routing, users

    return oauth, users, presence, routing, conversations


def all_specs() -> list[RouteSpec]:
    """Every operation of the model's API (handlers reach the fake only when called, so none is needed here)."""
    out = []
    for module in _modules():
        out += module.build(None).specs
    for spec in out:
        ROUTE_SPECS.setdefault(spec.endpoint, spec)
    return out


def register_routes(app: Flask, fake: GenesysFake) -> None:
    from . import conversations

    for module in _modules():
        api = module.build(fake)
        app.register_blueprint(api.blueprint)
        for spec in api.specs:
            ROUTE_SPECS[spec.endpoint] = spec
    app.register_blueprint(conversations.control_blueprint(fake), url_prefix="/_fake/genesys")


def spec_for(app: Flask, method: str, path: str) -> RouteSpec | None:
    """The route spec serving `method path` on `app`, if any (used by the tests' response checks)."""
    return _spec_for(app, ROUTE_SPECS, method, path)
