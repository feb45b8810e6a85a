"""Notification topics the Genesys fake serves: names, validation, combined-topic expansion and the catalogue."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class EntityKind(StrEnum):
    USER = "user"
    QUEUE = "queue"


# Topics a client never subscribes to: the service sends them on its own (reference §6 "WebSocket").
METADATA_TOPIC = "channel.metadata"
SYSTEM_TOPIC_PREFIX = "v2.system."
SOCKET_CLOSING_TOPIC = "v2.system.socket_closing"
# inferred: the topic name of the token-revoked system message is not documented; SystemMessage's
# systemTopicType value `token_revoked` suggests it.
TOKEN_REVOKED_TOPIC = "v2.system.token_revoked"


@dataclass(frozen=True)
class TopicTemplate:
    """One subscribable topic family, e.g. `v2.users.{id}.presence`."""

    prefix: str  # "v2.users" / "v2.routing.queues"
    suffix: str  # "presence", "conversations.chats" ...
    entity: EntityKind
    description: str
    permissions: tuple[str, ...]
    schema_title: str

    @property
    def id(self) -> str:
        return f"{self.prefix}.{{id}}.{self.suffix}"

    def name(self, entity_id: str) -> str:
        return f"{self.prefix}.{entity_id}.{self.suffix}"


_CONVERSATION_VIEW = ("conversation:communication:view",)
TEMPLATES: tuple[TopicTemplate, ...] = (
    TopicTemplate("v2.users", "presence", EntityKind.USER, "Presence of a user.", (), "PresenceEventUserPresence"),
    TopicTemplate(
        "v2.users",
        "routingStatus",
        EntityKind.USER,
        "Routing status of a user.",
        (),
        "UserRoutingStatusUserRoutingStatus",
    ),
    TopicTemplate(
        "v2.users",
        "activity",
        EntityKind.USER,
        "Routing status, presence, out-of-office and active queues of a user.",
        (),
        "PresenceEventUserActivity",
    ),
    TopicTemplate(
        "v2.users",
        "conversations",
        EntityKind.USER,
        "Conversations of a user.",
        _CONVERSATION_VIEW,
        "ConversationEventTopicConversation",
    ),
    TopicTemplate(
        "v2.users",
        "conversations.chats",
        EntityKind.USER,
        "Chat conversations of a user.",
        _CONVERSATION_VIEW,
        "ConversationChatEventTopicChatConversation",
    ),
    TopicTemplate(
        "v2.users",
        "conversations.messages",
        EntityKind.USER,
        "Message conversations of a user.",
        _CONVERSATION_VIEW,
        "ConversationMessageEventTopicMessageConversation",
    ),
    TopicTemplate(
        "v2.users",
        "conversationsummary",
        EntityKind.USER,
        "Conversation summary of a user.",
        _CONVERSATION_VIEW,
        "UserConversationsEventUserConversationSummary",
    ),
    TopicTemplate(
        "v2.routing.queues",
        "conversations",
        EntityKind.QUEUE,
        "Conversations in a queue.",
        ("routing:queue:view",) + _CONVERSATION_VIEW,
        "QueueConversationEventTopicConversation",
    ),
    TopicTemplate(
        "v2.routing.queues",
        "conversations.chats",
        EntityKind.QUEUE,
        "Chat conversations in a queue.",
        ("routing:queue:view",) + _CONVERSATION_VIEW,
        "QueueConversationChatEventTopicChatConversation",
    ),
    TopicTemplate(
        "v2.routing.queues",
        "conversations.messages",
        EntityKind.QUEUE,
        "Message conversations in a queue.",
        ("routing:queue:view",) + _CONVERSATION_VIEW,
        "QueueConversationMessageEventTopicMessageConversation",
    ),
)
_BY_PREFIX_SUFFIX = {(t.prefix, t.suffix): t for t in TEMPLATES}
_TOPIC_RE = re.compile(r"^(v2\.users|v2\.routing\.queues)\.([^.?&]+)\.(.+)$")
_COMBINED_RE = re.compile(r"^(v2\.users|v2\.routing\.queues)\.([^.?&]+)\?(.+)$")


class TopicProblem(StrEnum):
    """Why a topic cannot be subscribed."""

    INVALID = "invalid"  # not a topic this platform knows, or a reserved one
    UNKNOWN_ENTITY = "unknown_entity"  # a well-formed topic naming a user or queue that does not exist


@dataclass(frozen=True)
class TopicCheck:
    """The result of checking one requested topic name (already expanded)."""

    name: str
    template: TopicTemplate | None
    entity_id: str | None
    problem: TopicProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def self_uri(self) -> str | None:
        # inferred: a subscription's selfUri names the entity the topic is about
        if self.template is None or self.entity_id is None:
            return None
        if self.template.entity == EntityKind.USER:
            return f"/api/v2/users/{self.entity_id}"
        return f"/api/v2/routing/queues/{self.entity_id}"


def expand(requested: str) -> list[str]:
    """`v2.users.{id}?presence&routingStatus` → the two plain topics; any other name → itself.

    inferred: combined topics are expanded into their parts when stored and listed.
    """
    match = _COMBINED_RE.match(requested)
    if not match:
        return [requested]
    prefix, entity_id, rest = match.groups()
    return [f"{prefix}.{entity_id}.{part}" for part in rest.split("&")]


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def check(name: str, user_exists: Callable[[str], bool], queue_exists: Callable[[str], bool]) -> TopicCheck:
    """Is `name` (an expanded topic) subscribable? Reserved topics and unknown shapes are invalid."""
    if name == METADATA_TOPIC or name.startswith(SYSTEM_TOPIC_PREFIX):
        return TopicCheck(name, None, None, TopicProblem.INVALID)
    match = _TOPIC_RE.match(name)
    if not match:
        return TopicCheck(name, None, None, TopicProblem.INVALID)
    prefix, entity_id, suffix = match.groups()
    template = _BY_PREFIX_SUFFIX.get((prefix, suffix))
    if template is None or not _is_uuid(entity_id):
        return TopicCheck(name, None, None, TopicProblem.INVALID)
    exists = user_exists if template.entity == EntityKind.USER else queue_exists
    if not exists(entity_id):
        return TopicCheck(name, template, entity_id, TopicProblem.UNKNOWN_ENTITY)
    return TopicCheck(name, template, entity_id)


AVAILABLE_TOPIC_EXPANDS = (
    "description",
    "requiresPermissions",
    "schema",
    "transports",
    "enforced",
    "visibility",
    "publicApiTemplateUriPaths",
    "topicParameters",
)


def available_topics(expand_fields: set[str] | None = None) -> list[dict[str, Any]]:
    """`AvailableTopic` entries for `GET /api/v2/notifications/availabletopics`.

    inferred: without `expand` an entry carries its id, description and required permissions; `expand`
    adds the other `AvailableTopic` fields.
    """
    wanted = expand_fields or set()
    out = []
    for t in TEMPLATES:
        entry: dict[str, Any] = {"id": t.id, "description": t.description, "requiresPermissions": list(t.permissions)}
        if "transports" in wanted:
            entry["transports"] = ["All"]
        if "enforced" in wanted:
            entry["enforced"] = False
        if "visibility" in wanted:
            entry["visibility"] = "Public"
        if "topicParameters" in wanted:
            entry["topicParameters"] = ["id"]
        if "publicApiTemplateUriPaths" in wanted:
            base = "/api/v2/users/{id}" if t.entity == EntityKind.USER else "/api/v2/routing/queues/{id}"
            entry["publicApiTemplateUriPaths"] = [base]
        if "schema" in wanted:
            entry["schema"] = {
                "type": "object",
                "title": t.schema_title,
                "id": f"urn:jsonschema:com:inin:platform:{t.schema_title}",
            }
        out.append(entry)
    return out
