"""One notification WebSocket: a send queue filled by the journal listener and drained by the socket's own thread."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simple_websocket import ConnectionClosed

log = logging.getLogger(__name__)

PING_REPLY = json.dumps({"topicName": "channel.metadata", "eventBody": {"message": "pong"}}, separators=(",", ":"))
HEARTBEAT = json.dumps(
    {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}, separators=(",", ":")
)
MAX_BATCH_BYTES = 256 * 1024  # what one write may carry when a queue has piled up


def text_frame(text: str) -> bytes:
    """One unmasked, unfragmented server-to-client text frame (RFC 6455 §5.2)."""
    data = text.encode("utf-8")
    size = len(data)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + data


@dataclass(frozen=True)
class Close:
    """A queued instruction: close the socket with this code and reason once everything before it is sent."""

    code: int
    reason: str


class Connection:
    """The server side of one socket of one channel.

    A connection is registered on its channel before the upgrade is answered (so nothing published
    after the client sees the socket open is missed) and gets its socket with `bind()`. Only the
    socket's own thread writes to the socket; every other thread (the journal listener, clock timers,
    REST handlers) calls `push()`, which never blocks. Once bound, the wake-up event is the one
    simple-websocket sets when a frame arrives or the peer goes away, so one wait covers both
    directions.
    """

    def __init__(self, channel_id: str, owner: str, generation: int, batch: bool = True, nodelay: bool = True) -> None:
        self.channel_id = channel_id
        self.owner = owner
        self.generation = generation
        self.ws: Any = None
        self._out: deque[str | Close] = deque()
        self._wake = threading.Event()
        self.closed = False
        self.close_reason = ""
        self.sent = 0
        self.heartbeat_timer: Any = None
        self._raw = False
        self._batch = batch
        self._nodelay = nodelay

    def bind(self, ws: Any) -> None:
        """Take over the upgraded socket; what was queued meanwhile goes out first."""
        self.ws = ws
        # Frames are written straight to the socket, many per write, unless the client negotiated an
        # extension (permessage-deflate), which only the protocol library can apply.
        environ = getattr(ws, "environ", {}) or {}
        self._raw = (
            self._batch
            and not environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS")
            and hasattr(ws, "sock")
            and hasattr(ws, "ws")
        )
        sock = getattr(ws, "sock", None)
        if sock is not None and self._nodelay:
            # Without this, a write that follows an unacknowledged one may wait for the peer's delayed
            # ACK (Nagle's algorithm), up to 40 ms on Linux, on a channel that gets events in bursts.
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        self._wake = ws.event
        # A push that saw the old event appended before this line, so the first pass drains it.
        self._wake.set()

    @property
    def bound(self) -> bool:
        return self.ws is not None

    # -- any thread ------------------------------------------------------------------------------
    def push(self, item: str | Close) -> None:
        if self.closed:
            return
        self._out.append(item)
        self._wake.set()

    def push_many(self, items: list[str]) -> None:
        if self.closed:
            return
        self._out.extend(items)
        self._wake.set()

    def close(self, code: int, reason: str) -> None:
        """Close after what is queued already (e.g. a system message) has gone out."""
        self.push(Close(code, reason))

    @property
    def pending(self) -> int:
        return len(self._out)

    # -- the socket's thread ---------------------------------------------------------------------
    def run(self, on_text: Callable[[Connection, str], None]) -> str:
        """Serve until the socket closes; returns why it closed."""
        ws = self.ws
        try:
            while True:
                self._wake.wait()
                # Clear before draining: a push after this point sets the event again, so none is missed.
                self._wake.clear()
                while True:
                    try:
                        text = ws.receive(timeout=0)
                    except ConnectionClosed:
                        return self._finish("closed by the client")
                    if text is None:
                        break
                    on_text(self, text if isinstance(text, str) else text.decode("utf-8", "replace"))
                while self._out:
                    item = self._out[0]
                    if isinstance(item, Close):
                        try:
                            ws.close(item.code, item.reason)
                        except ConnectionClosed:
                            pass
                        return self._finish(item.reason)
                    self._send_pending()
                if not ws.connected:
                    return self._finish("closed by the client")
        except (ConnectionClosed, OSError) as exc:
            return self._finish(f"connection lost: {exc.__class__.__name__}")

    def _send_pending(self) -> None:
        """Send queued messages up to the next Close in one write. One system call per frame would give
        up the interpreter lock after every frame, and busy REST threads could hold it each time."""
        ws = self.ws
        if not self._raw:
            item = self._out.popleft()
            ws.send(item)
            self.sent += 1
            return
        frames: list[bytes] = []
        size = 0
        while self._out and size < MAX_BATCH_BYTES:
            item = self._out[0]
            if isinstance(item, Close):
                break
            self._out.popleft()
            frame = text_frame(item)
            frames.append(frame)
            size += len(frame)
        if not ws.connected:
            raise ConnectionClosed(ws.close_reason, ws.close_message)
        ws.sock.sendall(b"".join(frames))
        self.sent += len(frames)

    def _finish(self, reason: str) -> str:
        self.closed = True
        self.close_reason = reason
        self._out.clear()
        return reason
