"""A server WebSocket run by one thread: wsproto framing over the upgrade request's own (TLS) socket.

Only the thread that serves the upgrade request reads, writes and closes the socket. It never blocks on
the socket itself: a selector waits for the peer, for room to write, or for a wake-up from another thread.
It hands the socket back to the HTTP server only once it is done with it.

Why this is not left to a background reader thread, as simple-websocket does: OpenSSL does not allow one
TLS connection to be used by two threads at once. A reader racing the writer, or the HTTP server's own read
after the response racing a reader that is still busy, corrupts the connection. The symptoms are
`WRONG_VERSION_NUMBER` and heap corruption. Also, a read still pending when the server closes the descriptor
lands on whatever connection is accepted next under the same number.
"""

from __future__ import annotations

import selectors
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import AcceptConnection, CloseConnection, Message, Ping, Request, TextMessage
from wsproto.extensions import PerMessageDeflate
from wsproto.utilities import RemoteProtocolError

RECEIVE_BYTES = 64 * 1024  # more than a TLS record holds, so one read takes a whole record
READS_PER_TURN = 16  # a peer that never stops sending still lets queued frames out
WRITE_CHUNK = 256 * 1024  # what one write may carry when output has piled up
CLOSE_TIMEOUT = 5.0  # seconds (real time) the peer gets to answer a close frame before the socket goes
_WOULD_BLOCK = (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError, InterruptedError)


class HandshakeError(Exception):
    """The upgrade request is not a WebSocket opening handshake; nothing has been written to the socket."""


class ServerWebSocket:
    """One accepted WebSocket.

    Construct it with the request's WSGI environ (werkzeug exposes the socket as `werkzeug.socket`). The
    101 answer is queued, not written, so a refused handshake can still get an ordinary HTTP error.

    Only the serving thread calls these methods: `wait`, `receive`, `send_texts`, `flush`, `close`,
    `finish` and `release`. Any thread may call `wake`.
    """

    def __init__(self, environ: Mapping[str, Any], deflate: bool = True) -> None:
        sock = environ.get("werkzeug.socket")
        if sock is None:
            raise HandshakeError("the WSGI server does not expose the request's socket")
        self.sock: socket.socket = sock
        self.protocol = WSConnection(ConnectionType.SERVER)
        self._out = bytearray()
        self._writing = b""  # bytes handed to a write that must be retried unchanged (TLS)
        self._fragments: list[Any] = []
        self._more_to_read = False
        self._eof = False
        self._failed = False
        self.peer_closed = False  # the peer sent a close frame, or its side of the connection ended
        self.written = 0  # bytes the socket has taken so far (a peer that does not read stops this count)
        self._accept(environ, deflate)
        # A wake-up never writes to a descriptor that `release()` closed (its number may be reused by then).
        self._wake_lock = threading.Lock()
        self._released = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._mask = selectors.EVENT_READ
        self.sock.setblocking(False)
        self._selector.register(self.sock, self._mask)

    def _accept(self, environ: Mapping[str, Any], deflate: bool) -> None:
        # werkzeug has already read the request head: rebuild it for wsproto from the environ.
        lines = [f"{environ.get('REQUEST_METHOD', 'GET')} / HTTP/1.1"]
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                lines.append(f"{key[5:].replace('_', '-').title()}: {value}")
        try:
            self.protocol.receive_data(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            requests = [e for e in self.protocol.events() if isinstance(e, Request)]
        except (RemoteProtocolError, UnicodeEncodeError) as exc:
            raise HandshakeError(str(exc)) from exc
        if not requests:
            raise HandshakeError("incomplete opening handshake")
        extensions = [PerMessageDeflate()] if deflate else []
        self._out += self.protocol.send(AcceptConnection(extensions=extensions))

    def no_delay(self) -> None:
        """Send each write at once: otherwise a write that follows an unacknowledged one may wait up to
        40 ms for the peer's delayed ACK (Nagle's algorithm), on a channel that gets events in bursts."""
        try:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    # -- any thread ------------------------------------------------------------------------------
    def wake(self) -> None:
        with self._wake_lock:
            if self._released:
                return  # nobody waits any more
            try:
                self._wake_w.send(b"\0")
            except BlockingIOError:
                pass  # full: a wake-up is pending already

    # -- the serving thread ----------------------------------------------------------------------
    @property
    def has_output(self) -> bool:
        return bool(self._writing or self._out)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the peer sent something, a wake-up came, there is room for pending output, or
        `timeout` passed. It returns at once when bytes that were already received still wait to be read."""
        if self._more_to_read or self._buffered():
            return
        # After the end of the peer's side, the socket always reads as ready: wait for room to write only.
        mask = (0 if self._eof else selectors.EVENT_READ) | (selectors.EVENT_WRITE if self.has_output else 0)
        if not mask:
            return
        if mask != self._mask:
            self._selector.modify(self.sock, mask)
            self._mask = mask
        for key, _ in self._selector.select(timeout):
            if key.fileobj is self._wake_r:
                try:
                    while self._wake_r.recv(4096):
                        pass
                except OSError:
                    pass

    def _buffered(self) -> bool:
        pending = getattr(self.sock, "pending", None)  # TLS: decrypted bytes not yet read
        return bool(pending and pending())

    def receive(self) -> list[str]:
        """The messages the peer has sent so far, without blocking. When the peer closes, `peer_closed`
        is set and its close frame is answered. Raises OSError when the connection fails."""
        self._read_available()
        texts: list[str] = []
        for event in self.protocol.events():
            if isinstance(event, Message):
                self._fragments.append(event.data)
                if event.message_finished:
                    parts, self._fragments = self._fragments, []
                    if isinstance(event, TextMessage):
                        texts.append("".join(parts))
                    else:
                        texts.append(b"".join(parts).decode("utf-8", "replace"))
            elif isinstance(event, Ping):
                if self.protocol.state is ConnectionState.OPEN:
                    self._out += self.protocol.send(event.response())
            elif isinstance(event, CloseConnection):
                self.peer_closed = True
                if self.protocol.state is ConnectionState.REMOTE_CLOSING:
                    self._out += self.protocol.send(event.response())
                elif self.protocol.state is ConnectionState.OPEN:
                    # A frame that could not be parsed (1002): tell the peer why and stop listening to it
                    # (RFC 6455 §7.1.7), since nothing it sends from here on can be read.
                    self._out += self.protocol.send(CloseConnection(event.code, event.reason))
                    self._failed = True
        return texts

    def _read_available(self) -> None:
        self._more_to_read = False
        for _ in range(READS_PER_TURN):
            try:
                data = self.sock.recv(RECEIVE_BYTES)
            except _WOULD_BLOCK:
                return
            if not data:
                # The end of the peer's side of the connection; wsproto reports it as a close (1006) when
                # the close handshake had not finished.
                self._eof = True
                if self.protocol.state is not ConnectionState.CLOSED:
                    self.protocol.receive_data(None)
                else:
                    self.peer_closed = True
                return
            if self.protocol.state is not ConnectionState.CLOSED:
                self.protocol.receive_data(data)
            # else: the close handshake is over, and whatever else arrives is dropped
        self._more_to_read = True

    def send_texts(self, texts: list[str], batch: bool = True) -> None:
        """Queue one text frame per message and write what the socket takes now. With `batch`, the
        frames go out in as few writes as possible; without it, one write per frame."""
        for text in texts:
            self._out += self.protocol.send(TextMessage(data=text))
            if not batch:
                self.flush()
        self.flush()

    def flush(self) -> None:
        """Write pending output until the socket would block. Raises OSError when the connection fails."""
        while self._writing or self._out:
            if not self._writing:
                self._writing = bytes(self._out[:WRITE_CHUNK])
                del self._out[:WRITE_CHUNK]
            try:
                sent = self.sock.send(self._writing)
            except _WOULD_BLOCK:
                return  # a TLS write must be retried with the very same bytes: keep them
            self._writing = self._writing[sent:]
            self.written += sent

    def close(self, code: int, reason: str) -> None:
        """Queue a close frame after all pending output and write what the socket takes now. `finish()` then
        completes the close handshake. Raises OSError when the connection fails."""
        if self.protocol.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
            self._out += self.protocol.send(CloseConnection(code, reason))
        self.flush()

    def abort(self, code: int, reason: str) -> None:
        """Give up on a peer that does not read. It gets a close frame only when nothing else waits to be
        written (a frame queued behind unsent output would never arrive); otherwise the unsent output is dropped
        and the connection just ends. Either way `finish()` then returns without waiting for the peer."""
        if not self.has_output and self.protocol.state is ConnectionState.OPEN:
            self._out += self.protocol.send(CloseConnection(code, reason))
            try:
                self.flush()
            except OSError:
                pass  # the peer is gone already
        self._writing = b""
        self._out.clear()
        self._failed = True

    def finish(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Complete a close handshake under way: write the rest of the output, then wait, up to `timeout`,
        for the peer's answer or the end of its side of the connection. Returns at once when nobody has
        closed (the connection failed). Raises OSError when the connection fails."""
        if self.protocol.state is ConnectionState.OPEN and not self._failed:
            return
        deadline = time.monotonic() + timeout
        while True:
            self.flush()
            over = self._eof or self._failed or self.protocol.state is ConnectionState.CLOSED
            if over and not self.has_output:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.wait(remaining)
            self.receive()

    def release(self) -> None:
        """Give the socket back to the HTTP server, for it to close. The socket is blocking again and its
        sending side is shut: an HTTP response written after the WebSocket fails at once (the server treats
        that as a dropped connection), and the peer sees the end of the stream."""
        with self._wake_lock:
            self._released = True
            self._selector.close()
            self._wake_r.close()
            self._wake_w.close()
        try:
            self.sock.setblocking(True)
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
