"""One read, four ways: blocking or non-blocking × synchronous or asynchronous.

A client waits for one reply on a real TCP connection on 127.0.0.1; the server
side answers only when told to (as if it first waited for another message),
from its own thread. Each function returns what happened, in order: who waited,
which call returned what. Nothing in it depends on timing.

completion() models what io_uring (Linux) and IOCP (Windows) do: the caller
submits a read, the kernel performs it and reports it done with the bytes.
Python's standard library has neither on Linux, so a worker thread plays the
kernel's part. Shown on docs/*/event-driven.md, run by
notebooks/event_driven_modes.ipynb, tested by tests/event_driven/test_modes.py.
"""

from __future__ import annotations

import asyncio
import errno
import queue
import selectors
import socket
import threading
import time
from collections.abc import Callable
from contextlib import closing

from snippets.loopback import LOOPBACK

REPLY = b"pong"


class Peer:
    """One connection: `client` for the caller; the server side sends REPLY when answer() is called."""

    def __init__(self, log: list[str]) -> None:
        with socket.create_server((LOOPBACK, 0)) as listener:
            self.client = socket.create_connection(listener.getsockname())
            self._conn, _ = listener.accept()
        self.log = log
        self._timer: threading.Timer | None = None

    def answer(self, after: float = 0.0, note: Callable[[], str] = str) -> None:
        """Send REPLY from another thread, `after` s from now; note() adds what was true then."""

        def send() -> None:
            self.log.append(f"server: sends {REPLY!r}{note()}")
            self._conn.sendall(REPLY)

        self._timer = threading.Timer(after, send)
        self._timer.start()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()
        self._conn.close()  # FIN: a read still waiting returns b""
        self.client.close()


def blocking_sync() -> list[str]:
    log: list[str] = []
    with closing(Peer(log)) as peer:
        returned = threading.Event()
        log.append("caller: recv() on a blocking socket")
        peer.answer(after=0.1, note=lambda: f" (caller has returned from recv(): {returned.is_set()})")
        data = peer.client.recv(1024)  # the thread sleeps in the kernel until bytes arrive
        returned.set()
        log.append(f"caller: recv() returned {data!r}")
    return log


def nonblocking_sync() -> list[str]:
    log: list[str] = []
    with closing(Peer(log)) as peer:
        peer.client.setblocking(False)
        polls = 0
        while True:
            try:
                data = peer.client.recv(1024)  # returns at once: data, or an error
                break
            except BlockingIOError as exc:  # nothing yet: EAGAIN (EWOULDBLOCK)
                if polls == 0:
                    log.append(f"caller: recv() raised {type(exc).__name__} ({errno.errorcode[exc.errno]}) at once")
                    peer.answer()
                polls += 1
                time.sleep(0.001)  # other work would go here; the caller must come back and ask
        log.append(f"caller: failed calls {'more than 0' if polls else 0}, then recv() returned {data!r}")
    return log


def readiness() -> list[str]:
    log: list[str] = []
    with closing(Peer(log)) as peer, selectors.DefaultSelector() as selector:
        peer.client.setblocking(False)
        selector.register(peer.client, selectors.EVENT_READ)
        log.append(f"loop: select(timeout=0): readable {bool(selector.select(0))}")
        peer.answer()
        ready = [key.fileobj for key, _ in selector.select(timeout=5)]  # waits for any registered socket
        log.append(f"loop: select() returned: readable {ready == [peer.client]}")
        log.append(f"loop: select(timeout=0) again: readable {bool(selector.select(0))} (level-triggered)")
        log.append(f"loop: recv() returned {peer.client.recv(1024)!r}")  # the loop reads the bytes itself
        log.append(f"loop: select(timeout=0) after reading: readable {bool(selector.select(0))}")
    return log


def asyncio_readiness() -> list[str]:
    """asyncio's loop.sock_recv() on Linux, watched through the selector it is given."""
    log: list[str] = []
    with closing(Peer(log)) as peer:
        peer.client.setblocking(False)
        fd = peer.client.fileno()

        class Watched(selectors.DefaultSelector):  # type: ignore[misc, valid-type]
            def register(self, fileobj, events, data=None):  # noqa: ANN001, ANN202
                if fileobj == fd:
                    log.append(f"asyncio: registers the socket for reading {events == selectors.EVENT_READ}")
                    peer.answer()
                return super().register(fileobj, events, data)

            def select(self, timeout=None):  # noqa: ANN001, ANN202
                ready = super().select(timeout)
                if any(key.fd == fd for key, _ in ready):
                    log.append("asyncio: select() returned: the socket is readable")
                return ready

        def run() -> None:
            loop = asyncio.SelectorEventLoop(Watched())
            try:
                got.append(loop.run_until_complete(asyncio.wait_for(loop.sock_recv(peer.client, 1024), 5)))
            except Exception as exc:
                got.append(exc)
            finally:
                loop.close()

        got: list[object] = []
        thread = threading.Thread(target=run, name="asyncio")  # its own thread: Jupyter runs a loop in this one
        thread.start()
        thread.join()
        log.append(f"asyncio: sock_recv() returned {got[0]!r}")
    return log


class Ring:
    """A model of io_uring/IOCP: submit a read; it comes back done, bytes and all."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self._submissions: queue.Queue = queue.Queue()
        self._completions: queue.Queue = queue.Queue()
        self._kernel = threading.Thread(target=self._perform, name="ring")
        self._kernel.start()

    def close(self) -> None:
        self._submissions.put(None)
        self._kernel.join()

    # --8<-- [start:completion]
    def submit_recv(self, sock: socket.socket, size: int, callback: Callable[[bytes], object]) -> None:
        self._submissions.put((sock, size, callback))  # returns at once; nothing is read yet

    def _perform(self) -> None:  # the kernel's part, played by a thread
        while (op := self._submissions.get()) is not None:
            sock, size, callback = op
            try:
                data = sock.recv(size)
            except OSError:
                data = b""
            self.log.append(f"ring: recv done, {len(data)} bytes, into the completion queue")
            self._completions.put((callback, data))

    def run_completions(self, timeout: float = 5.0) -> None:
        """Wait for one finished read and call its callback here, in the caller's thread."""
        callback, data = self._completions.get(timeout=timeout)
        callback(data)

    # --8<-- [end:completion]


def completion() -> list[str]:
    with closing(Ring()) as ring, closing(Peer(ring.log)) as peer:
        got: list[bytes] = []
        ring.submit_recv(peer.client, 1024, got.append)
        ring.log.append(f"caller: submit_recv() returned; bytes so far: {got}")
        peer.answer()
        ring.run_completions()  # the caller waits for completions, never calls recv()
        ring.log.append(f"caller: callback got {got[0]!r}")
    return ring.log
