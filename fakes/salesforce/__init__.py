"""The Salesforce fake: an org with Omni-Channel external routing, REST, console bridge, OAuth/SOAP and CometD.

`build(world)` is the composition root: the org with its backends (model/), then its HTTP app (app.py).
"""

from __future__ import annotations

from omni_harness.fakes.core.world import World

from .app import create_app
from .config import SalesforceConfig
from .model.fake import SalesforceFake


def build(world: World, config: SalesforceConfig | None = None) -> SalesforceFake:
    """The fake for `world`, seeded from `world.plan` (every agent logged out of Omni-Channel)."""
    fake = SalesforceFake(world, config)
    fake.attach({"api": create_app(fake)})
    return fake


__all__ = ["SalesforceConfig", "SalesforceFake", "build"]
