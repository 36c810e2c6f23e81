"""The four ways to read one reply (snippets/event_driven/modes.py): who waits, who reads, in what order.

No test measures time: each asserts the order of what happened, or what a call returned or raised.
"""

from __future__ import annotations

import errno
import selectors
import threading
from contextlib import closing

import pytest

from snippets.event_driven import modes
from snippets.event_driven.modes import REPLY, Peer, Ring

pytestmark = pytest.mark.timeout(20)


def test_blocking_recv_returns_only_after_the_server_sent(no_leaks) -> None:
    assert modes.blocking_sync() == [
        "caller: recv() on a blocking socket",
        "server: sends b'pong' (caller has returned from recv(): False)",
        "caller: recv() returned b'pong'",
    ]


def test_blocking_recv_keeps_waiting_in_another_thread_until_data(no_leaks) -> None:
    log: list[str] = []
    returned = threading.Event()
    got: list[bytes] = []

    def reader() -> None:
        got.append(peer.client.recv(1024))
        returned.set()

    with closing(Peer(log)) as peer:
        thread = threading.Thread(target=reader)
        thread.start()
        peer.answer(after=0.05, note=lambda: f" returned={returned.is_set()}")
        thread.join(10)
    assert got == [REPLY]
    assert log == ["server: sends b'pong' returned=False"]


def test_blocking_recv_returns_empty_bytes_when_the_server_closes_instead(no_leaks) -> None:
    with closing(Peer([])) as peer:
        peer._conn.close()
        assert peer.client.recv(1024) == b""


def test_nonblocking_recv_raises_at_once_when_nothing_arrived(no_leaks) -> None:
    with closing(Peer([])) as peer:
        peer.client.setblocking(False)
        for _ in range(3):  # as often as it is asked
            with pytest.raises(BlockingIOError) as raised:
                peer.client.recv(1024)
            assert raised.value.errno in (errno.EAGAIN, errno.EWOULDBLOCK)


def test_nonblocking_caller_polls_until_data(no_leaks) -> None:
    assert modes.nonblocking_sync() == [
        "caller: recv() raised BlockingIOError (EAGAIN) at once",
        "server: sends b'pong'",
        "caller: failed calls more than 0, then recv() returned b'pong'",
    ]


def test_readiness_loop_reads_only_after_select_says_ready(no_leaks) -> None:
    log = modes.readiness()
    assert log == [
        "loop: select(timeout=0): readable False",
        "server: sends b'pong'",
        "loop: select() returned: readable True",
        "loop: select(timeout=0) again: readable True (level-triggered)",
        "loop: recv() returned b'pong'",
        "loop: select(timeout=0) after reading: readable False",
    ]


def test_readiness_select_reports_only_the_socket_with_data(no_leaks) -> None:
    with closing(Peer([])) as quiet, closing(Peer([])) as talking, selectors.DefaultSelector() as selector:
        for peer in (quiet, talking):
            peer.client.setblocking(False)
            selector.register(peer.client, selectors.EVENT_READ)
        talking.answer()
        ready = [key.fileobj for key, _ in selector.select(timeout=10)]
        assert ready == [talking.client]
        assert talking.client.recv(1024) == REPLY
        with pytest.raises(BlockingIOError):  # ready said nothing about this one
            quiet.client.recv(1024)


def test_asyncio_on_linux_is_a_readiness_loop(no_leaks) -> None:
    assert modes.asyncio_readiness() == [
        "asyncio: registers the socket for reading True",
        "server: sends b'pong'",
        "asyncio: select() returned: the socket is readable",
        "asyncio: sock_recv() returned b'pong'",
    ]


def test_completion_delivers_the_bytes_through_the_callback(no_leaks) -> None:
    assert modes.completion() == [
        "caller: submit_recv() returned; bytes so far: []",
        "server: sends b'pong'",
        "ring: recv done, 4 bytes, into the completion queue",
        "caller: callback got b'pong'",
    ]


def test_completion_submit_returns_before_the_read_and_the_callback_runs_in_the_caller(no_leaks) -> None:
    calls: list[tuple[bytes, str]] = []
    with closing(Ring()) as ring, closing(Peer(ring.log)) as peer:
        ring.submit_recv(peer.client, 1024, lambda data: calls.append((data, threading.current_thread().name)))
        assert calls == [] and ring._completions.empty()  # nothing read: the server has not sent
        peer.answer()
        ring.run_completions(timeout=10)
    assert calls == [(REPLY, threading.current_thread().name)]
    assert ring.log == ["server: sends b'pong'", "ring: recv done, 4 bytes, into the completion queue"]


def test_completion_of_a_read_the_server_ends_is_empty_bytes(no_leaks) -> None:
    got: list[bytes] = []
    with closing(Ring()) as ring, closing(Peer([])) as peer:
        ring.submit_recv(peer.client, 1024, got.append)
        peer._conn.close()
        ring.run_completions(timeout=10)
    assert got == [b""]


def test_closing_with_a_read_still_pending_leaves_no_thread(no_leaks) -> None:
    with closing(Ring()) as ring, closing(Peer([])) as peer:
        ring.submit_recv(peer.client, 1024, lambda data: None)
    # Peer.close() sent FIN, the pending read returned b"", Ring.close() joined its thread: no_leaks checks
