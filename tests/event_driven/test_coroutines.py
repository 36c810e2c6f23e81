"""Tests for snippets.event_driven.coroutines: Future, Task and waiting for readiness."""

from __future__ import annotations

import socket
from collections.abc import Generator

import pytest

from snippets.event_driven.coroutines import Future, Task, recv, sendall, wait_for
from snippets.event_driven.loop import EventLoop

pytestmark = pytest.mark.timeout(10)


def test_future_calls_back_with_itself() -> None:
    future = Future()
    seen: list[object] = []
    future.add_done_callback(lambda done: seen.append(done.result))
    future.set_result(42)
    assert seen == [42]


def test_yield_from_a_future_suspends_then_returns_its_result() -> None:
    future = Future()

    def coro() -> Generator[Future, object, object]:
        value = yield from future
        return value * 2

    gen = coro()
    assert next(gen) is future  # the coroutine hands over what it waits for
    future.set_result(21)
    with pytest.raises(StopIteration) as stop:
        gen.send(None)  # what a Task does when the future is done
    assert stop.value.value == 42


class Ticks:
    """A clock that moves 1 ms each time it is read: time passes as the loop works, the same on any machine.
    With the real clock, a loop slowed down by a busy machine resumed the fast worker after the slow one's
    first timer was already due, and the order below depended on the machine's load."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


def test_task_runs_a_coroutine_through_several_waits() -> None:
    loop = EventLoop(clock=Ticks(), poll=0.01)
    order: list[str] = []

    def sleep(delay: float) -> Generator[Future, object, object]:
        future = Future()
        loop.call_later(delay, future.set_result, delay)
        return (yield from future)

    def worker(name: str, delay: float) -> Generator[Future, object, object]:
        for step in range(2):
            yield from sleep(delay)
            order.append(f"{name} {step}")
        return name.upper()

    slow, fast = Task(loop, worker("slow", 0.03)), Task(loop, worker("fast", 0.01))
    loop.run_until(lambda: slow.done and fast.done, timeout=5)
    assert order == ["fast 0", "fast 1", "slow 0", "slow 1"]
    assert (slow.result, fast.result) == ("SLOW", "FAST")
    loop.close()


def test_an_exception_in_a_task_is_recorded_by_the_loop(loop: EventLoop) -> None:
    def broken() -> Generator[Future, object, object]:
        raise RuntimeError("gave up")
        yield Future()  # unreachable: makes this function a generator

    task = Task(loop, broken())
    loop.run_until(lambda: task.done, timeout=5)
    assert loop.errors == ["RuntimeError in broken: gave up"]


def test_wait_for_recv_and_sendall_on_sockets(loop: EventLoop, tcp_pair: tuple[socket.socket, socket.socket]) -> None:
    client, server = tcp_pair
    big = bytes(range(256)) * 8192  # 2 MiB: more than the kernel buffers take at once

    def echo_one() -> Generator[Future, object, object]:
        data = yield from recv(loop, server)
        yield from sendall(loop, server, bytes(data) * 2)
        return data

    def send_big() -> Generator[Future, object, object]:
        yield from sendall(loop, server, big)

    def read_all(n: int) -> Generator[Future, object, object]:
        received = bytearray()
        while len(received) < n:
            yield from wait_for(loop, client)
            received += client.recv(1 << 20)
        return bytes(received)

    task = Task(loop, echo_one())
    client.sendall(b"hi")
    loop.run_until(lambda: task.done, timeout=5)
    assert task.result == b"hi"
    assert client.recv(10) == b"hihi"

    sender, reader = Task(loop, send_big()), Task(loop, read_all(len(big)))
    loop.run_until(lambda: sender.done and reader.done, timeout=5)
    assert reader.result == big
    assert loop.errors == []


def test_wait_for_times_out_once_and_a_late_socket_changes_nothing(
    tcp_pair: tuple[socket.socket, socket.socket],
) -> None:
    client, server = tcp_pair
    now = [100.0]
    loop = EventLoop(clock=lambda: now[0], poll=0.01)  # time moves only when the test says so
    seen: list[str] = []

    def waiter() -> Generator[Future, object, object]:
        try:
            yield from recv(loop, server, timeout=5.0)
        except TimeoutError as exc:
            seen.append(str(exc))

    task = Task(loop, waiter())
    loop.call_soon(seen.append, "waiting")  # runs in the round of the task's first step
    loop.run_until(lambda: seen == ["waiting"], timeout=5)
    now[0] += 4.9
    loop.call_soon(seen.append, "4.9 s later")
    loop.run_until(lambda: len(seen) == 2, timeout=5)
    assert not task.done
    now[0] += 0.1
    loop.run_until(lambda: task.done, timeout=5)
    assert seen[-1] == "not ready after 5.0 s"
    client.sendall(b"late")  # ready after the timeout: nothing is resumed twice
    loop.call_soon(seen.append, "after")
    loop.run_until(lambda: seen[-1] == "after", timeout=5)
    assert loop.errors == []
    loop.close()
