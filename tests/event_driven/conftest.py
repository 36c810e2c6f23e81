"""Shared fixtures for the event-driven tests: the servers under test and a leak check."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from snippets.event_driven.async_echo import AsyncioEchoServer
from snippets.event_driven.callbacks import CallbackEchoServer
from snippets.event_driven.coroutines import CoroutineEchoServer
from snippets.event_driven.loop import EventLoop

EVENT_SERVERS = {
    "callbacks": CallbackEchoServer,
    "coroutines": CoroutineEchoServer,
    "asyncio": AsyncioEchoServer,
}


@pytest.fixture(params=list(EVENT_SERVERS.values()), ids=list(EVENT_SERVERS))
def server_class(request: pytest.FixtureRequest) -> type:
    return request.param


@pytest.fixture
def loop() -> Iterator[EventLoop]:
    loop = EventLoop(poll=0.01)
    yield loop
    loop.close()


@pytest.fixture
def tcp_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected (client, server) pair of non-blocking TCP sockets on loopback."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname(), timeout=5)
        server, _ = listener.accept()
    client.setblocking(False)
    server.setblocking(False)
    with client, server:
        yield client, server
