"""An echo server for many clients on one thread: the EventLoop and callbacks.

First read loop.py; this puts the TCP/IP page's echo protocol (framing.py) on it.
No callback may block, so sockets are non-blocking, and what a thread kept in
local variables (a half-read frame, an unsent reply) lives in a Connection.

Shown on docs/*/event-driven.md, run by notebooks/event_driven_*.ipynb,
tested by tests/event_driven/.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from snippets.event_driven.loop import EventLoop, describe
from snippets.loopback import LOOPBACK, ListeningServer
from snippets.tcp_ip.framing import (
    HEADER,
    LINGER_BYTES,
    LINGER_SECONDS,
    MAX_PAYLOAD,
    FrameError,
    encode_frame,
    split_frames,
)

BACKLOG = 1024  # many clients may connect at once
HIGH_WATER = 256 * 1024  # stop reading from a client that does not read its echoes
Handler = Callable[[bytes], bytes]  # request payload in, reply payload out


def echo(payload: bytes) -> bytes:
    return payload


def cut_short(inbox: bytes) -> str:
    """Describe a frame the peer stopped sending halfway, as recv_exactly() does."""
    if len(inbox) < HEADER.size:
        return f"connection closed after {len(inbox)} of {HEADER.size} bytes"
    _kind, length = HEADER.unpack_from(inbox)
    return f"connection closed after {len(inbox) - HEADER.size} of {length} bytes"


@dataclass
class Connection:
    deadline: float  # closed if nothing arrives or leaves by then: the idle timeout
    inbox: bytearray = field(default_factory=bytearray)  # an unfinished frame
    outbox: bytearray = field(default_factory=bytearray)  # replies not yet sent
    closing: bool = False  # once the outbox is empty: FIN, then wait for the peer's EOF
    discarded: int = 0  # input thrown away while waiting for that EOF


class CallbackEchoServer(ListeningServer):
    """Echo every data frame back; answer a bad frame with an error frame."""

    def __init__(self, handler: Handler = echo, max_payload: int = MAX_PAYLOAD, idle_timeout: float = 5.0):
        self.handler = handler
        self.max_payload = max_payload
        self.idle_timeout = idle_timeout
        self.loop = EventLoop()
        self.served_connections = 0
        self.errors: list[str] = []
        self._connections: dict[socket.socket, Connection] = {}
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    def start(self) -> CallbackEchoServer:
        if self._listener is not None:
            raise RuntimeError("server is already started")
        self._listener = socket.create_server((LOOPBACK, 0), backlog=BACKLOG)
        self._listener.setblocking(False)
        self.loop.add_reader(self._listener, self._on_accept)
        self._thread = threading.Thread(target=self._run, name="event-loop")
        self._thread.start()
        return self

    def _run(self) -> None:
        self.loop.run_until(lambda: self._closing)
        for conn in list(self._connections):
            self._close(conn)
        assert self._listener is not None
        self.loop.remove_reader(self._listener)
        self._listener.close()
        self.loop.close()

    # --8<-- [start:echo-callbacks]
    def _on_accept(self, listener: socket.socket) -> None:
        try:
            conn, _peer = listener.accept()
        except (BlockingIOError, ConnectionAbortedError):  # the client gave up first
            return
        conn.setblocking(False)  # recv() and send() must never wait: the loop waits
        self.served_connections += 1
        state = self._connections[conn] = Connection(deadline=self.loop.clock() + self.idle_timeout)
        self.loop.add_reader(conn, self._on_readable)
        self.loop.call_later(self.idle_timeout, self._on_deadline, conn, state)

    def _on_readable(self, conn: socket.socket) -> None:
        state = self._connections[conn]
        try:
            data = conn.recv(65536)
            if not data:  # the peer closed its side: send what is left, then close
                if state.inbox:
                    raise FrameError(cut_short(state.inbox))
                state.closing = True
                self.loop.remove_reader(conn)
            state.deadline = self.loop.clock() + self.idle_timeout
            state.inbox += data
            for _kind, payload in split_frames(state.inbox, self.max_payload):
                state.outbox += encode_frame(self.handler(payload))
        except FrameError as exc:
            self.errors.append(str(exc))
            state.outbox += encode_frame(str(exc).encode(), b"E")
            state.closing = True
            self.loop.remove_reader(conn)
        except OSError as exc:
            self.errors.append(f"connection error: {type(exc).__name__}")
            return self._close(conn)
        except Exception as exc:  # the handler failed: end this connection only
            self.errors.append(describe(exc))
            return self._close(conn)
        if len(state.outbox) > HIGH_WATER:
            self.loop.remove_reader(conn)  # until the client reads what it asked for
        if state.outbox or state.closing:
            self._on_writable(conn)

    # --8<-- [end:echo-callbacks]

    # --8<-- [start:partial-writes]
    def _on_writable(self, conn: socket.socket) -> None:
        state = self._connections[conn]
        try:
            sent = conn.send(state.outbox)  # may take only part of it
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            self.errors.append(f"connection error: {type(exc).__name__}")
            return self._close(conn)
        del state.outbox[:sent]
        if sent:
            state.deadline = self.loop.clock() + self.idle_timeout
        if state.outbox:
            self.loop.add_writer(conn, self._on_writable)  # the rest when there is room
            return
        self.loop.remove_writer(conn)
        if state.closing:
            self._linger(conn)
        else:
            self.loop.add_reader(conn, self._on_readable)  # after a pause, if any

    # --8<-- [end:partial-writes]

    def _linger(self, conn: socket.socket) -> None:
        """FIN, then throw input away until the peer's EOF: framing.close_after_error() on the loop."""
        state = self._connections[conn]
        try:
            conn.shutdown(socket.SHUT_WR)  # the peer reads the error frame, then EOF
        except OSError:
            return self._close(conn)
        state.deadline = self.loop.clock() + LINGER_SECONDS  # no longer moved by input
        self.loop.add_reader(conn, self._discard)
        self.loop.call_later(LINGER_SECONDS, self._on_deadline, conn, state)

    def _discard(self, conn: socket.socket) -> None:
        state = self._connections[conn]
        try:
            data = conn.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        state.discarded += len(data)
        if not data or state.discarded >= LINGER_BYTES:
            self._close(conn)  # nothing unread (or enough): close() sends no RST

    def _on_deadline(self, conn: socket.socket, state: Connection) -> None:
        """A timer per connection; activity moves the deadline, and the timer follows."""
        if self._connections.get(conn) is not state:
            return  # closed already
        left = state.deadline - self.loop.clock()
        if left > 0:
            return self.loop.call_later(left, self._on_deadline, conn, state)
        if not state.closing:
            self.errors.append(f"idle for more than {self.idle_timeout} s")
        self._close(conn)

    def _close(self, conn: socket.socket) -> None:
        self.loop.remove_reader(conn)
        self.loop.remove_writer(conn)
        del self._connections[conn]
        conn.close()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the loop; it closes every connection and the listener on its way out."""
        self._closing = True
        if self._thread is not None:
            self._thread.join(timeout)
        else:
            self.loop.close()  # never started: only the selector to release

    def __enter__(self) -> CallbackEchoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
