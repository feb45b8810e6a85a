"""The Genesys Platform API app: the shared fake app (journal, correlation ids, faults, control API) with the
Genesys blueprints, error rendering and the Platform API limits (`limits`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, g, has_request_context

from omni_harness.fakes.core import create_fake_app

from .routes import register_routes
from .routes.limits import install_limits

if TYPE_CHECKING:
    from .model.fake import GenesysFake


def _request_correlation_id() -> str:
    """The correlation id of the request being answered (`inin-correlation-id`, set by the fake app)."""
    return g.get("correlation_id", "") if has_request_context() else ""


def create_app(fake: GenesysFake) -> Flask:
    """The "api" listener of `fake`; errors render as the platform's ErrorBody (`fake.error`)."""
    app = create_fake_app(fake, __name__)
    install_limits(app, fake)  # after the fault rules of the shared app, before any handler
    register_routes(app, fake)
    fake.request_correlation_id = _request_correlation_id
    return app
