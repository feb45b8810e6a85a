"""`POST /_fake/genesys/conversations`: raise an interaction of any media in a queue, as an inbound flow would (the
Platform API has no plain "create a message conversation in a queue" call)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, request

from fakes.core.errors import ControlError

from ...core.routes import reply
from ..model.conversations import Media
from ..model.tokens import SYSTEM
from ..views import serialize

if TYPE_CHECKING:
    from ..model.fake import GenesysFake


def build(fake: GenesysFake) -> Blueprint:
    bp = Blueprint("genesys_fake_control", __name__)

    @bp.post("/conversations")
    def create():
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        try:
            media = Media(body.get("mediaType", "chat"))
        except ValueError as exc:
            raise ControlError("mediaType must be chat or message") from exc
        conv = fake.conversations.create_conversation(SYSTEM, media, body.get("queueId"),
                                                      body.get("provider") or "Open Messaging",
                                                      body.get("attributes"), body.get("customerName"))
        with fake.lock:
            return reply(serialize.media_conversation(fake, conv))

    return bp
