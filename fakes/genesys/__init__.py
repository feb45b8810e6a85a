"""Genesys Cloud Platform API v2 fake: OAuth, users and presence, routing, conversations with ACD (chat and
message media), Open Messaging (integrations, inbound messages, the signed outbound webhook), notifications.

`build(world)` is the composition root: it builds the org (`model/`, with its notification service), then the
apps that serve it (`app.create_app` for the Platform API, `notifications.socket_app` for the sockets).
"""

from __future__ import annotations

from omni_harness.fakes.core import World

from .app import create_app
from .config import GenesysConfig
from .model.fake import GenesysFake
from .notifications.backend import NotificationBackend
from .notifications.socket_app import create_socket_app

__all__ = ["GenesysFake", "build"]


def build(world: World, config: GenesysConfig | None = None) -> GenesysFake:
    """The Genesys fake of `world`, seeded from `world.plan`."""
    fake = GenesysFake(world, NotificationBackend, config or GenesysConfig(media=world.media))
    fake.attach(api=create_app(fake), streaming=create_socket_app(fake))
    return fake
