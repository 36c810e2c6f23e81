"""A toy event loop on selectors: one thread, many sockets, timers.

One thread waits for whichever socket is ready or timer is due and runs its
callback. A callback must never block, or every other socket waits with it.
callbacks.py builds an echo server on this loop.

Shown on docs/*/event-driven.md, run by notebooks/event_driven_*.ipynb,
tested by tests/event_driven/.
"""

from __future__ import annotations

import heapq
import itertools
import selectors
import socket
import time
from collections import deque
from collections.abc import Callable
from selectors import EVENT_READ, EVENT_WRITE

OnReady = Callable[[socket.socket], object]  # called with the socket that is ready


def describe(exc: BaseException) -> str:
    """'ValueError in fragile: boom': the type, the function that raised, the message."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = tb.tb_frame.f_code.co_name if tb is not None else "?"
    return f"{type(exc).__name__} in {where}: {exc}"


class EventLoop:
    """Run callbacks when sockets are ready or timers are due, one at a time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, poll: float = 0.05):
        self.clock = clock
        self.poll = poll  # the longest select() waits, so done() and stop() are noticed
        self.errors: list[str] = []
        self._selector = selectors.DefaultSelector()
        self._ready: deque[tuple[Callable[..., object], tuple]] = deque()
        self._timers: list[tuple[float, int, Callable[..., object], tuple]] = []
        self._order = itertools.count()  # timers due at the same time run in call order
        self._stopping = False

    # --8<-- [start:watch]
    def add_reader(self, sock: socket.socket, callback: OnReady) -> None:
        self._watch(sock, 0, callback)

    def remove_reader(self, sock: socket.socket) -> None:
        self._watch(sock, 0, None)

    def add_writer(self, sock: socket.socket, callback: OnReady) -> None:
        self._watch(sock, 1, callback)

    def remove_writer(self, sock: socket.socket) -> None:
        self._watch(sock, 1, None)

    def _watch(self, sock: socket.socket, which: int, callback: OnReady | None) -> None:
        """One registration per socket; its data is (reader, writer)."""
        key = self._selector.get_map().get(sock)
        handlers = list(key.data) if key else [None, None]
        handlers[which] = callback
        if key and key.data == tuple(handlers):
            return  # nothing changes: spare the system call
        events = (EVENT_READ if handlers[0] else 0) | (EVENT_WRITE if handlers[1] else 0)
        if key and events:
            self._selector.modify(sock, events, tuple(handlers))
        elif key:
            self._selector.unregister(sock)
        elif events:
            self._selector.register(sock, events, tuple(handlers))

    # --8<-- [end:watch]

    # --8<-- [start:call-later]
    def call_soon(self, callback: Callable[..., object], *args: object) -> None:
        self._ready.append((callback, args))

    def call_later(self, delay: float, callback: Callable[..., object], *args: object) -> None:
        due = self.clock() + delay
        heapq.heappush(self._timers, (due, next(self._order), callback, args))

    # --8<-- [end:call-later]

    def run_until(self, done: Callable[[], bool] | None = None, timeout: float | None = None) -> None:
        """Dispatch events until done() is true or stop() was called."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while not self._stopping and not (done is not None and done()):
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"not done after {timeout} s")
                self._run_once()
        finally:
            self._stopping = False

    def stop(self) -> None:
        self._stopping = True

    # --8<-- [start:run-once]
    def _run_once(self) -> None:
        """Wait for ready sockets or the next timer, then run what is ready."""
        timeout = 0.0 if self._ready else self.poll
        if self._timers:
            timeout = min(timeout, max(0.0, self._timers[0][0] - self.clock()))
        for key, events in self._selector.select(timeout):
            if events & EVENT_READ:
                self._ready.append((self._io_ready, (key.fileobj, 0)))
            if events & EVENT_WRITE:
                self._ready.append((self._io_ready, (key.fileobj, 1)))
        now = self.clock()
        while self._timers and self._timers[0][0] <= now:
            _due, _order, callback, args = heapq.heappop(self._timers)
            self._ready.append((callback, args))
        for _ in range(len(self._ready)):  # what these callbacks add runs next round
            callback, args = self._ready.popleft()
            try:
                callback(*args)
            except Exception as exc:  # one bad callback must not stop everyone else
                self.errors.append(describe(exc))

    # --8<-- [end:run-once]

    def _io_ready(self, sock: socket.socket, which: int) -> None:
        try:
            callback = self._selector.get_key(sock).data[which]
        except (KeyError, ValueError):  # removed or closed since select() returned
            return
        if callback is not None:
            callback(sock)

    def close(self) -> None:
        self._selector.close()
