"""Genesys Cloud over the wire with the official Python SDK (PureCloudPlatformClientV2 263, the last with chats)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import PureCloudPlatformClientV2 as gc
import urllib3
from PureCloudPlatformClientV2.rest import ApiException

from .config import MESSAGING, Env
from .logs import get_log
from .ports import AuthenticationError, PlatformError

log = get_log("genesys")
T = TypeVar("T")

PROVIDER = "Salesforce Omni-Channel"
MAX_ATTEMPTS = 5


class ConnectorApiClient(gc.ApiClient):
    """The SDK derives the login host from the API host (api.X -> login.X); GENESYS_LOGIN_URL says it outright."""

    def __init__(self, login_url: str) -> None:
        super().__init__()
        self._login_url = login_url

    def get_conf_url(self, path_type, base_path):  # noqa: D401 - SDK signature
        if path_type == "login":
            return self._login_url
        return super().get_conf_url(path_type, base_path)


def configure_sdk(env: Env) -> None:
    """The SDK keeps its settings in a process-wide Configuration; set them before the first ApiClient."""
    config = gc.configuration
    config.host = env.genesys_api_url
    if env.ca_file:
        config.ssl_ca_cert = env.ca_file
        config.ssl_context = None  # rebuilt from ssl_ca_cert by the first http client


class GenesysAuth:
    """Client-credentials token of the integration; `refresh(stale)` renews it once however many threads saw it fail."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.api_client = ConnectorApiClient(env.genesys_login_url)
        self._lock = threading.Lock()

    @property
    def token(self) -> str:
        return self.api_client.access_token

    def authenticate(self) -> None:
        try:
            self.api_client.get_client_credentials_token(self.env.genesys_client_id, self.env.genesys_client_secret)
        except ApiException as exc:
            if exc.status in (400, 401, 403):
                raise AuthenticationError(f"Genesys Cloud refused the client-credentials login at "
                                          f"{self.env.genesys_login_url}/oauth/token (HTTP {exc.status} "
                                          f"{(exc.body or '')[:200]})") from exc
            raise PlatformError("genesys", "oauth token", exc.status or 0, exc.body or str(exc.reason)) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise PlatformError("genesys", "oauth token", 0, str(exc)) from exc

    def refresh(self, stale: str) -> None:
        with self._lock:
            if self.api_client.access_token == stale:
                self.authenticate()
                log.info("genesys token renewed")


def _retry_after(exc: ApiException, attempt: int) -> float:
    headers = exc.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return min(8.0, 0.25 * 2 ** attempt)


class GenesysRest:
    """GenesysPort with the integration's own token, plus the look-ups and notification calls the connector needs."""

    def __init__(self, auth: GenesysAuth, stop: threading.Event | None = None) -> None:
        self.auth = auth
        self.stop = stop or threading.Event()
        client = auth.api_client
        self.conversations = gc.ConversationsApi(client)
        self.users_api = gc.UsersApi(client)
        self.routing = gc.RoutingApi(client)
        self.presence_api = gc.PresenceApi(client)
        self.notifications = gc.NotificationsApi(client)

    def call(self, operation: str, fn: Callable[[], T]) -> T:
        """Run one SDK call: renew the token on 401, wait out a 429 the SDK did not absorb, map errors."""
        for attempt in range(MAX_ATTEMPTS):
            token = self.auth.token
            try:
                return fn()
            except ApiException as exc:
                if exc.status == 401 and attempt < MAX_ATTEMPTS - 1:
                    self.auth.refresh(token)
                    continue
                if exc.status == 429 and attempt < MAX_ATTEMPTS - 1:
                    # The SDK's urllib3 retries a 429 that carries Retry-After; one without it lands here.
                    delay = _retry_after(exc, attempt)
                    log.warning("genesys rate limited", operation=operation, retryAfter=delay)
                    if self.stop.wait(delay):
                        break
                    continue
                raise PlatformError("genesys", operation, exc.status or 0, exc.body or str(exc.reason)) from exc
            except urllib3.exceptions.MaxRetryError as exc:
                # urllib3 gave up (e.g. 429s with Retry-After beyond its retry budget, or no connection).
                if attempt < MAX_ATTEMPTS - 1 and not self.stop.wait(min(8.0, 0.5 * 2 ** attempt)):
                    continue
                raise PlatformError("genesys", operation, 0, str(exc.reason)) from exc
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise PlatformError("genesys", operation, 0, str(exc)) from exc
        raise PlatformError("genesys", operation, 0, "gave up")

    def to_json(self, model: Any) -> Any:
        return self.auth.api_client.sanitize_for_serialization(model)

    # -- GenesysPort -----------------------------------------------------------------------------------
    def create_chat(self, queue_id: str, work_item_id: str, customer_name: str | None = None) -> str:
        body = gc.CreateWebChatRequest()
        body.queue_id = queue_id
        body.provider = PROVIDER
        body.attributes = {"workItemId": work_item_id}
        if customer_name:
            body.customer_name = customer_name
        chat = self.call("create chat", lambda: self.conversations.post_conversations_chats(body))
        return chat.id

    def send_open_message(self, integration_id: str, body: dict[str, Any]) -> str:
        """`POST /api/v2/conversations/messages/{integrationId}/inbound/open/message?prefetchConversationId=true`;
        returns the conversation the message joined or started."""
        answer = self.call("send open message", lambda: self.conversations.post_conversations_message_inbound_open_message(
            integration_id, body, prefetch_conversation_id=True))
        if not answer.conversation_id:
            raise PlatformError("genesys", "send open message", 200, "the answer carries no conversationId")
        return answer.conversation_id

    def get_conversation(self, conversation_id: str, media: str = "chat") -> dict[str, Any] | None:
        try:
            if media == MESSAGING:
                conversation = self.call("get message conversation",
                                         lambda: self.conversations.get_conversations_message(conversation_id))
            else:
                conversation = self.call("get chat", lambda: self.conversations.get_conversations_chat(conversation_id))
        except PlatformError as exc:
            if exc.not_found:
                return None
            raise
        return self.to_json(conversation)

    def disconnect_participant(self, conversation_id: str, participant_id: str, media: str = "chat") -> None:
        body = gc.MediaParticipantRequest()
        body.state = "disconnected"
        if media == MESSAGING:
            self.call("disconnect message participant", lambda: self.conversations.patch_conversations_message_participant(
                conversation_id, participant_id, body=body))
            return
        self.call("disconnect participant", lambda: self.conversations.patch_conversations_chat_participant(
            conversation_id, participant_id, body))

    def disconnect_conversation(self, conversation_id: str, media: str = "chat") -> None:
        body = gc.Conversation()
        body.state = "disconnected"
        if media == MESSAGING:
            self.call("disconnect message conversation",
                      lambda: self.conversations.patch_conversations_message(conversation_id, body))
            return
        self.call("disconnect chat", lambda: self.conversations.patch_conversations_chat(conversation_id, body))

    def transfer_to_agent(self, conversation_id: str, participant_id: str, user_id: str) -> None:
        body = gc.TransferToAgentRequest()
        body.user_id = user_id
        body.transfer_type = "Attended"  # the sender keeps the chat until the receiver connects
        self.call("transfer to agent", lambda: self.conversations.post_conversation_participant_replace_agent(
            conversation_id, participant_id, body))

    def transfer_to_queue(self, conversation_id: str, participant_id: str, queue_id: str) -> None:
        body = gc.TransferToQueueRequest()
        body.queue_id = queue_id
        body.transfer_type = "Unattended"
        self.call("transfer to queue", lambda: self.conversations.post_conversation_participant_replace_queue(
            conversation_id, participant_id, body))

    # -- look-ups ------------------------------------------------------------------------------------------
    def users(self) -> list[tuple[str, str | None, str | None, Any]]:
        """Every active user: (id, email, system presence or None, presence modifiedDate or None)."""
        out: list[tuple[str, str | None, str | None, Any]] = []
        page = 1
        while True:
            listing = self.call("list users", lambda p=page: self.users_api.get_users(
                page_size=100, page_number=p, expand=["presence"], state="active"))
            entities = listing.entities or []
            for user in entities:
                presence = modified = None
                if user.presence and user.presence.presence_definition:
                    presence = user.presence.presence_definition.system_presence
                    modified = user.presence.modified_date
                out.append((user.id, user.email, presence, modified))
            if not entities or not listing.page_count or page >= listing.page_count:
                return out
            page += 1

    def user_email(self, user_id: str) -> str | None:
        try:
            return self.call("get user", lambda: self.users_api.get_user(user_id)).email
        except PlatformError:
            return None

    def open_messaging_integrations(self) -> dict[str, str]:
        """Open Messaging integrations by name (`GET /api/v2/conversations/messaging/integrations/open`)."""
        out: dict[str, str] = {}
        page = 1
        while True:
            listing = self.call("list open messaging integrations",
                                lambda p=page: self.conversations.get_conversations_messaging_integrations_open(
                                    page_size=100, page_number=p))
            entities = listing.entities or []
            for integration in entities:
                if integration.name and integration.id:
                    out[integration.name] = integration.id
            if not entities or not listing.page_count or page >= listing.page_count:
                return out
            page += 1

    def queues(self) -> dict[str, str]:
        out: dict[str, str] = {}
        page = 1
        while True:
            listing = self.call("list queues", lambda p=page: self.routing.get_routing_queues(
                page_size=100, page_number=p))
            entities = listing.entities or []
            for queue in entities:
                out[queue.name] = queue.id
            if not entities or not listing.page_count or page >= listing.page_count:
                return out
            page += 1
