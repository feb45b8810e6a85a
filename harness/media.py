"""The media the suite certifies (DESIGN §4.7): the same workflow on chat (Legacy Chat <-> ACD web chat, retired in
2026) and on messaging (Enhanced Chat `MessagingSession` <-> Genesys Open Messaging). Everything a scenario does that
differs between them is named here once."""

from __future__ import annotations

from enum import StrEnum


class Medium(StrEnum):
    CHAT = "chat"
    MESSAGING = "messaging"

    @property
    def genesys_collection(self) -> str:
        """`/api/v2/conversations/{chats|messages}` and the topic suffix of its notifications."""
        return "chats" if self is Medium.CHAT else "messages"

    @property
    def genesys_media_type(self) -> str:
        """The Genesys media type of the interaction (`POST /_fake/genesys/conversations {"mediaType"}`)."""
        return "chat" if self is Medium.CHAT else "message"

    @property
    def customer_path(self) -> str:
        """The Salesforce fake's customer actions: `/_fake/customers/{chats|messaging}`."""
        return "chats" if self is Medium.CHAT else "messaging"

    @property
    def work_item_object(self) -> str:
        return "LiveChatTranscript" if self is Medium.CHAT else "MessagingSession"

    @property
    def work_item_prefix(self) -> str:
        return "570" if self is Medium.CHAT else "0Mw"

    @property
    def service_channel(self) -> str:
        return "sfdc_livechat" if self is Medium.CHAT else "sfdc_livemessage"

    @property
    def in_progress_status(self) -> str:
        """The work item's Status once an agent accepted it."""
        return "InProgress" if self is Medium.CHAT else "Active"

    @property
    def ended_statuses(self) -> tuple[str, ...]:
        return ("Completed", "Missed", "Dropped", "Blocked") if self is Medium.CHAT else ("Ended",)

    @property
    def label(self) -> str:
        """How reports write the pair: `PICK-2 [messaging]`."""
        return f"[{self.value}]"


ALL_MEDIA: tuple[Medium, ...] = (Medium.CHAT, Medium.MESSAGING)
MEDIA_CHOICES = ("chat", "messaging", "all")


def parse_media(value: str | None, declared: tuple[str, ...] | None) -> tuple[Medium, ...]:
    """`--media chat|messaging|all` (None: what the manifest declares, chat without a manifest)."""
    if value is None or value == "declared":
        names = declared or ("chat",)
        return tuple(m for m in ALL_MEDIA if m.value in names) or (Medium.CHAT,)
    if value == "all":
        return ALL_MEDIA
    if value not in (m.value for m in ALL_MEDIA):
        raise ValueError(f"unknown medium {value!r}; choose from {', '.join(MEDIA_CHOICES)}")
    return (Medium(value),)


def verdict_key(requirement_id: str, medium: str) -> str:
    """The key of a verdict in every report: a requirement on one medium (`PICK-2 [messaging]`)."""
    return f"{requirement_id} [{medium}]"


def split_key(key: str) -> tuple[str, str | None]:
    """`PICK-2 [messaging]` -> ("PICK-2", "messaging"); a bare id -> (id, None)."""
    if key.endswith("]") and " [" in key:
        rid, _, medium = key[:-1].partition(" [")
        return rid, medium
    return key, None
