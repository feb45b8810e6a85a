"""HTTP surface of the Salesforce fake: a route table whose entries name their request and response schemas.

Schema names may hold `{placeholder}`s filled from the route's view arguments (`record-{sobject}`,
`console-{method}-answer`).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from flask import Flask

from ...core.routes import RouteSpec, RouteTable

if TYPE_CHECKING:
    from ..model.fake import SalesforceFake


def _modules() -> tuple[ModuleType, ...]:
    from . import console, customers, oauth, rest, streaming

    return rest, console, customers, oauth, streaming


ROUTES = RouteTable(_modules)


def all_specs() -> list[RouteSpec]:
    """Every operation of the fake's API; no fake instance is needed."""
    return ROUTES.all_specs()


def register_routes(app: Flask, fake: SalesforceFake) -> None:
    ROUTES.register(app, fake)


def spec_for(app: Flask, method: str, path: str) -> tuple[RouteSpec, dict[str, Any]] | None:
    """The route spec serving `method path` on `app` and its view arguments, if any (the tests' response checks)."""
    return ROUTES.spec_for(app, method, path)
