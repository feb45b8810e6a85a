"""The Salesforce fake's Flask app: control API, REST, console bridge, customer actions, OAuth/SOAP and CometD."""

from __future__ import annotations

from flask import Flask, g, has_request_context, request

from omni_harness.fakes.core.app import create_fake_app

from .model.fake import SalesforceFake
from .routes import register_routes


class FlaskRequest:
    """The request being answered, as the model sees it (`SalesforceOrg.request`)."""

    def correlation_id(self) -> str:
        return (g.get("correlation_id") or "") if has_request_context() else ""

    def host_url(self) -> str | None:
        return request.host_url if has_request_context() else None


def create_app(fake: SalesforceFake) -> Flask:
    app = create_fake_app(fake, "omni_harness.fakes.salesforce")
    register_routes(app, fake)
    fake.request = FlaskRequest()
    return app
