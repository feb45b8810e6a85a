"""What the sync engine needs from each platform, as narrow interfaces (the wire clients implement them)."""

from __future__ import annotations

from typing import Any, Protocol


class AuthenticationError(Exception):
    """A platform refused the integration's credentials: nothing will work until an operator fixes them."""


class PlatformError(Exception):
    """A platform refused a request (4xx/5xx after retries); `status` is the HTTP status, 0 for no response."""

    def __init__(self, platform: str, operation: str, status: int, detail: str = "") -> None:
        super().__init__(f"{platform} {operation} failed with HTTP {status}: {detail[:300]}")
        self.platform = platform
        self.operation = operation
        self.status = status
        self.detail = detail

    @property
    def not_found(self) -> bool:
        return self.status == 404


class GenesysPort(Protocol):
    def create_chat(self, queue_id: str, work_item_id: str, customer_name: str | None = None) -> str:
        """`POST /api/v2/conversations/chats` in the queue with attribute workItemId; returns the conversation id."""

    def send_open_message(self, integration_id: str, body: dict[str, Any]) -> str:
        """The inbound open message of an Open Messaging integration (prefetching the conversation id); returns the
        conversation id. The same `channel.messageId` again answers the first conversation, raising nothing new."""

    def get_conversation(self, conversation_id: str, media: str = "chat") -> dict[str, Any] | None:
        """The conversation as JSON (wire names), None when it does not exist."""

    def disconnect_participant(self, conversation_id: str, participant_id: str, media: str = "chat") -> None: ...

    def disconnect_conversation(self, conversation_id: str, media: str = "chat") -> None: ...

    def transfer_to_agent(self, conversation_id: str, participant_id: str, user_id: str) -> None:
        """Attended transfer with the integration's own token."""

    def transfer_to_queue(self, conversation_id: str, participant_id: str, queue_id: str) -> None: ...


class SalesforcePort(Protocol):
    def get_record(self, sobject: str, record_id: str) -> dict[str, Any] | None: ...

    def query(self, soql: str) -> list[dict[str, Any]]: ...

    def insert_agent_work(self, fields: dict[str, Any]) -> str:
        """Create an AgentWork; returns its id."""

    def toolkit(self, user_id: str, method: str, args: dict[str, Any] | None = None) -> Any:
        """Call an Omni-Channel toolkit method through the console bridge, acting for `user_id`."""
