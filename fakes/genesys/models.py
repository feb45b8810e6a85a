"""The Genesys Cloud org: one GenesysFake owns users, presence, routing, conversations and tokens, and every rule."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import g, has_request_context, request

from fakes.core import Fake, SeedPlan, World, create_fake_app
from fakes.core.errors import ControlError

from .auth import Principal, TokenStore
from .config import GenesysConfig
from .conversation_ops import ConversationBackend
from .errors import GenesysError, OAuthError, bad_request, not_found
from .org import Member, Org, Queue, User, WrapupPrompt, build_org
from .presence import AVAILABLE, BY_ID, ON_QUEUE, RoutingStatus
from .views import topics

log = logging.getLogger(__name__)


class GenesysFake(ConversationBackend, Fake):
    """One Genesys Cloud org. Handlers parse and serialise; every rule and all state live here."""

    name = "genesys"
    raw_socket_listeners = frozenset({"streaming"})  # the notification WebSocket

    def __init__(self, world: World, config: GenesysConfig | None = None) -> None:
        super().__init__(world)
        self.config = config or GenesysConfig()
        self.tokens = TokenStore()
        self.org = Org()
        self.generation = 0  # bumped by reset, so timers of a previous org do nothing
        self._timer_correlation = ""
        self.init_conversations()
        self.notifications = self._make_notifications()
        self.app = self._make_app()
        self.reset(world.plan)

    # -- wiring ----------------------------------------------------------------------------------
    def _make_notifications(self) -> Any:
        try:
            from .notifications import NotificationService
        except ImportError:
            log.info("fakes.genesys.notifications is not available; serving without notifications")
            return None
        return NotificationService(self)

    def _make_app(self):
        from .routes import register_routes

        app = create_fake_app(self, __name__)
        register_routes(app, self)
        if self.notifications is not None:
            app.register_blueprint(self.notifications.blueprint)
        return app

    def listeners(self) -> dict[str, Any]:
        out: dict[str, Any] = {"api": self.app}
        if self.notifications is not None:
            out["streaming"] = self.notifications.streaming_app
        return out

    def bind(self, urls: dict[str, str]) -> None:
        super().bind(urls)
        if self.notifications is not None and "streaming" in urls:
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
            self.reset_conversations()
            if self.notifications is not None:
                self.notifications.reset()

    def state(self) -> dict[str, Any]:
        from .views import serialize

        with self.lock:
            out = {
                "users": [serialize.user(self, u, ["presence", "routingStatus"]) for u in self.org.users.values()],
                "queues": [serialize.queue(self, q) | {"memberIds": list(q.members)} for q in self.org.queues.values()],
                "wrapupCodes": [serialize.wrapup_code(c) for c in self.org.wrapup_codes.values()],
                "conversations": [serialize.conversation(self, c) for c in self.conversations.values()],
                "waiting": {qid: list(cids) for qid, cids in self.waiting.items() if cids},
                "tokens": [{"owner": p.owner, "expires": self.clock.iso(p.expires_at)}
                           for p in self.tokens.live(self.clock.time())],
            }
            if self.notifications is not None:
                out["notifications"] = self.notifications.state()
            return out

    def error(self, status: int, message: str | None = None) -> GenesysError:
        return GenesysError(status, message=message)

    def correlation_id(self) -> str:
        """The current request's correlation id, or the one of the timer being fired (see `timer_context`)."""
        if has_request_context():
            cid = getattr(g, "correlation_id", "")
            if cid:
                return cid
        return self._timer_correlation or self.new_correlation_id()

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

    # -- OAuth -----------------------------------------------------------------------------------
    def post_oauth_token(self, authorization: str | None, form: dict[str, str]) -> dict[str, Any]:
        """Client credentials grant with `Authorization: Basic` (or client_id/client_secret in the form)."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise OAuthError("invalid_client", "client authentication failed", 401) from exc
            client_id, _, secret = decoded.partition(":")
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError("invalid_request", "grant_type is required")
        if grant != "client_credentials":
            raise OAuthError("unsupported_grant_type", f"grant type {grant} is not supported")
        creds = self.world.plan.credentials
        if not client_id:
            raise OAuthError("invalid_client", "client authentication failed", 401)
        if client_id != creds.genesys_client_id or secret != creds.genesys_client_secret:
            raise OAuthError("invalid_client", "client authentication failed", 401)
        principal = self._issue(client_id, None)
        if has_request_context():
            g.actor = principal.owner
        return self._token_body(principal)

    def _issue(self, client_id: str, user_id: str | None) -> Principal:
        now = self.clock.time()
        return self.tokens.add(Principal(self.ids.token(32), client_id, user_id, now + self.config.token_seconds))

    def _token_body(self, principal: Principal) -> dict[str, Any]:
        return {"access_token": principal.token, "token_type": "bearer",
                "expires_in": max(0, round(principal.expires_at - self.clock.time()))}

    def mint_token(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /_fake/tokens {"userId"}` (or `{"email"}`): the agent's own user token."""
        with self.lock:
            user_id = body.get("userId")
            user = None
            if isinstance(user_id, str):
                user = self.org.users.get(user_id)
            elif isinstance(body.get("email"), str):
                user = self.org.user_by_email(body["email"])
            else:
                raise ControlError("userId (or email) is required")
            if user is None:
                raise ControlError(f"no Genesys user {user_id or body.get('email')!r}", status=404, error="not_found")
            principal = self._issue(f"{self.world.plan.credentials.genesys_client_id}-agent-client", user.id)
            return self._token_body(principal)

    def expire_tokens(self) -> int:
        count = self.tokens.expire_all(self.clock.time())
        hook = getattr(self.notifications, "expire_tokens_hook", None)
        if callable(hook):
            hook()
        return count

    def token_valid(self, token: str) -> bool:
        return self.tokens.lookup(token, self.clock.time()) is not None

    def authenticate(self) -> Principal:
        """The principal of the current request's bearer token; 401 in the platform's shape otherwise."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.strip().partition(" ")
        if not header.strip() or scheme.lower() != "bearer" or not token.strip():
            raise GenesysError(401, "authentication.required",
                               "No authentication bearer token specified in authorization header.")
        principal = self.tokens.lookup(token.strip(), self.clock.time())
        if principal is None:
            raise GenesysError(401, "bad.credentials", "Invalid login credentials.")
        g.actor = principal.owner
        g.principal = principal
        return principal

    # -- lookups for handlers and the notifications service --------------------------------------
    def user_exists(self, user_id: str) -> bool:
        return user_id in self.org.users

    def queue_exists(self, queue_id: str) -> bool:
        return queue_id in self.org.queues

    def get_user(self, user_id: str) -> User:
        user = self.org.users.get(user_id)
        if user is None:
            raise not_found()
        return user

    def get_queue(self, queue_id: str) -> Queue:
        queue = self.org.queues.get(queue_id)
        if queue is None:
            raise not_found(code="resource.not.found")
        return queue

    def me(self, principal: Principal) -> User:
        if principal.user_id is None:
            raise not_a_user()
        return self.get_user(principal.user_id)

    # -- presence and routing status -------------------------------------------------------------
    def patch_user_presence(self, user_id: str, definition_id: str | None, message: str | None) -> User:
        with self.lock:
            user = self.get_user(user_id)
            if definition_id is not None and definition_id not in BY_ID:
                raise bad_request(f"The presence definition {definition_id} does not exist.",
                                  code="presence.definition.not.found")  # inferred: code
            previous = BY_ID[user.presence_id]
            now = self.clock.time()
            if definition_id is not None:
                user.presence_id = definition_id
            if message is not None:
                user.presence_message = message
            user.presence_modified = now
            user.date_modified = now
            current = BY_ID[user.presence_id]
            self.emit_change("user.presence", {
                "userId": user.id, "systemPresence": current.label, "presenceDefinitionId": current.id,
                "previous": previous.label,
                "topics": [topics.user_presence(self, user), topics.user_activity(self, user)],
            })
            if (previous.id == ON_QUEUE.id) != (current.id == ON_QUEUE.id):
                self.refresh_routing_status(user, entering_queue=current.id == ON_QUEUE.id)
            elif current.id == ON_QUEUE.id and user.routing_status is RoutingStatus.NOT_RESPONDING:
                # inferred: choosing On Queue again is how an agent leaves NOT_RESPONDING in the client
                self.refresh_routing_status(user, entering_queue=True)
            return user

    def put_user_routing_status(self, user_id: str, status: str) -> User:
        """Only the system sets most statuses; a client may reset NOT_RESPONDING to IDLE."""
        with self.lock:
            user = self.get_user(user_id)
            wanted = RoutingStatus(status)
            current = user.routing_status
            if wanted == current:
                return user
            allowed = wanted == RoutingStatus.IDLE and current == RoutingStatus.NOT_RESPONDING
            # inferred: going OFF_QUEUE by routing status from an idle/not-responding on-queue agent
            # takes the agent off queue the way the client's Off Queue button does
            allowed_off = wanted == RoutingStatus.OFF_QUEUE and current in (RoutingStatus.IDLE,
                                                                             RoutingStatus.NOT_RESPONDING)
            if not (allowed or allowed_off):
                raise GenesysError(400, "general.bad.request", "An invalid routing status transition was attempted.")
            if allowed_off:
                self.patch_user_presence(user.id, AVAILABLE.id, None)
                return user
            self.set_routing_status(user, RoutingStatus.IDLE)
            return user

    def refresh_routing_status(self, user: User, entering_queue: bool = False) -> None:
        """Derive the routing status from presence and the user's interactions (the system's rule)."""
        if user.presence_id != ON_QUEUE.id:
            wanted = RoutingStatus.OFF_QUEUE
        elif self.user_busy(user.id):
            wanted = RoutingStatus.INTERACTING
        elif user.routing_status == RoutingStatus.NOT_RESPONDING and not entering_queue:
            wanted = RoutingStatus.NOT_RESPONDING
        else:
            wanted = RoutingStatus.IDLE
        if wanted != user.routing_status:
            self.set_routing_status(user, wanted)

    def set_routing_status(self, user: User, status: RoutingStatus) -> None:
        previous = user.routing_status
        now = self.clock.time()
        user.routing_status = status
        user.routing_start = now
        if status == RoutingStatus.IDLE:
            user.idle_since = now
        self.emit_change("user.routingStatus", {
            "userId": user.id, "status": status.value, "previous": previous.value, "startTime": self.clock.iso(now),
            "topics": [topics.user_routing_status(self, user), topics.user_activity(self, user)],
        })
        if status == RoutingStatus.IDLE:
            self.route_for_user(user)

    # -- routing: queues ---------------------------------------------------------------------------
    def put_queue(self, queue_id: str, body: dict[str, Any]) -> Queue:
        """`PUT /routing/queues/{id}`: name, description, ACW settings and the chat alerting timeout."""
        with self.lock:
            queue = self.get_queue(queue_id)
            other = self.org.queue_by_name(body["name"])
            if other is not None and other.id != queue.id:
                raise GenesysError(400, "general.bad.request", f"A queue named {body['name']} already exists.")
            acw = body.get("acwSettings") or {}
            prompt = WrapupPrompt(acw.get("wrapupPrompt", queue.wrapup_prompt.value))
            queue.name = body["name"]
            queue.description = body.get("description", queue.description)
            queue.wrapup_prompt = prompt
            timeout = acw.get("timeoutMs", queue.acw_timeout_ms)
            queue.acw_timeout_ms = timeout if prompt.timed or prompt is WrapupPrompt.AGENT_REQUESTED else None
            chat = (body.get("mediaSettings") or {}).get("chat") or {}
            if "alertingTimeoutSeconds" in chat:
                queue.alerting_timeout_seconds = chat["alertingTimeoutSeconds"]
            self.emit_change("queue.changed", {"queueId": queue.id, "name": queue.name,
                                               "wrapupPrompt": prompt.value, "timeoutMs": queue.acw_timeout_ms,
                                               "alertingTimeoutSeconds": queue.alerting_timeout_seconds,
                                               "topics": []})
            return queue

    # -- routing: queue members ------------------------------------------------------------------
    def post_queue_members(self, queue_id: str, user_ids: list[str], delete: bool) -> None:
        """Add (or with `delete`, remove) members. inferred: unknown user ids are refused as a whole."""
        with self.lock:
            queue = self.get_queue(queue_id)
            for uid in user_ids:
                if uid not in self.org.users:
                    raise bad_request(f"The user {uid} does not exist.", code="invalid.value")
            changed = []
            for uid in user_ids:
                if delete and uid in queue.members:
                    del queue.members[uid]
                    changed.append(uid)
                elif not delete and uid not in queue.members:
                    queue.members[uid] = Member(uid)
                    changed.append(uid)
            if changed:
                self.emit_change("queue.members", {"queueId": queue.id, "action": "removed" if delete else "added",
                                                   "userIds": changed, "topics": []})
                if not delete:
                    self.route_queue(queue)

    def set_member_joined(self, queue_id: str, user_id: str, joined: bool) -> None:
        with self.lock:
            queue = self.get_queue(queue_id)
            member = queue.members.get(user_id)
            if member is None:
                raise not_found()
            if member.joined == joined:
                return
            member.joined = joined
            self.emit_change("queue.members", {"queueId": queue.id, "action": "joined" if joined else "unjoined",
                                               "userIds": [user_id], "topics": []})
            if joined:
                self.route_queue(queue)


def not_a_user() -> GenesysError:
    return GenesysError(400, "not.a.user", "This request requires a user context. Client credentials cannot be used "
                                           "for requests to this resource.")
