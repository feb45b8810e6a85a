"""The Genesys fake's own control routes (under `/_fake/genesys`), for what the Platform API cannot do:

- `POST /_fake/genesys/conversations {"mediaType": "chat"|"message", "queueId", "attributes", "customerName",
  "provider"}`: raise an interaction of any media in a queue, as an inbound flow would (the Platform API has no plain
  "create a message conversation in a queue" call).
- `POST /_fake/genesys/integrations/open/{integrationId}/flow {"queueId": <queue id> | null}`: give an Open
  Messaging integration the fake's stand-in for an inbound message flow, routing every new conversation of the
  integration to that queue (null: no flow; new conversations are then refused). In a real org this is an
  Architect inbound message flow; an integration created with the Platform API has none until this is called.
  Answers the integration (`OpenIntegration`, its `recipient` naming the flow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, request

from omni_harness.fakes.core.errors import ControlError

from ...core.routes import reply
from ..errors import GenesysError
from ..model.conversations import Media
from ..model.tokens import SYSTEM
from ..views import messaging, serialize
from .parse import strict_json

if TYPE_CHECKING:
    from ..model.fake import GenesysFake


def _object_body() -> dict:
    try:
        body = strict_json(request.get_data(cache=True))
    except (ValueError, UnicodeDecodeError):
        body = None  # malformed, or NaN/Infinity, which the fake would otherwise store and send back as invalid JSON
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object (standard JSON: no NaN or Infinity)")
    return body


def _optional_string(body: dict[str, Any], name: str) -> str | None:
    """A string field that may be absent or null; any other JSON type is the caller's mistake, not the fake's."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ControlError(f"{name} must be a string or null")
    return value


def _attributes(body: dict[str, Any]) -> dict[str, str] | None:
    """Participant attributes are string to string on the platform; a number, list or object value is refused."""
    value = body.get("attributes")
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ControlError("attributes must be an object of string values or null")
    return value


def build(fake: GenesysFake) -> Blueprint:
    bp = Blueprint("genesys_fake_control", __name__)

    @bp.post("/conversations")
    def create():
        body = _object_body()
        media_type = body.get("mediaType", "chat")
        if media_type not in [m.value for m in Media]:
            raise ControlError("mediaType must be chat or message")
        queue_id = body.get("queueId")
        if not isinstance(queue_id, str) or not queue_id:
            raise ControlError("queueId must be a queue id")
        provider, customer_name = _optional_string(body, "provider"), _optional_string(body, "customerName")
        conv = fake.conversations.create_conversation(SYSTEM, Media(media_type), queue_id,
                                                      provider or "Open Messaging", _attributes(body), customer_name)
        with fake.lock:
            return reply(serialize.media_conversation(fake, conv))

    @bp.post("/integrations/open/<integration_id>/flow")
    def set_flow(integration_id: str):
        body = _object_body()
        queue_id = body.get("queueId")
        if queue_id is not None and not isinstance(queue_id, str):
            raise ControlError("queueId must be a queue id or null")
        try:
            integration = fake.messaging.set_flow(integration_id, queue_id)
        except GenesysError as exc:
            raise ControlError(f"no Open Messaging integration {integration_id}", 404, "not_found") from exc
        except KeyError as exc:
            raise ControlError(f"no queue {queue_id}", 404, "not_found") from exc
        with fake.lock:
            return reply(messaging.integration(fake, integration))

    return bp
