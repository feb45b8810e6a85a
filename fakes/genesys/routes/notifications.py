"""Notifications: channels and their subscriptions under `/api/v2/notifications`, and the topic catalogue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.routes import Api, empty, reply
from ..notifications.topics import AVAILABLE_TOPIC_EXPANDS, available_topics
from ..views import notifications as views
from .parse import authenticate, bool_arg, enum_arg, enum_list_arg, json_body, optional_json

if TYPE_CHECKING:
    from ..model.fake import GenesysFake

INCLUDE_CHANNELS = ("token", "oauthclient")


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_notifications")
    base = "/api/v2/notifications"

    @api.route("POST", f"{base}/channels", response="notification-channel", name="channels")
    def post_channels():
        principal = authenticate(fake)
        optional_json()  # the SDK sends null; others send nothing or {}: any well-formed JSON is accepted
        backend = fake.notifications
        return reply(views.channel(backend, backend.create_channel(principal)))

    @api.route("GET", f"{base}/channels", response="notification-channel-listing", name="channels")
    def get_channels():
        principal = authenticate(fake)
        include = enum_arg("includechannels", "includechannels", list(INCLUDE_CHANNELS), "token")
        found = fake.notifications.list_channels(principal, include or "token")
        return reply({"entities": views.channel_listing(fake.notifications, found)})

    @api.route("HEAD", f"{base}/channels/<channel_id>", name="channel")
    def head_channel(channel_id: str):
        principal = authenticate(fake)
        return empty(200 if fake.notifications.channel_exists(principal, channel_id) else 404)

    @api.route("GET", f"{base}/channels/<channel_id>/subscriptions", response="notification-channel-topic-listing",
               name="channel_subscriptions")
    def get_subscriptions(channel_id: str):
        principal = authenticate(fake)
        return reply({"entities": [views.topic(t) for t in fake.notifications.subscriptions(principal, channel_id)]})

    @api.route("PUT", f"{base}/channels/<channel_id>/subscriptions", request="notification-subscription-request",
               response="notification-channel-topic-listing", name="channel_subscriptions")
    def put_subscriptions(channel_id: str):
        return _change(channel_id, replace=True)

    @api.route("POST", f"{base}/channels/<channel_id>/subscriptions", request="notification-subscription-request",
               response="notification-channel-topic-listing", name="channel_subscriptions")
    def post_subscriptions(channel_id: str):
        return _change(channel_id, replace=False)

    def _change(channel_id: str, replace: bool):
        principal = authenticate(fake)
        ignore_errors = bool(bool_arg("ignoreErrors", False))
        topics = [item["id"] for item in json_body("notification-subscription-request")]
        changed = fake.notifications.change_subscriptions(principal, channel_id, topics, replace, ignore_errors)
        return reply({"entities": [views.topic(t) for t in changed]})

    @api.route("DELETE", f"{base}/channels/<channel_id>/subscriptions", status=204, name="channel_subscriptions")
    def delete_subscriptions(channel_id: str):
        principal = authenticate(fake)
        fake.notifications.delete_subscriptions(principal, channel_id)
        return empty(204)  # inferred: no body

    @api.route("GET", f"{base}/availabletopics", response="notification-available-topic-listing",
               name="availabletopics")
    def get_available_topics():
        authenticate(fake)
        wanted = set(enum_list_arg("expand", "expand", list(AVAILABLE_TOPIC_EXPANDS)))
        bool_arg("includePreview", False)  # no preview topics in this org
        return reply({"entities": available_topics(wanted)})

    return api
