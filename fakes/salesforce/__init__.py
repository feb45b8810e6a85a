"""The Salesforce fake: an org with Omni-Channel external routing, REST, console bridge, OAuth/SOAP and CometD."""

from __future__ import annotations

from fakes.core.world import World

from .models import SalesforceFake
from .settings import OrgSettings


def build(world: World, settings: OrgSettings | None = None) -> SalesforceFake:
    """The fake for `world`, seeded from `world.plan` (every agent logged out of Omni-Channel)."""
    return SalesforceFake(world, settings)


__all__ = ["OrgSettings", "SalesforceFake", "build"]
