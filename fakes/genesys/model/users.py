"""User rules: lookups, presence, and the routing status the system derives from presence and interactions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from ..errors import (
    missing_permissions,
    not_a_user,
    not_found,
    presence_definition_not_found,
    routing_status_transition,
)
from ..views import topics
from .org import User, UserRoutingStatus
from .presence import AVAILABLE, BY_ID, ON_QUEUE, RoutingStatus

if TYPE_CHECKING:
    from .base import OrgRoot
    from .tokens import Principal


class Acd(Protocol):
    """What the routing status rules ask of the conversation rules (`ConversationBackend`)."""

    def user_busy(self, user_id: str) -> bool:
        """Alerting, connected, or owing wrap-up on any interaction."""

    def route_for_user(self, user: User) -> None:
        """The user became IDLE: offer the oldest interaction waiting in one of their queues."""


class UserBackend:
    """Users, their presence and routing status. `acd` is set by the org root once the conversation rules exist."""

    acd: Acd

    def __init__(self, root: OrgRoot) -> None:
        self.root = root

    # -- lookups ---------------------------------------------------------------------------------
    def user_exists(self, user_id: str) -> bool:
        return user_id in self.root.org.users

    def get_user(self, user_id: str) -> User:
        user = self.root.org.users.get(user_id)
        if user is None:
            raise not_found()
        return user

    def me(self, principal: Principal) -> User:
        if principal.user_id is None:
            raise not_a_user()
        return self.get_user(principal.user_id)

    def users(self, ids: set[str]) -> list[User]:
        """`GET /users`: every user, or those of `ids`."""
        return [u for u in self.root.org.users.values() if not ids or u.id in ids]

    def routing_status_of(self, user_id: str) -> UserRoutingStatus:
        """For a user that does not exist, the API answers OFF_QUEUE (reference §3)."""
        user = self.root.org.users.get(user_id)
        return user.routing if user is not None else UserRoutingStatus(user_id, RoutingStatus.OFF_QUEUE)

    # -- permissions -----------------------------------------------------------------------------
    def authorize(self, principal: Principal, permissions: tuple[str, ...], own: Iterable[str | None] = (),
                  any_of: bool = False) -> None:
        """Let the call through for the integration's client-credentials token, an admin user, or a user acting on
        its own things (`own`: the user ids the call concerns, any of which may be the caller's own); 403 with the
        platform's body otherwise (`GenesysConfig.agent_token_permissions` switches the rule off)."""
        if principal.user_id is None or not self.root.config.agent_token_permissions:
            return
        if principal.user_id in set(own):
            return
        user = self.root.org.users.get(principal.user_id)
        if user is not None and user.admin:
            return
        raise missing_permissions(permissions, any_of)

    # -- presence and routing status -------------------------------------------------------------
    def patch_user_presence(self, user_id: str, definition_id: str | None, message: str | None) -> User:
        root = self.root
        with root.lock:
            user = self.get_user(user_id)
            if definition_id is not None and definition_id not in BY_ID:
                raise presence_definition_not_found(definition_id)
            previous = BY_ID[user.presence_id]
            now = root.clock.time()
            if definition_id is not None:
                user.presence_id = definition_id
            if message is not None:
                user.presence_message = message
            user.presence_modified = now
            user.date_modified = now
            current = BY_ID[user.presence_id]
            root.emit_change("user.presence", {
                "userId": user.id, "systemPresence": current.label, "presenceDefinitionId": current.id,
                "previous": previous.label,
                "topics": [topics.user_presence(root, user), topics.user_activity(root, user)],
            })
            if (previous.id == ON_QUEUE.id) != (current.id == ON_QUEUE.id):
                self.refresh_routing_status(user, entering_queue=current.id == ON_QUEUE.id)
            elif current.id == ON_QUEUE.id and user.routing_status is RoutingStatus.NOT_RESPONDING:
                # inferred: choosing On Queue again is how an agent leaves NOT_RESPONDING in the client
                self.refresh_routing_status(user, entering_queue=True)
            return user

    def put_user_routing_status(self, user_id: str, status: str) -> User:
        """Only the system sets most statuses; a client may reset NOT_RESPONDING to IDLE."""
        with self.root.lock:
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
                raise routing_status_transition()
            if allowed_off:
                self.patch_user_presence(user.id, AVAILABLE.id, None)
                return user
            self.set_routing_status(user, RoutingStatus.IDLE)
            return user

    def refresh_routing_status(self, user: User, entering_queue: bool = False) -> None:
        """Derive the routing status from presence and the user's interactions (the system's rule)."""
        if user.presence_id != ON_QUEUE.id:
            wanted = RoutingStatus.OFF_QUEUE
        elif self.acd.user_busy(user.id):
            wanted = RoutingStatus.INTERACTING
        elif user.routing_status == RoutingStatus.NOT_RESPONDING and not entering_queue:
            wanted = RoutingStatus.NOT_RESPONDING
        else:
            wanted = RoutingStatus.IDLE
        if wanted != user.routing_status:
            self.set_routing_status(user, wanted)

    def set_routing_status(self, user: User, status: RoutingStatus) -> None:
        root = self.root
        previous = user.routing_status
        now = root.clock.time()
        user.routing_status = status
        user.routing_start = now
        if status == RoutingStatus.IDLE:
            user.idle_since = now
        root.emit_change("user.routingStatus", {
            "userId": user.id, "status": status.value, "previous": previous.value, "startTime": root.clock.iso(now),
            "topics": [topics.user_routing_status(root, user), topics.user_activity(root, user)],
        })
        if status == RoutingStatus.IDLE:
            self.acd.route_for_user(user)
