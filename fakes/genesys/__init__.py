"""Genesys Cloud Platform API v2 fake: OAuth, users and presence, routing, conversations with ACD, notifications."""

from __future__ import annotations

from fakes.core import World

from .auth import Principal
from .models import GenesysFake

__all__ = ["GenesysFake", "Principal", "build"]


def build(world: World) -> GenesysFake:
    """The Genesys fake of `world`, seeded from `world.plan`."""
    return GenesysFake(world)
