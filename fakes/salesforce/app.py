"""The Salesforce fake's Flask app: control API, REST, console bridge, customer actions, OAuth/SOAP and CometD."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from fakes.core.app import create_fake_app

from .bridge import make_bridge_blueprint
from .customers import make_customers_blueprint
from .oauth import make_oauth_blueprint
from .rest import make_rest_blueprint
from .streaming import make_streaming_blueprint

if TYPE_CHECKING:
    from .models import SalesforceFake


def create_app(fake: SalesforceFake) -> Flask:
    app = create_fake_app(fake, "fakes.salesforce")
    app.register_blueprint(make_rest_blueprint(fake))
    app.register_blueprint(make_bridge_blueprint(fake))
    app.register_blueprint(make_customers_blueprint(fake), url_prefix="/_fake/customers")
    app.register_blueprint(make_oauth_blueprint(fake))
    app.register_blueprint(make_streaming_blueprint(fake))
    return app
