"""One notification WebSocket: a send queue filled by any thread and drained by the socket's own thread."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .wire import ServerWebSocket

PING_REPLY = json.dumps({"topicName": "channel.metadata", "eventBody": {"message": "pong"}}, separators=(",", ":"))
HEARTBEAT = json.dumps(
    {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}, separators=(",", ":")
)
MAX_BATCH_BYTES = 256 * 1024  # what one turn hands to the socket when a queue has piled up


@dataclass(frozen=True)
class Close:
    """A queued instruction: close the socket with this code and reason once everything before it is sent."""

    code: int
    reason: str


@dataclass(frozen=True)
class SlowConsumerBound:
    """When a consumer counts as not reading: more than `max_queued` messages waiting while its socket has taken
    no bytes for `stall_seconds` (real time). It is then disconnected, with `close_code` if the socket still
    takes a close frame."""

    max_queued: int | None
    stall_seconds: float
    close_code: int

    @property
    def reason(self) -> str:
        return f"consumer not reading: more than {self.max_queued} messages queued"


NO_BOUND = SlowConsumerBound(None, 0.0, 1008)


class Connection:
    """The server side of one socket of one channel.

    A connection is registered on its channel before the upgrade is answered (so nothing published
    after the client sees the socket open is missed) and gets its socket with `bind()`. Only the
    socket's own thread touches the socket (see `wire`); every other thread (the journal
    listener, clock timers, REST handlers) calls `push()`, which never blocks and wakes that thread.
    """

    def __init__(self, channel_id: str, owner: str, generation: int, batch: bool = True, nodelay: bool = True,
                 bound: SlowConsumerBound = NO_BOUND) -> None:
        self.channel_id = channel_id
        self.owner = owner
        self.generation = generation
        self.ws: ServerWebSocket | None = None
        self._out: deque[str | Close] = deque()
        self.closed = False
        self.close_reason = ""
        self.sent = 0
        self.most_queued = 0  # the longest the queue has been
        self.heartbeat_timer: Any = None
        self._batch = batch
        self._nodelay = nodelay
        self._bound = bound
        self._last_progress = time.monotonic()  # when the socket last took bytes (or had nothing left to take)

    def bind(self, ws: ServerWebSocket) -> None:
        """Take over the upgraded socket; what was queued meanwhile goes out first."""
        if self._nodelay:
            ws.no_delay()
        self.ws = ws
        # A push that saw no socket yet appended before this line, so the first pass drains it.
        ws.wake()

    @property
    def bound(self) -> bool:
        return self.ws is not None

    # -- any thread ------------------------------------------------------------------------------
    def push(self, item: str | Close) -> None:
        if self.closed:
            return
        self._out.append(item)
        self.most_queued = max(self.most_queued, len(self._out))
        self._wake()

    def push_many(self, items: list[str]) -> None:
        if self.closed:
            return
        self._out.extend(items)
        self.most_queued = max(self.most_queued, len(self._out))
        self._wake()

    def close(self, code: int, reason: str) -> None:
        """Close after what is queued already (e.g. a system message) has gone out."""
        self.push(Close(code, reason))

    def _wake(self) -> None:
        ws = self.ws
        if ws is not None:
            ws.wake()

    @property
    def pending(self) -> int:
        return len(self._out)

    # -- the socket's thread ---------------------------------------------------------------------
    def run(self, on_text: Callable[[Connection, str], None]) -> str:
        """Serve until either side closes the socket; returns why. The close handshake is left to finish
        (`ServerWebSocket.finish`), so the channel forgets the socket as soon as it is closing."""
        ws = self.ws
        assert ws is not None, "run() before bind()"
        try:
            while True:
                ws.wait(self._stall_timeout())
                for text in ws.receive():
                    on_text(self, text)
                if ws.peer_closed:
                    return self._finish("closed by the client")
                while True:
                    self._flush(ws)
                    # Hand the socket more only once it took what it had: a slow reader keeps the backlog
                    # here, where `pending` shows it.
                    if ws.has_output or not self._out:
                        break
                    item = self._out[0]
                    if isinstance(item, Close):
                        self._out.popleft()
                        try:
                            ws.close(item.code, item.reason)
                        except OSError:
                            pass  # the peer is gone already; the close stands
                        return self._finish(item.reason)
                    self._send_pending()
                if self._not_reading(ws):
                    ws.abort(self._bound.close_code, self._bound.reason)
                    return self._finish(self._bound.reason)
        except OSError as exc:
            return self._finish(f"connection lost: {exc.__class__.__name__}")

    def _flush(self, ws: ServerWebSocket) -> None:
        written = ws.written
        ws.flush()
        if ws.written != written or not ws.has_output:
            self._last_progress = time.monotonic()

    def _over_bound(self) -> bool:
        limit = self._bound.max_queued
        return limit is not None and len(self._out) > limit

    def _stall_timeout(self) -> float | None:
        """How long the socket's thread may wait: over the bound, no longer than until the stall is due."""
        if not self._over_bound():
            return None
        return max(0.0, self._last_progress + self._bound.stall_seconds - time.monotonic())

    def _not_reading(self, ws: ServerWebSocket) -> bool:
        return (self._over_bound() and ws.has_output
                and time.monotonic() - self._last_progress >= self._bound.stall_seconds)

    def _send_pending(self) -> None:
        """Hand the socket the queued messages up to the next Close, at most MAX_BATCH_BYTES. The socket
        writes them in as few system calls as it can: one call per frame would give up the interpreter
        lock after every frame, and busy REST threads could hold it each time."""
        batch: list[str] = []
        size = 0
        while self._out and size < MAX_BATCH_BYTES:
            item = self._out[0]
            if isinstance(item, Close):
                break
            self._out.popleft()
            batch.append(item)
            size += len(item)
        assert self.ws is not None
        written = self.ws.written
        self.ws.send_texts(batch, self._batch)
        if self.ws.written != written or not self.ws.has_output:
            self._last_progress = time.monotonic()
        self.sent += len(batch)

    def _finish(self, reason: str) -> str:
        self.closed = True
        self.close_reason = reason
        self._out.clear()
        return reason
