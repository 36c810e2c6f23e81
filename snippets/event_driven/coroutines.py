"""The same loop driving coroutines: echo handlers as straight-line code again.

First read loop.py and callbacks.py; this replaces callbacks with generators,
the design of the crawler chapter of "500 Lines or Less" (A. Jesse Jiryu Davis
and Guido van Rossum), in plain generators that run on Python 3.11. A coroutine
yields a Future where it must wait; a Task resumes it when the Future is done,
so a half-read frame is a local variable again instead of a Connection field.

Shown on docs/*/event-driven.md, run by notebooks/event_driven_*.ipynb,
tested by tests/event_driven/.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Generator

from snippets.event_driven.callbacks import CallbackEchoServer, cut_short
from snippets.event_driven.loop import EventLoop, describe
from snippets.tcp_ip.framing import LINGER_BYTES, LINGER_SECONDS, FrameError, encode_frame, split_frames

Coroutine = Generator["Future", object, object]


# --8<-- [start:future]
class Future:
    """A result that is not there yet; whoever waits for it adds a callback."""

    def __init__(self) -> None:
        self.done = False
        self.result: object = None
        self._callbacks: list[Callable[[Future], object]] = []

    def add_done_callback(self, fn: Callable[[Future], object]) -> None:
        self._callbacks.append(fn)

    def set_result(self, result: object) -> None:
        self.done, self.result = True, result
        for fn in self._callbacks:
            fn(self)

    def __iter__(self) -> Generator[Future, object, object]:
        yield self  # suspend the coroutine here and hand this Future to its Task
        return self.result


# --8<-- [end:future]


# --8<-- [start:task]
class Task:
    """Step a coroutine each time the Future it waits for is done."""

    def __init__(self, loop: EventLoop, coro: Coroutine) -> None:
        self.coro = coro
        self.done = False
        self.result: object = None
        loop.call_soon(self.step, None)

    def step(self, value: object) -> None:
        try:
            future = self.coro.send(value)  # run until the next yield
        except StopIteration as stop:
            self.done, self.result = True, stop.value
        except Exception:
            self.done = True
            raise  # the loop records it and goes on
        else:
            future.add_done_callback(lambda done: self.step(done.result))


# --8<-- [end:task]


# --8<-- [start:readiness]
def wait_for(loop: EventLoop, sock: socket.socket, writing: bool = False, timeout: float = 5.0) -> Coroutine:
    """Suspend until sock can be read (or written) without blocking; TimeoutError after timeout s."""
    future = Future()
    add, remove = (loop.add_writer, loop.remove_writer) if writing else (loop.add_reader, loop.remove_reader)

    def on_ready(ready: bool) -> None:
        if not future.done:  # the socket and the timer race; the first one wins
            remove(sock)
            future.set_result(ready)

    add(sock, lambda sock: on_ready(True))
    loop.call_later(timeout, on_ready, False)
    if not (yield from future):
        raise TimeoutError(f"not ready after {timeout} s")


def recv(loop: EventLoop, sock: socket.socket, timeout: float = 5.0) -> Coroutine:
    yield from wait_for(loop, sock, timeout=timeout)
    return sock.recv(65536)


def sendall(loop: EventLoop, sock: socket.socket, data: bytes, timeout: float = 5.0) -> Coroutine:
    view = memoryview(data)
    while view:
        try:
            view = view[sock.send(view) :]  # may take only part of it
        except BlockingIOError:
            pass
        if view:
            yield from wait_for(loop, sock, writing=True, timeout=timeout)


def linger(loop: EventLoop, sock: socket.socket) -> Coroutine:
    """framing.close_after_error() as a coroutine: FIN, then read until EOF, bounded."""
    sock.shutdown(socket.SHUT_WR)
    deadline, discarded = loop.clock() + LINGER_SECONDS, 0
    while discarded < LINGER_BYTES and (left := deadline - loop.clock()) > 0:
        if not (chunk := (yield from recv(loop, sock, left))):
            return  # the peer's EOF: nothing is left unread
        discarded += len(chunk)


# --8<-- [end:readiness]


class CoroutineEchoServer(CallbackEchoServer):
    """CallbackEchoServer, but each connection is a coroutine run by a Task."""

    def _on_accept(self, listener: socket.socket) -> None:
        try:
            conn, _peer = listener.accept()
        except (BlockingIOError, ConnectionAbortedError):
            return
        conn.setblocking(False)
        self.served_connections += 1
        coro = self._echo(conn)
        self._connections[conn] = coro  # type: ignore[assignment]
        Task(self.loop, coro)

    # --8<-- [start:echo-coroutine]
    def _echo(self, conn: socket.socket) -> Coroutine:
        """Echo frames until the peer closes, goes silent, or misbehaves."""
        inbox = bytearray()
        idle = self.idle_timeout  # a silent peer must not keep a coroutine
        try:
            while data := (yield from recv(self.loop, conn, idle)):
                inbox += data
                for _kind, payload in split_frames(inbox, self.max_payload):
                    reply = encode_frame(self.handler(payload))
                    yield from sendall(self.loop, conn, reply, idle)
            if inbox:
                raise FrameError(cut_short(inbox))
        except FrameError as exc:
            self.errors.append(str(exc))
            with contextlib.suppress(OSError):  # the peer may already be gone
                yield from sendall(self.loop, conn, encode_frame(str(exc).encode(), b"E"), idle)
                yield from linger(self.loop, conn)  # FIN, not RST: the peer reads the error frame
        except TimeoutError:
            self.errors.append(f"idle for more than {idle} s")
        except OSError as exc:
            self.errors.append(f"connection error: {type(exc).__name__}")
        except Exception as exc:  # the handler failed: end this connection only
            self.errors.append(describe(exc))
        finally:
            self._connections.pop(conn, None)
            conn.close()

    # --8<-- [end:echo-coroutine]

    def _close(self, conn: socket.socket) -> None:
        """At shutdown: end the coroutine where it waits; its finally closes conn."""
        coro = self._connections.pop(conn)
        self.loop.remove_reader(conn)
        self.loop.remove_writer(conn)
        coro.close()  # type: ignore[attr-defined]
        conn.close()  # also when the coroutine never started
