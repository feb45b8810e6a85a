"""Genesys notifications: a channel with topic subscriptions (through the SDK) and its WebSocket (websocket-client).

The socket is kept alive for as long as the connector runs: when it drops, when the platform warns with
`v2.system.socket_closing`, when the channel expires or the token is revoked, the listener reconnects
(to the same channel if it still exists, else to a new one) and subscribes again. Events missed while it
was away are recovered by the `on_reconnected` callback, which re-reads the tracked conversations.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import PureCloudPlatformClientV2 as gc
import websocket

from .genesys_rest import GenesysRest
from .logs import get_log
from .ports import AuthenticationError, PlatformError

log = get_log("notifications")

MAX_TOPICS_PER_CHANNEL = 1000
PING_INTERVAL = 30.0
PING_TIMEOUT = 10.0
ROLLOVER_MARGIN = 300.0  # open a fresh channel this long before the current one expires
MAX_BACKOFF = 10.0


@dataclass
class Channel:
    id: str
    connect_uri: str
    expires: float | None  # epoch seconds


def _epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


class NotificationListener:
    """One notification channel (up to 1,000 topics) and its socket, in a thread of its own."""

    def __init__(self, rest: GenesysRest, topics: list[str], on_event: Callable[[str, dict[str, Any]], None],
                 on_open: Callable[[NotificationListener, bool], None], ca_file: str | None,
                 stop: threading.Event, on_fatal: Callable[[Exception], None], name: str = "notifications") -> None:
        self.rest = rest
        self.topics = topics
        self.on_event = on_event
        self.on_open = on_open
        self.on_fatal = on_fatal
        self.ca_file = ca_file
        self.stop = stop
        self.name = name
        self.channel: Channel | None = None
        self.opened_once = False
        self._ws: websocket.WebSocketApp | None = None
        self._drop_channel = False
        self._quick = False
        self._rollover: threading.Timer | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        if self._rollover:
            self._rollover.cancel()
        ws = self._ws
        if ws is not None:
            try:
                ws.close(timeout=0.5)
            except Exception:  # noqa: BLE001 - closing a socket that is already gone
                pass

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    # -- channel and subscriptions -------------------------------------------------------------------
    def _ensure_channel(self) -> Channel:
        if self.channel is not None and not self._drop_channel:
            try:
                self.rest.call("head channel", lambda: self.rest.notifications.head_notifications_channel(
                    self.channel.id))
                return self.channel
            except PlatformError as exc:
                if not exc.not_found:
                    raise
                log.info("notification channel gone", channelId=self.channel.id)
        self._drop_channel = False
        created = self.rest.call("create channel", lambda: self.rest.notifications.post_notifications_channels())
        self.channel = Channel(created.id, created.connect_uri, _epoch(created.expires))
        log.info("notification channel created", channelId=created.id, topics=len(self.topics))
        return self.channel

    def _subscribe(self, channel: Channel) -> None:
        body = []
        for topic in self.topics:
            item = gc.ChannelTopic()
            item.id = topic
            body.append(item)
        listing = self.rest.call("subscribe", lambda: self.rest.notifications.put_notifications_channel_subscriptions(
            channel.id, body))
        rejected = [t.id for t in (listing.entities or []) if (t.state or "").lower() == "rejected"]
        if rejected:
            log.warning("topics rejected", channelId=channel.id, topics=",".join(rejected[:10]))

    def _schedule_rollover(self, channel: Channel) -> None:
        if self._rollover:
            self._rollover.cancel()
        if channel.expires is None:
            return
        delay = max(60.0, channel.expires - time.time() - ROLLOVER_MARGIN)
        self._rollover = threading.Timer(delay, self._roll_over, args=(channel.id,))
        self._rollover.daemon = True
        self._rollover.start()

    def _roll_over(self, channel_id: str) -> None:
        if self.channel and self.channel.id == channel_id and not self.stop.is_set():
            log.info("notification channel about to expire; moving to a new one", channelId=channel_id)
            self._drop_channel = True
            self._quick = True
            self.close()

    # -- the socket ------------------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = 0.5
        while not self.stop.is_set():
            try:
                channel = self._ensure_channel()
                self._subscribe(channel)
            except AuthenticationError as exc:
                self.on_fatal(exc)
                return
            except PlatformError as exc:
                log.warning("notification setup failed; retrying", status=exc.status, retryIn=backoff,
                            detail=exc.detail[:200])
                if exc.not_found:
                    self._drop_channel = True
                if self.stop.wait(backoff):
                    return
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            self._schedule_rollover(channel)
            opened = threading.Event()
            ws = websocket.WebSocketApp(
                channel.connect_uri,
                on_open=lambda _ws, ev=opened: self._opened(ev),
                on_message=lambda _ws, message: self._message(_ws, message),
                on_error=lambda _ws, error: log.debug("notification socket error", error=str(error)),
                on_close=lambda _ws, code, reason: log.info("notification socket closed", code=code,
                                                            reason=reason or ""),
            )
            self._ws = ws
            sslopt = {"ca_certs": self.ca_file} if self.ca_file else None
            try:
                ws.run_forever(sslopt=sslopt, ping_interval=PING_INTERVAL, ping_timeout=PING_TIMEOUT,
                               skip_utf8_validation=True)
            except Exception as exc:  # noqa: BLE001 - any socket failure means: reconnect
                log.warning("notification socket failed", error=str(exc))
            self._ws = None
            if self.stop.is_set():
                return
            if opened.is_set():
                backoff = 0.5
            if self._quick:
                self._quick = False
                continue
            log.info("reconnecting notification socket", retryIn=backoff)
            if self.stop.wait(backoff):
                return
            backoff = min(MAX_BACKOFF, backoff * 2)

    def _opened(self, opened: threading.Event) -> None:
        first = not self.opened_once
        self.opened_once = True
        opened.set()
        log.info("notification socket open", channelId=self.channel.id if self.channel else None)
        self.on_open(self, first)

    def _message(self, ws: websocket.WebSocketApp, message: str) -> None:
        try:
            envelope = json.loads(message)
        except ValueError:
            return
        if not isinstance(envelope, dict):
            return
        topic = str(envelope.get("topicName") or "")
        body = envelope.get("eventBody") if isinstance(envelope.get("eventBody"), dict) else {}
        if topic == "channel.metadata":
            return  # heartbeat or pong
        if topic.startswith("v2.system"):
            self._system_message(ws, topic, body)
            return
        try:
            self.on_event(topic, body)
        except Exception:  # noqa: BLE001 - one bad event must not kill the socket
            log.error("notification handling failed", exc_info=True, topic=topic)

    def _system_message(self, ws: websocket.WebSocketApp, topic: str, body: dict[str, Any]) -> None:
        kind = str(body.get("systemTopicType") or "")
        log.info("notification system message", topic=topic, type=kind, reason=body.get("reason"))
        if kind == "token_revoked":
            try:
                self.rest.auth.refresh(self.rest.auth.token)
            except Exception:  # noqa: BLE001 - the reconnect below retries and reports
                log.warning("token renewal after revocation failed", exc_info=True)
            self._drop_channel = True
        elif kind in ("no_longer_subscribed", "subscription_changed"):
            self._drop_channel = True
        self._quick = True
        try:
            ws.close(timeout=0.5)
        except Exception:  # noqa: BLE001
            pass
