"""HTTP surface of the Salesforce fake: a route table whose entries name their request and response schemas.

Schema names may hold `{placeholder}`s filled from the route's view arguments (`record-{sobject}`,
`console-{method}-answer`).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from flask import Flask

from ...core.routes import RouteSpec, match_spec

if TYPE_CHECKING:
    from ..model.fake import SalesforceFake

ROUTE_SPECS: dict[str, RouteSpec] = {}


def _modules() -> tuple[ModuleType, ...]:
    from . import console, customers, oauth, rest, streaming

    return rest, console, customers, oauth, streaming


def all_specs() -> list[RouteSpec]:
    """Every operation of the fake's API (handlers reach the fake only when called, so none is needed here)."""
    out: list[RouteSpec] = []
    for module in _modules():
        out += module.build(None).specs
    for spec in out:
        ROUTE_SPECS.setdefault(spec.endpoint, spec)
    return out


def register_routes(app: Flask, fake: SalesforceFake) -> None:
    for module in _modules():
        api = module.build(fake)
        app.register_blueprint(api.blueprint)
        for spec in api.specs:
            ROUTE_SPECS[spec.endpoint] = spec


def spec_for(app: Flask, method: str, path: str) -> tuple[RouteSpec, dict[str, Any]] | None:
    """The route spec serving `method path` on `app` and its view arguments, if any (the tests' response checks)."""
    return match_spec(app, ROUTE_SPECS, method, path)
