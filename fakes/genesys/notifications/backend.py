"""Notification channel rules of the Genesys fake: ownership, limits, subscriptions, expiry, sockets and delivery."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from omni_harness.fakes.core.faults import FaultAction, FaultRule
from omni_harness.fakes.core.journal import Entry

from ..config import NotificationConfig
from ..errors import foreign_channel, invalid_topic, not_found, too_many_subscriptions
from .connection import HEARTBEAT, PING_REPLY, Connection, SlowConsumerBound
from .topics import (
    SOCKET_CLOSING_TOPIC,
    TOKEN_REVOKED_TOPIC,
    TopicCheck,
    TopicProblem,
    check,
    expand,
)

if TYPE_CHECKING:
    from ..model.fake import GenesysFake
    from ..model.tokens import Principal

_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_COMPACT = (",", ":")
_ENCODE = json.JSONEncoder(separators=_COMPACT).encode  # built once: json.dumps(separators=...) builds one per call


@dataclass(eq=False)
class Channel:
    """One notification channel. `topics` keeps subscription order; `connection` is its open socket."""

    id: str
    serial: int
    client_id: str
    user_id: str | None
    owner: str
    token: str
    created: float
    expires: float
    last_used: float
    topics: dict[str, None] = field(default_factory=dict)
    connection: Connection | None = None
    backlog: list[str] = field(default_factory=list)  # only with buffer_while_disconnected
    expiry_timer: Any = None
    warning_timer: Any = None
    token_timer: Any = None

    @property
    def key(self) -> tuple[str, str | None]:
        """The user/app combination the channel limit counts per."""
        return (self.client_id, self.user_id)


class NotificationBackend:
    """State and every rule of the notification service of one Genesys org (`GenesysFake.notifications`).

    State changes happen under the org lock (`fake.lock`) and each appends one journal event. The journal
    listener (`on_entry`) takes no lock at all: it reads `routes`, a dict of immutable tuples that writers
    replace under the org lock, and only appends to socket queues.
    """

    def __init__(self, fake: GenesysFake, config: NotificationConfig | None = None) -> None:
        self.fake = fake
        self.config = config or NotificationConfig()
        self.channels: dict[str, Channel] = {}
        self.routes: dict[str, tuple[Channel, ...]] = {}
        self.generation = 0
        self._serial = 0
        self._rng = random.Random()
        self.connect_base = "ws://127.0.0.1"
        self._org_id = ""
        self.delivered = 0  # deliveries handed to sockets, for state() and benchmarks
        fake.journal.add_listener(self.on_entry)
        fake.faults.add_listener(self.on_fault_added)

    # -- helpers ---------------------------------------------------------------------------------
    @property
    def lock(self):
        return self.fake.lock

    @property
    def clock(self):
        return self.fake.clock

    def _now(self) -> float:
        return self.clock.time()

    def _emit(self, type: str, data: dict[str, Any]) -> None:
        self.fake.emit_change(type, data)

    def _new_channel_id(self) -> str:
        # The shape of real ids: streaming-<shard>-<26 lower-case alphanumerics>.
        shard = self._rng.randrange(10)
        return f"streaming-{shard}-" + "".join(self._rng.choice(_ID_ALPHABET) for _ in range(26))

    def connect_uri(self, channel: Channel) -> str:
        return f"{self.connect_base}/channels/{channel.id}"

    def organization_id(self) -> str:
        return self._org_id

    # -- lifecycle -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every channel; open sockets are closed without journal events (the journal starts over)."""
        with self.lock:
            self.generation += 1
            for channel in self.channels.values():
                self._cancel_timers(channel)
                if channel.connection is not None:
                    self._stop_heartbeat(channel.connection)
                    channel.connection.close(self.config.close_code_removed, "service reset")
            self.channels.clear()
            self.routes = {}
            seed = self.fake.world.plan.seed
            self._rng = random.Random(f"genesys-notifications-{seed}")
            self._org_id = str(_uuid_from(self._rng))
            self._serial = 0

    def bind(self, streaming_base_url: str) -> None:
        base = streaming_base_url.rstrip("/")
        if base.startswith("https://"):
            base = "wss://" + base[len("https://") :]
        elif base.startswith("http://"):
            base = "ws://" + base[len("http://") :]
        self.connect_base = base

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "channels": [self._channel_state(c) for c in self.channels.values()],
                "limits": {
                    "channelsPerOwner": self.config.channel_limit,
                    "topicsPerChannel": self.config.topic_limit,
                    "channelLifetimeSeconds": self.config.channel_lifetime_seconds,
                    "heartbeatSeconds": self.config.heartbeat_seconds,
                },
                "delivered": self.delivered,
            }

    def _channel_state(self, c: Channel) -> dict[str, Any]:
        return {
            "id": c.id,
            "owner": c.owner,
            "connectUri": self.connect_uri(c),
            "created": self.clock.iso(c.created),
            "expires": self.clock.iso(c.expires),
            "lastUsed": self.clock.iso(c.last_used),
            "connected": c.connection is not None,
            "topics": list(c.topics),
            "pending": c.connection.pending if c.connection else 0,
        }

    # -- channels --------------------------------------------------------------------------------
    def create_channel(self, principal: Principal) -> Channel:
        """A new channel; at the limit the owner's channel used longest ago goes, unconnected ones first."""
        with self.lock:
            now = self._now()
            mine = [c for c in self.channels.values() if c.key == (principal.client_id, principal.user_id)]
            if len(mine) >= self.config.channel_limit:
                victim = min(mine, key=lambda c: (c.connection is not None, c.last_used, c.serial))
                self._remove(victim, "removed", "channel limit reached", self.config.close_code_removed)
            self._serial += 1
            channel = Channel(
                id=self._new_channel_id(),
                serial=self._serial,
                client_id=principal.client_id,
                user_id=principal.user_id,
                owner=principal.owner,
                token=principal.token,
                created=now,
                expires=now + self.config.channel_lifetime_seconds,
                last_used=now,
            )
            self.channels[channel.id] = channel
            self._schedule_expiry(channel)
            channel.token_timer = self.clock.call_at(
                principal.expires_at, lambda: self._check_token(channel), name=f"notifications-token-{channel.id}"
            )
            self._emit("notifications.channel", {"channelId": channel.id, "owner": channel.owner, "action": "created"})
            return channel

    def list_channels(self, principal: Principal, include: str) -> list[tuple[Channel, bool]]:
        """`includechannels=token`: this token's channels; `oauthclient`: every channel of the user and app.
        Each with whether it is this token's own (the others are listed without their id, SDK docs)."""
        with self.lock:
            out = []
            for c in self.channels.values():
                if c.key != (principal.client_id, principal.user_id):
                    continue
                if c.token == principal.token:
                    out.append((c, True))
                elif include == "oauthclient":
                    out.append((c, False))
            return out

    def channel_exists(self, principal: Principal, channel_id: str) -> bool:
        with self.lock:
            channel = self.channels.get(channel_id)
            return channel is not None and channel.key == (principal.client_id, principal.user_id)

    def _owned(self, principal: Principal, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise not_found()
        if channel.key != (principal.client_id, principal.user_id):
            raise foreign_channel(self.config.foreign_channel_status)
        return channel

    def _remove(
        self, channel: Channel, action: str, reason: str, close_code: int, system_message: str | None = None
    ) -> None:
        """Drop a channel and its topics, close its socket (after an optional system message)."""
        self.channels.pop(channel.id, None)
        self._cancel_timers(channel)
        self._set_topics(channel, {})
        conn = channel.connection
        if conn is not None:
            self._stop_heartbeat(conn)
            if system_message is not None:
                conn.push(system_message)
            conn.close(close_code, reason)
        self._emit("notifications.channel", {"channelId": channel.id, "owner": channel.owner, "action": action})

    def _cancel_timers(self, channel: Channel) -> None:
        for timer in (channel.expiry_timer, channel.warning_timer, channel.token_timer):
            if timer is not None:
                timer.cancel()

    # -- expiry and tokens -----------------------------------------------------------------------
    def _schedule_expiry(self, channel: Channel) -> None:
        for timer in (channel.expiry_timer, channel.warning_timer):
            if timer is not None:
                timer.cancel()
        channel.expiry_timer = self.clock.call_at(
            channel.expires, lambda: self._expire(channel), name=f"notifications-expiry-{channel.id}"
        )
        warning = self.config.expiry_warning_seconds
        channel.warning_timer = None
        if warning is not None and warning > 0:
            channel.warning_timer = self.clock.call_at(
                channel.expires - warning,
                lambda: self._warn(channel),
                name=f"notifications-expiry-warning-{channel.id}",
            )

    def _warn(self, channel: Channel) -> None:
        with self.lock:
            if self.channels.get(channel.id) is channel and channel.connection is not None:
                channel.connection.push(
                    self.system_message(
                        SOCKET_CLOSING_TOPIC, channel, "The channel expires soon; subscribe again to keep it."
                    )
                )

    def _expire(self, channel: Channel) -> None:
        with self.lock:
            if self.channels.get(channel.id) is not channel or channel.expires > self._now():
                return
            self._remove(channel, "expired", "channel expired", self.config.close_code_expired)

    def _check_token(self, channel: Channel) -> None:
        with self.lock:
            if self.channels.get(channel.id) is not channel:
                return
            if self.fake.oauth.token_valid(channel.token):
                # Still valid at its due time: look again a little later rather than never.
                channel.token_timer = self.clock.call_later(
                    1.0, lambda: self._check_token(channel), name=f"notifications-token-{channel.id}"
                )
                return
            self._revoke(channel)

    def _revoke(self, channel: Channel) -> None:
        message = self.system_message(
            TOKEN_REVOKED_TOPIC,
            channel,
            "The access token of this channel is no longer valid.",
            system_topic_type="token_revoked",
            reason="user_tokens_revoked",
        )
        self._remove(channel, "removed", "token no longer valid", self.config.close_code_token, message)

    def tokens_expired(self) -> None:
        """Called by the org after it expired or revoked tokens: channels of dead tokens close now."""
        with self.lock:
            for channel in list(self.channels.values()):
                if not self.fake.oauth.token_valid(channel.token):
                    self._revoke(channel)

    def system_message(
        self,
        topic: str,
        channel: Channel,
        message: str,
        system_topic_type: str | None = None,
        reason: str | None = None,
    ) -> str:
        """A `v2.system.*` envelope whose body is a `SystemMessageSystemMessage`."""
        correlation_id = self.fake.correlation_id()
        body: dict[str, Any] = {
            "channelId": channel.id,
            "correlationId": correlation_id,
            "organizationId": self.organization_id(),
        }
        if system_topic_type:
            body["systemTopicType"] = system_topic_type
        if channel.user_id:
            body["userId"] = channel.user_id
        body["oauthClientId"] = channel.client_id
        if reason:
            body["reason"] = reason
        body["message"] = message
        return _ENCODE(
            {"topicName": topic, "version": "2", "eventBody": body, "metadata": {"CorrelationId": correlation_id}}
        )

    # -- subscriptions ---------------------------------------------------------------------------
    def subscriptions(self, principal: Principal, channel_id: str) -> list[TopicCheck]:
        with self.lock:
            return _subscribed(self._owned(principal, channel_id))

    def change_subscriptions(
        self, principal: Principal, channel_id: str, requested: list[str], replace: bool, ignore_errors: bool
    ) -> list[TopicCheck]:
        """PUT (`replace`) or POST (add): the channel's topics, then those rejected. Nothing changes when a topic
        is refused.

        inferred: `ignoreErrors=true` turns topics about unknown users or queues into Rejected entries
        (the platform documents it for failed permission checks); malformed topics are refused anyway.
        """
        with self.lock:
            channel = self._owned(principal, channel_id)
            names: dict[str, None] = {}
            for topic in requested:
                for name in expand(topic):
                    names[name] = None
            accepted: list[str] = []
            rejected: list[TopicCheck] = []
            for name in names:
                result = check(name, self.fake.users.user_exists, self.fake.routing.queue_exists)
                if result.problem == TopicProblem.INVALID or (result.problem is not None and not ignore_errors):
                    raise invalid_topic(name)
                if result.ok:
                    accepted.append(name)
                else:
                    rejected.append(result)
            topics = {} if replace else dict(channel.topics)
            for name in accepted:
                topics[name] = None
            if len(topics) > self.config.topic_limit:
                raise too_many_subscriptions(self.config.topic_limit)
            self._set_topics(channel, topics)
            now = self._now()
            channel.last_used = now
            channel.expires = now + self.config.channel_lifetime_seconds
            self._schedule_expiry(channel)
            self._emit(
                "notifications.subscriptions",
                {"channelId": channel.id, "owner": channel.owner, "topics": list(channel.topics)},
            )
            return _subscribed(channel) + rejected

    def delete_subscriptions(self, principal: Principal, channel_id: str) -> None:
        with self.lock:
            channel = self._owned(principal, channel_id)
            self._set_topics(channel, {})
            channel.last_used = self._now()
            self._emit("notifications.subscriptions", {"channelId": channel.id, "owner": channel.owner, "topics": []})

    def _set_topics(self, channel: Channel, topics: dict[str, None]) -> None:
        """Swap the channel's topics and rebuild the affected routes (copy-on-write for the listener)."""
        old, new = set(channel.topics), set(topics)
        channel.topics = topics
        if old == new:
            return
        routes = dict(self.routes)
        for name in old - new:
            remaining = tuple(c for c in routes.get(name, ()) if c is not channel)
            if remaining:
                routes[name] = remaining
            else:
                routes.pop(name, None)
        for name in new - old:
            routes[name] = routes.get(name, ()) + (channel,)
        self.routes = routes

    # -- sockets ---------------------------------------------------------------------------------
    def reserve(self, channel_id: str) -> Connection | None:
        """A socket is being opened on `channel_id` (before the upgrade is answered): from now on the
        channel's events queue for it. A socket already open on the channel is closed (one per channel)."""
        with self.lock:
            channel = self.channels.get(channel_id)
            if channel is None:
                return None
            conn = Connection(
                channel_id, channel.owner, self.generation, self.config.batch_frames, self.config.tcp_nodelay,
                SlowConsumerBound(self.config.max_queued_messages, self.config.slow_consumer_seconds,
                                  self.config.close_code_slow_consumer),
            )
            old = channel.connection
            channel.connection = conn
            channel.last_used = self._now()
            if old is not None:
                # inferred: the platform allows one connection per channel; the newer one wins
                self._stop_heartbeat(old)
                old.close(self.config.close_code_replaced, "another connection opened on this channel")
            if channel.backlog:
                conn.push_many(channel.backlog)
                channel.backlog = []
            return conn

    def attach(self, conn: Connection, ws: Any) -> bool:
        """The upgrade succeeded: the socket starts serving `conn`. False when the channel went meanwhile."""
        with self.lock:
            conn.bind(ws)
            channel = self.channels.get(conn.channel_id)
            if conn.generation != self.generation or channel is None or channel.connection is not conn:
                return False
            self._start_heartbeat(conn)
            self._emit(
                "notifications.socket",
                {"channelId": channel.id, "owner": channel.owner, "action": "opened", "reason": "connected"},
            )
            rule = self.fake.faults.match_socket_close(channel.id)
            if rule is not None:
                self._apply_socket_fault(channel, conn, rule)
            return True

    def release(self, conn: Connection) -> None:
        """The upgrade never happened: forget the reserved connection without a journal event."""
        with self.lock:
            channel = self.channels.get(conn.channel_id)
            if channel is not None and channel.connection is conn:
                channel.connection = None
            conn.closed = True

    def detach(self, conn: Connection, reason: str) -> None:
        with self.lock:
            self._stop_heartbeat(conn)
            if conn.generation != self.generation:
                return
            channel = self.channels.get(conn.channel_id)
            if channel is not None and channel.connection is conn:
                channel.connection = None
                channel.last_used = self._now()
            self._emit(
                "notifications.socket",
                {"channelId": conn.channel_id, "owner": conn.owner, "action": "closed", "reason": reason},
            )

    def _start_heartbeat(self, conn: Connection) -> None:
        interval = self.config.heartbeat_seconds
        if interval and interval > 0:
            self._schedule_heartbeat(conn, self._now() + interval)

    def _schedule_heartbeat(self, conn: Connection, due: float) -> None:
        conn.heartbeat_timer = self.clock.call_at(due, lambda: self._beat(conn, due), name="notifications-heartbeat")

    def _beat(self, conn: Connection, due: float) -> None:
        if conn.closed or conn.heartbeat_timer is None:
            return
        conn.push(HEARTBEAT)
        interval = self.config.heartbeat_seconds
        following = due + interval
        now = self._now()
        if following < now - interval * self.config.heartbeat_catch_up:
            following = now
        self._schedule_heartbeat(conn, following)

    def _stop_heartbeat(self, conn: Connection) -> None:
        timer, conn.heartbeat_timer = conn.heartbeat_timer, None
        if timer is not None:
            timer.cancel()

    def on_client_text(self, conn: Connection, text: str) -> None:
        """Frames from the client: `{"message":"ping"}` gets the pong; `subscribe` / `unsubscribe` with
        `topics` change the channel's subscriptions; anything else is ignored (inferred)."""
        try:
            message = json.loads(text)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        kind = message.get("message")
        if kind == "ping":
            conn.push(PING_REPLY)
        elif kind in ("subscribe", "unsubscribe"):
            conn.push(self._socket_subscription(conn, kind, message.get("topics"), message.get("correlationId")))

    def _socket_subscription(self, conn: Connection, kind: str, topics: Any, correlation_id: Any) -> str:
        """inferred: subscriptions over the socket (as some clients send them) act like POST (subscribe) or
        removal (unsubscribe) for the channel's own owner; the reply carries a result and a status."""
        reply: dict[str, Any] = {}
        if isinstance(correlation_id, str):
            reply["correlationId"] = correlation_id
        if not isinstance(topics, list) or not all(isinstance(t, str) and t for t in topics):
            return _ENCODE(reply | {"result": "400", "status": "error", "message": "topics must be a list of names"})
        with self.lock:
            channel = self.channels.get(conn.channel_id)
            if channel is None or channel.connection is not conn:
                return _ENCODE(reply | {"result": "404", "status": "error", "message": "The channel does not exist."})
            names = [n for t in topics for n in expand(t)]
            updated = dict(channel.topics)
            if kind == "subscribe":
                for name in names:
                    if not check(name, self.fake.users.user_exists, self.fake.routing.queue_exists).ok:
                        return _ENCODE(
                            reply
                            | {
                                "result": "400",
                                "status": "failure",
                                "message": "The subscription topic is not valid.",
                                "topic": name,
                            }
                        )
                    updated[name] = None
                if len(updated) > self.config.topic_limit:
                    return _ENCODE(reply | {"result": "400", "status": "failure", "message": "Too many subscriptions"})
            else:
                for name in names:
                    updated.pop(name, None)
            self._set_topics(channel, updated)
            now = self._now()
            channel.last_used = now
            if kind == "subscribe":
                channel.expires = now + self.config.channel_lifetime_seconds
                self._schedule_expiry(channel)
            self._emit(
                "notifications.subscriptions",
                {"channelId": channel.id, "owner": channel.owner, "topics": list(channel.topics)},
            )
        return _ENCODE(reply | {"result": "200", "status": "subscribed" if kind == "subscribe" else "unsubscribed"})

    # -- faults and maintenance ------------------------------------------------------------------
    def on_fault_added(self, rule: FaultRule) -> None:
        """A `close_socket` rule acts on the sockets open now (and on sockets opened later, in `attach`)."""
        if rule.action != FaultAction.CLOSE_SOCKET:
            return
        with self.lock:
            for channel in list(self.channels.values()):
                conn = channel.connection
                if conn is None:
                    continue
                matched = self.fake.faults.match_socket_close(channel.id)
                if matched is not None:
                    self._apply_socket_fault(channel, conn, matched)

    def _apply_socket_fault(self, channel: Channel, conn: Connection, rule: FaultRule) -> None:
        """Close at once; with body `{"socketClosing": true}` warn first and close `latencySeconds` later
        (virtual time), as the platform does for maintenance."""
        body = rule.body if isinstance(rule.body, dict) else {}
        if body.get("socketClosing"):
            self._socket_closing(channel, conn, rule.latencySeconds)
        else:
            code = body.get("closeCode")
            code = code if isinstance(code, int) and 1000 <= code <= 4999 else self.config.close_code_fault
            self._stop_heartbeat(conn)
            conn.close(code, "closed by a fault rule")

    def socket_closing(self, channel_id: str | None = None, grace_seconds: float = 60.0) -> int:
        """Send `v2.system.socket_closing` to every open socket (or that of `channel_id`) and close each one
        `grace_seconds` of virtual time later. Returns how many sockets were warned."""
        with self.lock:
            count = 0
            for channel in list(self.channels.values()):
                if channel_id is not None and channel.id != channel_id:
                    continue
                if channel.connection is not None:
                    self._socket_closing(channel, channel.connection, grace_seconds)
                    count += 1
            return count

    def _socket_closing(self, channel: Channel, conn: Connection, grace_seconds: float) -> None:
        conn.push(
            self.system_message(
                SOCKET_CLOSING_TOPIC, channel, "The socket will close for maintenance; reconnect to the channel."
            )
        )

        def close_now() -> None:
            self._stop_heartbeat(conn)
            conn.close(self.config.close_code_maintenance, "closed for maintenance")

        if grace_seconds > 0:
            self.clock.call_later(grace_seconds, close_now, name=f"notifications-maintenance-{channel.id}")
        else:
            close_now()

    # -- delivery (journal listener) -------------------------------------------------------------
    def on_entry(self, entry: Entry) -> None:
        """Deliver every notification of a Genesys event to the channels subscribed to its topic.

        Runs on the appending thread, in journal order: it only serialises once per topic and enqueues.
        """
        if entry.kind != "event" or entry.source != self.fake.name:
            return
        topics = entry.data.get("topics")
        if not topics:
            return
        routes = self.routes
        faults = self.fake.faults
        for topic in topics:
            name = topic.get("topicName") if isinstance(topic, dict) else None
            channels = routes.get(name) if name else None
            if not channels:
                continue
            payload = _ENCODE(
                {
                    "topicName": name,
                    "version": "2",
                    "eventBody": topic.get("eventBody"),
                    "metadata": {"CorrelationId": entry.correlationId},
                }
            )
            for channel in channels:
                conn = channel.connection
                if conn is None:
                    if self.config.buffer_while_disconnected:
                        channel.backlog.append(payload)
                    continue
                rule = faults.match_event(name)
                if rule is None:
                    conn.push(payload)
                elif rule.action == FaultAction.DUPLICATE_EVENT:
                    conn.push_many([payload, payload])
                elif rule.action == FaultAction.DELAY_EVENT:
                    self.clock.call_later(
                        rule.latencySeconds, lambda c=conn, p=payload: c.push(p), name=f"notifications-delay-{name}"
                    )
                # DROP_EVENT: nothing is sent
                self.delivered += 1


def _subscribed(channel: Channel) -> list[TopicCheck]:
    """The channel's topics, each accepted already (so not checked for its user or queue again)."""
    return [check(name, lambda _: True, lambda _: True) for name in channel.topics]


def _uuid_from(rng: random.Random):
    import uuid

    return uuid.UUID(int=rng.getrandbits(128), version=4)
