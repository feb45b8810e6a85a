"""Streaming API (CometD/Bayeux long-polling): clients, subscriptions with replay, and delivery of change events.

`StreamingBackend` is the model behind `/cometd/<version>`; the handlers in routes/streaming.py only parse requests
and serialise the replies. Events come from the journal: a listener only enqueues each `sobject.change` entry;
whoever next needs the bus (a poll, a subscribe) turns pending entries into bus events under the org's lock, so
the change events of one transaction are always complete and `isTransactionEnd` is known.

Lock order: the org's lock, then the streaming lock; journal events are appended with neither held.

Faults apply on delivery, per message channel (reference: FaultEngine): `drop_event`, `duplicate_event`,
`delay_event` (real seconds); `close_socket` drops the client that is about to receive an event of the matching
channel instead of delivering it: the poll answers `403::Unknown client`, and only a resubscribe with replay
recovers what was queued. A `close_socket` rule with body `{"when": "now"}` instead drops, as it is added, the
clients subscribed to a matching channel. Nothing is lost or duplicated otherwise.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from omni_harness.fakes.core.faults import FaultAction, FaultRule

from ..config import StreamingConfig
from ..errors import (
    AUTH_INVALID,
    CHANNEL_MISSING,
    CHANNEL_NO_SLASH,
    CHANNEL_UNKNOWN,
    CONNECTION_TYPE,
    HANDSHAKE_DENIED,
    INVALID_MESSAGE,
    PUBLISH_DENIED,
    REPLAY_INVALID,
    USER_MISMATCH,
    VERSION_MISSING,
    VERSION_UNSUPPORTED,
    unknown_client,
)
from ..model.org import SalesforceOrg
from ..views import bayeux, events
from .channels import ChangeEvents, PushTopics, RecordChange, Transaction, external_routing_filters
from .replay import Family, ReplayLog, StreamEvent, family_of

if TYPE_CHECKING:
    from omni_harness.fakes.core.clock import Timer
    from omni_harness.fakes.core.journal import Entry

log = logging.getLogger(__name__)


class Meta(StrEnum):
    HANDSHAKE = "/meta/handshake"
    CONNECT = "/meta/connect"
    SUBSCRIBE = "/meta/subscribe"
    UNSUBSCRIBE = "/meta/unsubscribe"
    DISCONNECT = "/meta/disconnect"


class ClientAction(StrEnum):
    """`streaming.client` journal event actions (briefs: journal event catalogue)."""

    HANDSHAKE = "handshake"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    DISCONNECT = "disconnect"
    EXPIRED = "expired"


LONG_POLLING = "long-polling"
REPLAY_NEW = -1
REPLAY_ALL = -2

HANDSHAKE_EXT = {"replay": True, "payload.format": True}


@dataclass
class StreamingAuth:
    """What the request's Authorization header proved: a user, or the failure text to report."""

    user_id: str | None
    failure: str | None = None


@dataclass
class Delivery:
    replay_id: int
    channel: str
    message: dict[str, Any]
    not_before: float = 0.0  # time.monotonic(); set by a delay_event fault
    faulted: bool = False  # event faults already applied


@dataclass
class Client:
    client_id: str
    user_id: str
    subscriptions: dict[str, int] = field(default_factory=dict)  # channel -> replay position asked for
    queue: list[Delivery] = field(default_factory=list)
    connects: int = 0
    polling: int = 0
    poll_token: int = 0
    gone: str | None = None  # why the server forgot it: disconnect | timeout | dropped | reset
    expiry: Timer | None = None
    handshake_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"clientId": self.client_id, "userId": self.user_id, "subscriptions": dict(self.subscriptions),
                "queued": len(self.queue), "connects": self.connects, "polling": self.polling > 0,
                "handshakeAt": self.handshake_at}


@dataclass
class _Emit:
    action: ClientAction
    client_id: str
    user_id: str
    extra: dict[str, Any] = field(default_factory=dict)


class StreamingBackend:
    """CometD server state of one org: created by the SalesforceFake as `fake.streaming`."""

    def __init__(self, org: SalesforceOrg, config: StreamingConfig | None = None) -> None:
        self.org = org
        self.config = config or StreamingConfig.for_org(org.config)
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._clients: dict[str, Client] = {}
        self._pending: deque[Entry] = deque()
        seed = self._seed()
        self._log = ReplayLog({Family.CDC: self.config.cdc_retention_seconds,
                               Family.TOPIC: self.config.pushtopic_retention_seconds}, seed)
        self._cdc = self._change_events()
        self._topics = PushTopics()
        self._topics_loaded = False
        self._txns: dict[str, Transaction] = {}
        self._commit_number = 0
        self._rng = random.Random(f"cometd-{seed}")
        org.journal.add_listener(self._on_journal)
        org.faults.add_listener(self._on_fault_added)

    # -- lifecycle ------------------------------------------------------------------------------------------
    def _seed(self) -> int:
        return int(self.org.world.plan.seed)

    def _change_events(self) -> ChangeEvents:
        filters = external_routing_filters()
        return ChangeEvents(entities=tuple(self.config.cdc_entities),
                            custom_channels={name: filters for name in self.config.external_routing_channels})

    def reset(self) -> None:
        """Forget every client, subscription and retained event (the org's `reset`, under its lock)."""
        seed = self._seed()
        with self._lock:
            for client in list(self._clients.values()):
                self._forget(client, "reset")
            self._clients.clear()
            self._pending.clear()
            self._txns.clear()
            self._log.reset(seed)
            self._log.retention = {Family.CDC: self.config.cdc_retention_seconds,
                                   Family.TOPIC: self.config.pushtopic_retention_seconds}
            self._cdc = self._change_events()
            self._rng = random.Random(f"cometd-{seed}")
            self._commit_number = 0
            self._topics.clear()
            self._topics_loaded = False
            self._wake.notify_all()
        self._load_topics()

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "clients": [c.to_json() for c in self._clients.values()],
                "retained": self._log.counts(),
                "pendingChanges": len(self._pending),
                "lastReplayId": self._log.last_replay_id,
                "pushTopics": self._topics.state(),
                "channels": sorted(self._cdc.channel_names()),
                "holdSeconds": self.config.hold_seconds,
            }

    def clients(self) -> list[dict[str, Any]]:
        with self._lock:
            return [c.to_json() for c in self._clients.values()]

    def wait_for_poll(self, client_id: str, timeout: float) -> bool:
        """Wait (real seconds) until the client has a /meta/connect held on the server; False on time-out."""
        with self._lock:
            return self._wake.wait_for(
                lambda: (c := self._clients.get(client_id)) is not None and c.polling > 0, timeout)

    # -- the journal listener: only enqueues ----------------------------------------------------------------
    def _on_journal(self, entry: Entry) -> None:
        if entry.kind != "event" or entry.type != "sobject.change" or entry.source != self.org.name:
            return
        with self._lock:
            self._pending.append(entry)
            self._wake.notify_all()

    # -- turning journal entries into bus events (org lock, then streaming lock) ----------------------------
    def _load_topics(self) -> None:
        try:
            with self.org.lock:
                records = self.org.records("PushTopic")
                with self._lock:
                    self._topics.load(records, self.org)
                    self._topics_loaded = True
        except Exception:  # the org may not be built yet; load on first use
            log.debug("PushTopics not loaded yet", exc_info=True)

    def _pump(self) -> None:
        """Publish pending changes; the caller holds the org's lock and the streaming lock."""
        if not self._topics_loaded:
            self._topics.load(self.org.records("PushTopic"), self.org)
            self._topics_loaded = True
        if not self._pending:
            return
        changes = [c for c in (RecordChange.from_entry(e) for e in self._pending) if c is not None]
        self._pending.clear()
        last_of_txn: dict[str, int] = {}
        for i, change in enumerate(changes):
            if self._cdc.channels_for(change):
                last_of_txn[change.transaction_key] = i
        for i, change in enumerate(changes):
            self._topics.apply(change, self.org)
            channels = self._cdc.channels_for(change)
            if channels:
                self._publish_change(change, channels, last_of_txn[change.transaction_key] == i)
            for channel, found in self._topics.notifications(change, self.org):
                replay_id = self._log.next_id()
                data = events.topic_event(change, found, replay_id)
                self._publish(StreamEvent(replay_id, change.at, (channel,), data, Family.TOPIC))
        self._log.prune(self.org.clock.time())

    def _publish_change(self, change: RecordChange, channels: tuple[str, ...], is_end: bool) -> None:
        txn = self._txns.get(change.transaction_key)
        if txn is None:
            self._commit_number += self._rng.randint(1, 40)
            txn = Transaction(commit_number=self._commit_number, commit_timestamp=int(round(change.at * 1000)))
            self._txns[change.transaction_key] = txn
        txn.count += 1
        replay_id = self._log.next_id()
        data = events.change_event(change, txn, txn.count, is_end, replay_id)
        if is_end:
            del self._txns[change.transaction_key]
        self._publish(StreamEvent(replay_id, change.at, channels, data, Family.CDC))

    def _publish(self, event: StreamEvent) -> None:
        self._log.append(event)
        for client in self._clients.values():
            for channel in event.channels:
                if channel in client.subscriptions:
                    client.queue.append(Delivery(event.replay_id, channel, event.message(channel)))
        self._wake.notify_all()

    def flush(self) -> None:
        """Publish every pending change now (polls and subscribes do it anyway; for callers inspecting the bus)."""
        with self.org.lock, self._lock:
            self._pump()

    # -- Bayeux -------------------------------------------------------------------------------------------
    def check_version(self, version: str | None) -> str | None:
        """The error text for a `/cometd/<version>` the platform refuses, or None."""
        current = self.config.current_version
        if not version:
            return VERSION_MISSING.format(current=current)
        try:
            value = float(version)
        except ValueError:
            value = -1.0
        if not (self.config.min_version <= value <= self.config.max_version):
            return VERSION_UNSUPPORTED.format(minimum=f"{self.config.min_version:.1f}", current=current)
        return None

    def handle(self, messages: list[Any], auth: StreamingAuth, version: str = "") -> list[dict[str, Any]]:
        """Answer one POSTed batch: one reply per message (events ahead of the connect reply)."""
        try:
            api_version = float(version)
        except ValueError:
            api_version = self.config.max_version
        emits: list[_Emit] = []
        replies: list[dict[str, Any] | None] = []
        connect: tuple[int, dict[str, Any]] | None = None
        for message in messages:
            if not isinstance(message, dict) or not isinstance(message.get("channel"), str):
                replies.append(bayeux.reply(message if isinstance(message, dict) else {}, error=INVALID_MESSAGE))
                continue
            channel = message["channel"]
            if channel == Meta.HANDSHAKE:
                replies.append(self._handshake(message, auth, emits))
            elif channel == Meta.CONNECT:
                if connect is None:
                    connect = (len(replies), message)
                    replies.append(None)
                else:
                    replies.append(bayeux.reply(message, error=INVALID_MESSAGE))
            elif channel == Meta.SUBSCRIBE:
                replies.append(self._subscribe(message, auth, api_version, emits))
            elif channel == Meta.UNSUBSCRIBE:
                replies.append(self._unsubscribe(message, auth, emits))
            elif channel == Meta.DISCONNECT:
                replies.append(self._disconnect(message, auth, emits))
            elif channel.startswith("/meta/"):
                replies.append(bayeux.reply(message, error=INVALID_MESSAGE))
            else:
                # The Streaming API does not take CometD publishes (aiosfstream's docs; REST publishes events).
                replies.append(bayeux.reply(message, error=PUBLISH_DENIED))
        self._journal(emits)
        events: list[dict[str, Any]] = []
        if connect is not None:
            index, message = connect
            emits = []
            reply, events = self._connect(message, auth, emits)
            replies[index] = reply
            self._journal(emits)
        out: list[dict[str, Any]] = []
        for reply in replies:
            if reply is not None and reply.get("channel") == Meta.CONNECT and events:
                out.extend(events)
                events = []
            if reply is not None:
                out.append(reply)
        return out

    # -- meta channels ------------------------------------------------------------------------------------
    def _client_for(self, message: dict[str, Any], auth: StreamingAuth,
                    **echo: Any) -> tuple[Client | None, dict[str, Any] | None]:
        """The message's live client, or the error reply that stops it."""
        client_id = message.get("clientId")
        if auth.failure is not None:
            extra = {"clientId": client_id} if isinstance(client_id, str) else {}
            return None, bayeux.reply(message, error=auth.failure, advice={"reconnect": "none", "interval": 0},
                                **extra, **echo)
        with self._lock:
            client = self._clients.get(client_id) if isinstance(client_id, str) else None
            if client is None or client.gone is not None:
                return None, unknown_client(message, **echo)
            if client.user_id != auth.user_id:
                return None, bayeux.reply(message, error=USER_MISMATCH, advice={"reconnect": "none"}, **echo)
            return client, None

    def _handshake(self, message: dict[str, Any], auth: StreamingAuth, emits: list[_Emit]) -> dict[str, Any]:
        if auth.failure is not None or auth.user_id is None:
            return bayeux.reply(message, error=HANDSHAKE_DENIED, advice={"reconnect": "none"},
                          ext={"sfdc": {"failureReason": auth.failure or AUTH_INVALID}, **HANDSHAKE_EXT})
        offered = message.get("supportedConnectionTypes")
        if isinstance(offered, list) and offered and LONG_POLLING not in offered:
            return bayeux.reply(message, error=CONNECTION_TYPE.format(connection_type=",".join(map(str, offered))),
                          advice={"reconnect": "none"})
        with self._lock:
            client_id = self._new_client_id()
            client = Client(client_id, auth.user_id, handshake_at=self.org.clock.iso())
            self._clients[client_id] = client
            self._arm_expiry(client)
        emits.append(_Emit(ClientAction.HANDSHAKE, client_id, auth.user_id))
        return bayeux.reply(message, ext=dict(HANDSHAKE_EXT), minimumVersion="1.0", clientId=client_id,
                      supportedConnectionTypes=[LONG_POLLING], version="1.0", successful=True)

    def _subscriber(self, message: dict[str, Any], auth: StreamingAuth) -> tuple[Client | None, dict[str, Any] | None]:
        """The live client of a (un)subscribe message that names its `subscription`, or the error reply that
        stops it (which echoes the subscription)."""
        subscription = message.get("subscription")
        echo = {"subscription": subscription} if subscription is not None else {}
        client, error = self._client_for(message, auth, **echo)
        if error is None and (not isinstance(subscription, str) or not subscription):
            assert client is not None
            error = bayeux.reply(message, clientId=client.client_id, error=CHANNEL_MISSING, **echo)
        return client, error

    def _subscribe(self, message: dict[str, Any], auth: StreamingAuth, api_version: float,
                   emits: list[_Emit]) -> dict[str, Any]:
        client, error = self._subscriber(message, auth)
        if error is not None:
            return error
        assert client is not None
        subscription: str = message["subscription"]
        echo = {"subscription": subscription}
        if not subscription.startswith("/"):
            return bayeux.reply(message, clientId=client.client_id, error=CHANNEL_NO_SLASH, **echo)
        requested = _requested_replay(message, subscription)
        if api_version < self.config.replay_min_version:
            requested = REPLAY_NEW
        with self.org.lock, self._lock:
            self._pump()
            if client.gone is not None:
                return unknown_client(message, **echo)
            if not self._channel_exists(subscription):
                return bayeux.reply(message, clientId=client.client_id,
                              error=CHANNEL_UNKNOWN.format(channel=subscription), **echo)
            if requested == REPLAY_NEW:
                replayed: list[StreamEvent] = []
            elif requested == REPLAY_ALL:
                replayed = self._log.retained(subscription)
            elif (isinstance(requested, int) and not isinstance(requested, bool)
                  and self._log.is_valid(subscription, requested)):
                replayed = self._log.after(subscription, requested)
            else:
                return bayeux.reply(message, clientId=client.client_id,
                              error=REPLAY_INVALID.format(replay_id=requested), **echo)
            if requested != REPLAY_NEW:
                # A resubscribe with replay starts the channel over: what was queued comes again in order.
                client.queue = [d for d in client.queue if d.channel != subscription]
            client.subscriptions[subscription] = requested
            client.queue.extend(Delivery(e.replay_id, subscription, e.message(subscription)) for e in replayed)
            self._wake.notify_all()
        emits.append(_Emit(ClientAction.SUBSCRIBE, client.client_id, client.user_id,
                           {"subscription": subscription, "replayId": requested}))
        return bayeux.reply(message, clientId=client.client_id, subscription=subscription, successful=True)

    def _unsubscribe(self, message: dict[str, Any], auth: StreamingAuth, emits: list[_Emit]) -> dict[str, Any]:
        client, error = self._subscriber(message, auth)
        if error is not None:
            return error
        assert client is not None
        subscription: str = message["subscription"]
        with self._lock:
            removed = client.subscriptions.pop(subscription, None) is not None
            client.queue = [d for d in client.queue if d.channel != subscription]
        if removed:
            emits.append(_Emit(ClientAction.UNSUBSCRIBE, client.client_id, client.user_id,
                               {"subscription": subscription}))
        return bayeux.reply(message, clientId=client.client_id, subscription=subscription, successful=True)

    def _disconnect(self, message: dict[str, Any], auth: StreamingAuth, emits: list[_Emit]) -> dict[str, Any]:
        client, error = self._client_for(message, auth)
        if error is not None:
            return error
        assert client is not None
        with self._lock:
            self._forget(client, "disconnect")
        emits.append(_Emit(ClientAction.DISCONNECT, client.client_id, client.user_id))
        return bayeux.reply(message, clientId=client.client_id, successful=True)

    def _connect(self, message: dict[str, Any], auth: StreamingAuth,
                 emits: list[_Emit]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        client, error = self._client_for(message, auth)
        if error is not None:
            return error, []
        assert client is not None
        connection_type = message.get("connectionType")
        if connection_type is not None and connection_type != LONG_POLLING:
            return bayeux.reply(message, clientId=client.client_id,
                          error=CONNECTION_TYPE.format(connection_type=connection_type)), []
        deadline = time.monotonic() + max(0.0, self.config.hold_seconds)
        with self._lock:
            if client.gone is not None:
                return unknown_client(message), []
            client.poll_token += 1
            token = client.poll_token
            client.polling += 1
            first = client.connects == 0
            client.connects += 1
            if client.expiry is not None:
                client.expiry.cancel()
                client.expiry = None
            self._wake.notify_all()  # an older poll of this client answers now
        try:
            return self._hold(client, message, token, first, deadline, emits)
        finally:
            with self._lock:
                client.polling -= 1
                if client.gone is None and client.polling == 0:
                    self._arm_expiry(client)

    def _hold(self, client: Client, message: dict[str, Any], token: int, first: bool, deadline: float,
              emits: list[_Emit]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        ok = {"clientId": client.client_id, "successful": True}
        if first:
            ok["advice"] = {"interval": 0, "timeout": int(self.config.hold_seconds * 1000), "reconnect": "retry"}
        while True:
            with self.org.lock, self._lock:
                self._pump()
                if client.gone == "disconnect":
                    return bayeux.reply(message, clientId=client.client_id, successful=True,
                                  advice={"reconnect": "none", "interval": 0}), []
                if client.gone is not None:
                    return unknown_client(message), []
                if client.poll_token != token:
                    return bayeux.reply(message, **ok), []
                events, dropped = self._take_ready(client)
                if dropped:
                    self._forget(client, "close_socket")
                    emits.append(_Emit(ClientAction.EXPIRED, client.client_id, client.user_id,
                                       {"reason": "close_socket"}))
                    return unknown_client(message), []
                if events or first or time.monotonic() >= deadline:
                    return bayeux.reply(message, **ok), events
            with self._lock:
                while not (self._pending or client.gone is not None or client.poll_token != token):
                    now = time.monotonic()
                    if any(d.not_before <= now for d in client.queue):
                        break
                    wait_until = min([deadline] + [d.not_before for d in client.queue])
                    if wait_until <= now:
                        break
                    self._wake.wait(wait_until - now)

    def _take_ready(self, client: Client) -> tuple[list[dict[str, Any]], bool]:
        """Deliverable messages of `client` after event faults; True when a close_socket fault drops it."""
        now = time.monotonic()
        ready = [d for d in client.queue if d.not_before <= now]
        if not ready:
            return [], False
        faults = self.org.faults
        for delivery in ready:
            if not delivery.faulted and faults.match_socket_close(delivery.channel) is not None:
                return [], True
        out: list[dict[str, Any]] = []
        keep: list[Delivery] = []
        for delivery in client.queue:
            if delivery.not_before > now:
                keep.append(delivery)
                continue
            if not delivery.faulted:
                rule = faults.match_event(delivery.channel)
                if rule is not None:
                    delivery.faulted = True
                    if rule.action == FaultAction.DROP_EVENT:
                        continue
                    if rule.action == FaultAction.DUPLICATE_EVENT:
                        out.append(delivery.message)
                    elif rule.action == FaultAction.DELAY_EVENT and rule.latencySeconds > 0:
                        delivery.not_before = now + rule.latencySeconds
                        keep.append(delivery)
                        continue
            out.append(delivery.message)
        client.queue = keep
        return out, False

    # -- dropping clients -----------------------------------------------------------------------------------
    def drop_clients(self, client_id: str | None = None, user_id: str | None = None,
                     channel: str | None = None) -> list[str]:
        """Forget the matching clients at once (all when no filter): their next poll answers
        `403::Unknown client` with `reconnect: handshake`. Returns the dropped client ids."""
        emits: list[_Emit] = []
        with self._lock:
            for client in list(self._clients.values()):
                if client_id is not None and client.client_id != client_id:
                    continue
                if user_id is not None and client.user_id != user_id:
                    continue
                if channel is not None and channel not in client.subscriptions:
                    continue
                self._forget(client, "dropped")
                emits.append(_Emit(ClientAction.EXPIRED, client.client_id, client.user_id, {"reason": "dropped"}))
        self._journal(emits)
        return [e.client_id for e in emits]

    def _on_fault_added(self, rule: FaultRule) -> None:
        """A `close_socket` rule with body `{"when": "now"}` drops the matching subscribers at once."""
        body = rule.body if isinstance(rule.body, dict) else {}
        if rule.action != FaultAction.CLOSE_SOCKET or body.get("when") != "now":
            return
        emits: list[_Emit] = []
        with self._lock:
            for client in list(self._clients.values()):
                for channel in list(client.subscriptions):
                    if self.org.faults.match_socket_close(channel) is not None:
                        self._forget(client, "close_socket")
                        emits.append(_Emit(ClientAction.EXPIRED, client.client_id, client.user_id,
                                           {"reason": "close_socket"}))
                        break
        self._journal(emits)

    def _forget(self, client: Client, reason: str) -> None:
        """Caller holds the streaming lock."""
        client.gone = reason
        client.queue.clear()
        if client.expiry is not None:
            client.expiry.cancel()
            client.expiry = None
        self._clients.pop(client.client_id, None)
        self._wake.notify_all()

    def _arm_expiry(self, client: Client) -> None:
        """Caller holds the streaming lock."""
        if client.expiry is not None:
            client.expiry.cancel()
        client.expiry = self.org.clock.call_later(
            self.config.client_timeout_seconds, lambda: self._expire(client), name=f"cometd-expiry-{client.client_id}")

    def _expire(self, client: Client) -> None:
        with self._lock:
            if client.gone is not None or client.polling > 0 or self._clients.get(client.client_id) is not client:
                return
            self._forget(client, "timeout")
        self._journal([_Emit(ClientAction.EXPIRED, client.client_id, client.user_id, {"reason": "timeout"})])

    # -- helpers ------------------------------------------------------------------------------------------
    def _channel_exists(self, channel: str) -> bool:
        if channel.startswith("/topic/"):
            return self._topics.by_name(channel[len("/topic/"):]) is not None
        return family_of(channel) == Family.CDC and channel in self._cdc.channel_names()

    def _new_client_id(self) -> str:
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
        while True:
            candidate = "".join(self._rng.choice(alphabet) for _ in range(27))
            if candidate not in self._clients:
                return candidate

    def _journal(self, emits: list[_Emit]) -> None:
        """Append the `streaming.client` events; never called with the streaming lock held."""
        correlation = self.org.request.correlation_id()
        for e in emits:
            data = {"clientId": e.client_id, "userId": e.user_id, "action": str(e.action)}
            data.update(e.extra)
            self.org.emit("streaming.client", data, correlation)


def _requested_replay(message: dict[str, Any], subscription: str) -> Any:
    """The replay position asked for in `ext.replay` (-1, new events only, when absent)."""
    ext = message.get("ext")
    replay = ext.get("replay") if isinstance(ext, dict) else None
    if not isinstance(replay, dict) or subscription not in replay:
        return REPLAY_NEW
    value = replay[subscription]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return value
    return value
