"""Tests for snippets.event_driven.loop: ordering, readiness dispatch, errors, stopping."""

from __future__ import annotations

import socket

import pytest

from snippets.event_driven.loop import EventLoop, describe

pytestmark = pytest.mark.timeout(10)


class FakeClock:
    """A clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_call_soon_runs_in_call_order(loop: EventLoop) -> None:
    order: list[str] = []
    for name in ["a", "b", "c"]:
        loop.call_soon(order.append, name)
    loop.run_until(lambda: len(order) == 3, timeout=5)
    assert order == ["a", "b", "c"]


def test_timers_run_by_due_time_then_call_order() -> None:
    clock = FakeClock()
    loop = EventLoop(clock=clock, poll=0.01)
    order: list[str] = []
    loop.call_later(2.0, order.append, "tick 2")
    loop.call_later(1.0, order.append, "tick 1a")
    loop.call_later(1.0, order.append, "tick 1b")
    loop.call_soon(order.append, "soon")
    loop.run_until(lambda: order == ["soon"], timeout=5)
    clock.now += 1.0
    loop.run_until(lambda: len(order) == 3, timeout=5)
    assert order == ["soon", "tick 1a", "tick 1b"]
    clock.now += 1.0
    loop.run_until(lambda: len(order) == 4, timeout=5)
    assert order[-1] == "tick 2"
    loop.close()


def test_timers_wait_for_the_clock() -> None:
    clock = FakeClock()
    loop = EventLoop(clock=clock, poll=0.01)
    fired: list[str] = []
    loop.call_later(5.0, fired.append, "late")
    with pytest.raises(TimeoutError, match="not done after 0.1 s"):
        loop.run_until(lambda: bool(fired), timeout=0.1)
    assert fired == []
    clock.now += 5.0
    loop.run_until(lambda: bool(fired), timeout=5)
    assert fired == ["late"]
    loop.close()


def test_real_clock_small_delays_keep_their_order(loop: EventLoop) -> None:
    order: list[str] = []
    loop.call_later(0.02, order.append, "tick 2")
    loop.call_later(0.01, order.append, "tick 1")
    loop.call_later(0.0, order.append, "tick 0")
    loop.run_until(lambda: len(order) == 3, timeout=5)
    assert order == ["tick 0", "tick 1", "tick 2"]


def test_callbacks_scheduled_by_a_callback_run_in_the_next_round(loop: EventLoop) -> None:
    order: list[str] = []

    def first() -> None:
        order.append("first")
        loop.call_soon(order.append, "scheduled by first")

    loop.call_soon(first)
    loop.call_soon(order.append, "second")
    loop.run_until(lambda: len(order) == 3, timeout=5)
    assert order == ["first", "second", "scheduled by first"]


def test_an_exception_is_recorded_and_the_loop_goes_on(loop: EventLoop) -> None:
    order: list[str] = []

    def explode() -> None:
        raise ValueError("boom")

    loop.call_soon(explode)
    loop.call_later(0.01, order.append, "still running")
    loop.run_until(lambda: bool(order), timeout=5)
    assert order == ["still running"]
    assert loop.errors == ["ValueError in explode: boom"]


def test_stop_ends_run_until_and_the_loop_can_run_again(loop: EventLoop) -> None:
    order: list[str] = []
    loop.call_soon(loop.stop)
    loop.call_soon(order.append, "same round")
    loop.call_later(0.01, order.append, "after stop")
    loop.run_until(timeout=5)
    assert order == ["same round"]
    loop.run_until(lambda: len(order) == 2, timeout=5)
    assert order == ["same round", "after stop"]


def test_reader_is_called_when_data_arrives(loop: EventLoop, tcp_pair: tuple[socket.socket, socket.socket]) -> None:
    client, server = tcp_pair
    received: list[bytes] = []
    loop.add_reader(server, lambda sock: received.append(sock.recv(100)))
    with pytest.raises(TimeoutError):
        loop.run_until(lambda: bool(received), timeout=0.05)  # nothing to read yet
    client.sendall(b"ping")
    loop.run_until(lambda: bool(received), timeout=5)
    assert received == [b"ping"]
    loop.remove_reader(server)
    client.sendall(b"unwatched")
    with pytest.raises(TimeoutError):
        loop.run_until(lambda: len(received) > 1, timeout=0.05)


def test_writer_is_called_while_there_is_room(loop: EventLoop, tcp_pair: tuple[socket.socket, socket.socket]) -> None:
    _client, server = tcp_pair
    calls: list[str] = []

    def on_writable(sock: socket.socket) -> None:
        calls.append("writable")
        if len(calls) == 3:
            loop.remove_writer(sock)

    loop.add_writer(server, on_writable)
    loop.run_until(lambda: len(calls) == 3, timeout=5)
    with pytest.raises(TimeoutError):
        loop.run_until(lambda: len(calls) > 3, timeout=0.05)


def test_reader_and_writer_on_one_socket(loop: EventLoop, tcp_pair: tuple[socket.socket, socket.socket]) -> None:
    client, server = tcp_pair
    events: list[str] = []
    loop.add_reader(server, lambda sock: events.append(f"read {sock.recv(10)!r}"))
    loop.add_writer(server, lambda sock: (events.append("write"), loop.remove_writer(sock)))
    client.sendall(b"x")
    loop.run_until(lambda: len(events) == 2, timeout=5)
    assert sorted(events) == ["read b'x'", "write"]
    loop.add_reader(server, lambda sock: events.append("replaced"))  # replaces, not adds
    client.sendall(b"y")
    loop.run_until(lambda: len(events) == 3, timeout=5)
    assert events[-1] == "replaced"


def test_a_reader_removed_in_the_same_round_is_not_called(
    loop: EventLoop, tcp_pair: tuple[socket.socket, socket.socket]
) -> None:
    client, server = tcp_pair
    called: list[str] = []

    def on_ready(sock: socket.socket) -> None:
        called.append("called")
        loop.remove_reader(client)  # both sockets are ready; whichever runs first
        loop.remove_reader(server)  # removes the other, whose event is already queued

    loop.add_reader(server, on_ready)
    loop.add_reader(client, on_ready)
    client.sendall(b"to server")
    server.sendall(b"to client")
    loop.run_until(lambda: bool(called), timeout=5)
    with pytest.raises(TimeoutError):
        loop.run_until(lambda: len(called) > 1, timeout=0.05)
    assert len(called) == 1


def test_removing_what_was_never_added_is_harmless(
    loop: EventLoop, tcp_pair: tuple[socket.socket, socket.socket]
) -> None:
    _client, server = tcp_pair
    loop.remove_reader(server)
    loop.remove_writer(server)


def test_describe_names_the_function_that_raised() -> None:
    def parse() -> int:
        return int("x")

    try:
        parse()
    except ValueError as exc:
        assert describe(exc) == "ValueError in parse: invalid literal for int() with base 10: 'x'"
    assert describe(KeyError("never raised")) == "KeyError in ?: 'never raised'"
