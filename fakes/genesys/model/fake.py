"""The Genesys Cloud org root: one GenesysFake holds the org's state and the rule owners (`*Backend`) that change it.

It builds no HTTP layer: `omni_harness.fakes.genesys.build()` builds the root, then the apps that serve it, and hands them over
with `attach()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from omni_harness.fakes.core import Fake, SeedPlan, World

from ..config import GenesysConfig
from ..errors import GenesysError, for_status
from ..views import serialize
from .conversation_backend import ConversationBackend
from .messaging import MessagingBackend
from .oauth import OAuthBackend
from .org import Org, build_org
from .routing import RoutingBackend
from .tokens import TokenStore
from .users import UserBackend


class PushChannel(Protocol):
    """What the org root asks of its notification service (`omni_harness.fakes.genesys.notifications.NotificationBackend`)."""

    def reset(self) -> None:
        """Forget every channel (the org is being rebuilt)."""

    def state(self) -> dict[str, Any]:
        """Its part of `GET /_fake/state`."""

    def bind(self, streaming_base_url: str) -> None:
        """Where its socket listener is served."""

    def tokens_expired(self) -> None:
        """Tokens were expired: the channels of dead tokens close now."""


class GenesysFake(Fake):
    """One Genesys Cloud org. Handlers parse and serialise; all state and every rule live here and in its backends."""

    name = "genesys"
    raw_socket_listeners = frozenset({"streaming"})  # the notification WebSocket: werkzeug hands its socket over

    def __init__(self, world: World, notifications: Callable[[GenesysFake], PushChannel],
                 config: GenesysConfig | None = None) -> None:
        super().__init__(world)
        self.config = config or GenesysConfig()
        self.tokens = TokenStore()
        self.org = Org()
        self.generation = 0  # bumped by reset, so timers of a previous org do nothing
        self._timer_correlation = ""
        # The serving layer says which request is being answered; the model knows no HTTP framework.
        self.request_correlation_id: Callable[[], str] = lambda: ""
        self._listeners: dict[str, Any] = {}
        self.oauth = OAuthBackend(self)
        self.users = UserBackend(self)
        self.conversations = ConversationBackend(self, self.users)
        self.users.acd = self.conversations  # a user who becomes IDLE is offered waiting work
        self.routing = RoutingBackend(self, self.users, self.conversations)
        self.messaging = MessagingBackend(self, self.conversations)
        self.notifications = notifications(self)
        self.reset(world.plan)

    # -- serving ---------------------------------------------------------------------------------
    def attach(self, **listeners: Any) -> None:
        """The WSGI apps that serve this org, by listener name: "api", and "streaming" for the sockets."""
        self._listeners = dict(listeners)

    @property
    def app(self) -> Any:
        """The Platform API app (tests drive it with `app.test_client()`)."""
        return self._listeners["api"]

    def listeners(self) -> dict[str, Any]:
        return dict(self._listeners)

    def bind(self, urls: dict[str, str]) -> None:
        super().bind(urls)
        if "streaming" in urls:
            self.notifications.bind(urls["streaming"])

    def decorate_response(self, response, correlation_id: str) -> None:
        response.headers["inin-correlation-id"] = correlation_id

    def connector_env(self) -> dict[str, str]:
        api = self.urls.get("api", "")
        creds = self.world.plan.credentials
        return {"GENESYS_API_URL": api, "GENESYS_LOGIN_URL": api, "GENESYS_CLIENT_ID": creds.genesys_client_id,
                "GENESYS_CLIENT_SECRET": creds.genesys_client_secret}

    # -- lifecycle -------------------------------------------------------------------------------
    def reset(self, plan: SeedPlan) -> None:
        with self.lock:
            self.generation += 1
            self.tokens.clear()
            self.org = build_org(plan, self.ids, self.clock.time())
            self.conversations.reset()
            self.messaging.reset(plan)
            self.notifications.reset()

    def state(self) -> dict[str, Any]:
        with self.lock:
            conversations = self.conversations
            return {
                "users": [serialize.user(self, u, ["presence", "routingStatus"]) for u in self.org.users.values()],
                "queues": [serialize.queue(self, q) | {"memberIds": list(q.members)} for q in self.org.queues.values()],
                "wrapupCodes": [serialize.wrapup_code(c) for c in self.org.wrapup_codes.values()],
                "conversations": [serialize.conversation(self, c) for c in conversations.by_id.values()],
                "openMessagingIntegrations": self.messaging.state(),
                "waiting": {qid: list(cids) for qid, cids in conversations.waiting.items() if cids},
                "tokens": [{"owner": p.owner, "expires": self.clock.iso(p.expires_at)}
                           for p in self.tokens.live(self.clock.time())],
                "notifications": self.notifications.state(),
            }

    def error(self, status: int, message: str | None = None) -> GenesysError:
        return for_status(status, message)

    # -- tokens (control API) --------------------------------------------------------------------
    def mint_token(self, body: dict[str, Any]) -> dict[str, Any]:
        return serialize.token(self, self.oauth.mint_user_token(body))

    def expire_tokens(self) -> int:
        count = self.oauth.expire_tokens()
        self.notifications.tokens_expired()
        return count

    # -- events ----------------------------------------------------------------------------------
    def correlation_id(self) -> str:
        """The current request's correlation id, or the one of the timer being fired (see `timer_context`)."""
        return self.request_correlation_id() or self._timer_correlation or self.new_correlation_id()

    @contextmanager
    def timer_context(self) -> Iterator[None]:
        """Run a timer's work under the lock with one correlation id for every change it causes."""
        with self.lock:
            self._timer_correlation = self.new_correlation_id()
            try:
                yield
            finally:
                self._timer_correlation = ""

    def emit_change(self, type: str, data: dict[str, Any]) -> None:
        self.emit(type, data, self.correlation_id())
