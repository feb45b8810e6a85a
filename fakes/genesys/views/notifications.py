"""REST bodies of the notification service: channels and their topic subscriptions (`ChannelTopic`)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..notifications.backend import Channel, NotificationBackend
    from ..notifications.topics import TopicCheck


class TopicState(StrEnum):
    """`ChannelTopic.state` (SDK 269)."""

    PERMITTED = "Permitted"
    REJECTED = "Rejected"


def channel(backend: NotificationBackend, c: Channel) -> dict[str, Any]:
    """`Channel {connectUri, id, expires}`."""
    return {"connectUri": backend.connect_uri(c), "id": c.id, "expires": backend.clock.iso(c.expires)}


def channel_listing(backend: NotificationBackend, found: list[tuple[Channel, bool]]) -> list[dict[str, Any]]:
    """The channels of `GET /notifications/channels`; those of another token without their id (SDK docs)."""
    return [channel(backend, c) if own else {"expires": backend.clock.iso(c.expires)} for c, own in found]


def topic(result: TopicCheck) -> dict[str, Any]:
    """`ChannelTopic`: a subscribed topic, or one rejected with `ignoreErrors`."""
    entity: dict[str, Any] = {"id": result.name}
    if result.ok:
        entity["state"] = TopicState.PERMITTED.value
    else:
        entity["state"] = TopicState.REJECTED.value
        entity["rejectionReason"] = "The subscription topic is not valid."  # inferred: wording
        entity["missingPermissions"] = []
    uri = result.self_uri()
    if uri:
        entity["selfUri"] = uri
    return entity
