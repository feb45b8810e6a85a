"""Conversations: ACD web chat v2 (`/conversations/chats`), the same on `/conversations/messages` (inferred), and
the generic `/conversations/{id}` endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.routes import Api, empty, reply
from ..model.conversations import Media
from ..views import serialize
from .parse import authenticate, authorize, bool_arg, enum_arg, json_body

if TYPE_CHECKING:
    from ..model.conversations import Conversation
    from ..model.fake import GenesysFake
    from ..model.tokens import Principal

COMMUNICATION_TYPES = ["call", "callback", "chat", "cobrowse", "email", "message", "screenshare", "socialexpression",
                       "video"]


# inferred: an agent's own token reads only the conversations the agent takes (or took) part in; the integration's
# token reads any. Changes are held to the agent's own participant by the conversation rules.
CONVERSATION_VIEW = ("conversation:communication:view",)


def viewable(fake: GenesysFake, principal: Principal, conv: Conversation) -> Conversation:
    """`conv`, if the token may read it (403 otherwise)."""
    authorize(fake, principal, CONVERSATION_VIEW, own=[p.user_id for p in conv.participants])
    return conv


def _patch_participant(fake: GenesysFake, cid: str, pid: str, media: Media | None):
    principal = authenticate(fake)
    body = json_body("media-participant-request")
    fake.conversations.patch_participant(principal, cid, pid, media, state=body.get("state"),
                                         wrapup=body.get("wrapup"), wrapup_skipped=body.get("wrapupSkipped"))
    return empty(202)


def _patch_attributes(fake: GenesysFake, cid: str, pid: str, media: Media | None):
    principal = authenticate(fake)
    body = json_body("participant-attributes")
    attributes = fake.conversations.patch_participant_attributes(principal, cid, pid, media,
                                                                 body.get("attributes") or {})
    return reply({"attributes": attributes}, 202)


def _wrapup_codes(fake: GenesysFake, cid: str, pid: str, media: Media | None):
    principal = authenticate(fake)
    viewable(fake, principal, fake.conversations.get_conversation(cid, media))
    codes = fake.conversations.participant_wrapup_codes(principal, cid, pid, media)
    return reply([serialize.wrapup_code_full(fake, c) for c in codes])


def _wrapup(fake: GenesysFake, cid: str, pid: str, media: Media | None, comm_id: str | None = None):
    principal = authenticate(fake)
    bool_arg("provisional", False)
    with fake.lock:
        conv, p = fake.conversations.get_communication(cid, pid, comm_id, media)
        viewable(fake, principal, conv)
        return reply(serialize.assigned_wrapup(p))


def _replace(fake: GenesysFake, cid: str, pid: str, media: Media | None, schema: str):
    principal = authenticate(fake)
    body: dict[str, Any] = json_body(schema)
    fake.conversations.transfer(principal, cid, pid, media, user_id=body.get("userId"), queue_id=body.get("queueId"),
                                address=body.get("address"), transfer_type=body.get("transferType"))
    return empty(202)


def _media_routes(api: Api, fake: GenesysFake, media: Media) -> None:
    base = f"/api/v2/conversations/{media.collection}"
    listing = f"{media.value}-conversation-entity-listing"
    single = f"{media.value}-conversation"
    tag = media.collection

    @api.route("GET", base, response=listing, name=f"{tag}")
    def list_conversations():
        principal = authenticate(fake)
        convs = fake.conversations.list_conversations(principal, media)
        with fake.lock:
            items = [serialize.media_conversation(fake, c) for c in convs]
        return reply(serialize.page(items, 1, max(25, len(items)), base))

    if media is Media.CHAT:
        @api.route("POST", base, request="create-web-chat-request", response=single, name=tag)
        def create():
            principal = authenticate(fake)
            body = json_body("create-web-chat-request")
            conv = fake.conversations.create_conversation(principal, media, body.get("queueId"),
                                                          body.get("provider"), body.get("attributes"),
                                                          body.get("customerName"))
            with fake.lock:
                return reply(serialize.media_conversation(fake, conv))

    @api.route("GET", f"{base}/<cid>", response=single, name=f"{tag}_conversation")
    def get_one(cid: str):
        principal = authenticate(fake)
        with fake.lock:
            conv = viewable(fake, principal, fake.conversations.get_conversation(cid, media))
            return reply(serialize.media_conversation(fake, conv))

    @api.route("PATCH", f"{base}/<cid>", request="conversation-patch-request", response="conversation",
               name=f"{tag}_conversation")
    def patch_one(cid: str):
        principal = authenticate(fake)
        body = json_body("conversation-patch-request")
        conv = fake.conversations.patch_conversation(principal, cid, media, body.get("state"))
        with fake.lock:
            return reply(serialize.conversation(fake, conv))

    @api.route("PATCH", f"{base}/<cid>/participants/<pid>", request="media-participant-request", status=202,
               name=f"{tag}_participant")
    def patch_participant(cid: str, pid: str):
        return _patch_participant(fake, cid, pid, media)

    @api.route("PATCH", f"{base}/<cid>/participants/<pid>/attributes", request="participant-attributes",
               response="participant-attributes", status=202, name=f"{tag}_participant_attributes")
    def patch_attributes(cid: str, pid: str):
        return _patch_attributes(fake, cid, pid, media)

    @api.route("PATCH", f"{base}/<cid>/participants/<pid>/communications/<comm_id>",
               request="media-participant-request", status=202, name=f"{tag}_participant_communication")
    def patch_communication(cid: str, pid: str, comm_id: str):
        principal = authenticate(fake)
        body = json_body("media-participant-request")
        fake.conversations.patch_communication(principal, cid, pid, comm_id, media, body.get("state"))
        return empty(202)

    @api.route("GET", f"{base}/<cid>/participants/<pid>/wrapupcodes", response="wrapup-code-list",
               name=f"{tag}_participant_wrapupcodes")
    def wrapup_codes(cid: str, pid: str):
        return _wrapup_codes(fake, cid, pid, media)

    @api.route("GET", f"{base}/<cid>/participants/<pid>/wrapup", response="assigned-wrapup-code",
               name=f"{tag}_participant_wrapup")
    def wrapup(cid: str, pid: str):
        return _wrapup(fake, cid, pid, media)

    @api.route("GET", f"{base}/<cid>/participants/<pid>/communications/<comm_id>/wrapup",
               response="assigned-wrapup-code", name=f"{tag}_participant_communication_wrapup")
    def communication_wrapup(cid: str, pid: str, comm_id: str):
        return _wrapup(fake, cid, pid, media, comm_id)

    @api.route("POST", f"{base}/<cid>/participants/<pid>/communications/<comm_id>/wrapup", request="wrapup-input",
               status=202, name=f"{tag}_participant_communication_wrapup")
    def post_communication_wrapup(cid: str, pid: str, comm_id: str):
        principal = authenticate(fake)
        body = json_body("wrapup-input", required=False) or {}
        fake.conversations.post_communication_wrapup(principal, cid, pid, comm_id, media, body)
        return empty(202)

    @api.route("POST", f"{base}/<cid>/participants/<pid>/replace", request="transfer-request", status=202,
               name=f"{tag}_participant_replace")
    def replace(cid: str, pid: str):
        return _replace(fake, cid, pid, media, "transfer-request")


def _generic_routes(api: Api, fake: GenesysFake) -> None:
    base = "/api/v2/conversations"

    @api.route("GET", base, response="conversation-entity-listing", name="conversations")
    def list_conversations():
        principal = authenticate(fake)
        kind = enum_arg("communicationType", "communicationType", COMMUNICATION_TYPES)
        convs = fake.conversations.list_conversations_of_type(principal, kind)
        with fake.lock:
            items = [serialize.conversation(fake, c) for c in convs]
        return reply(serialize.page(items, 1, max(25, len(items)), base,
                                    {"communicationType": kind}))

    @api.route("GET", f"{base}/<cid>", response="conversation", name="conversation")
    def get_one(cid: str):
        principal = authenticate(fake)
        with fake.lock:
            return reply(serialize.conversation(fake, viewable(fake, principal,
                                                               fake.conversations.get_conversation(cid))))

    @api.route("DELETE", f"{base}/<cid>", status=202, name="conversation")
    def delete_one(cid: str):
        principal = authenticate(fake)
        fake.conversations.disconnect_conversation(principal, cid, None)
        return empty(202)

    @api.route("PATCH", f"{base}/<cid>/participants/<pid>", request="media-participant-request", status=202,
               name="conversation_participant")
    def patch_participant(cid: str, pid: str):
        return _patch_participant(fake, cid, pid, None)

    @api.route("PATCH", f"{base}/<cid>/participants/<pid>/attributes", request="participant-attributes",
               response="participant-attributes", status=202, name="conversation_participant_attributes")
    def patch_attributes(cid: str, pid: str):
        return _patch_attributes(fake, cid, pid, None)

    @api.route("GET", f"{base}/<cid>/participants/<pid>/wrapupcodes", response="wrapup-code-list",
               name="conversation_participant_wrapupcodes")
    def wrapup_codes(cid: str, pid: str):
        return _wrapup_codes(fake, cid, pid, None)

    @api.route("GET", f"{base}/<cid>/participants/<pid>/wrapup", response="assigned-wrapup-code",
               name="conversation_participant_wrapup")
    def wrapup(cid: str, pid: str):
        return _wrapup(fake, cid, pid, None)

    @api.route("POST", f"{base}/<cid>/participants/<pid>/replace", request="transfer-request", status=202,
               name="conversation_participant_replace")
    def replace(cid: str, pid: str):
        return _replace(fake, cid, pid, None, "transfer-request")

    @api.route("POST", f"{base}/<cid>/participants/<pid>/replace/agent", request="transfer-to-agent-request",
               status=202, name="conversation_participant_replace_agent")
    def replace_agent(cid: str, pid: str):
        return _replace(fake, cid, pid, None, "transfer-to-agent-request")

    @api.route("POST", f"{base}/<cid>/participants/<pid>/replace/queue", request="transfer-to-queue-request",
               status=202, name="conversation_participant_replace_queue")
    def replace_queue(cid: str, pid: str):
        return _replace(fake, cid, pid, None, "transfer-to-queue-request")

    @api.route("POST", f"{base}/<cid>/participants/<pid>/transfer", request="transfer-to-address-request",
               status=202, name="conversation_participant_transfer")
    def transfer(cid: str, pid: str):
        return _replace(fake, cid, pid, None, "transfer-to-address-request")


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_conversations")
    _media_routes(api, fake, Media.CHAT)
    _media_routes(api, fake, Media.MESSAGE)
    _generic_routes(api, fake)
    return api
