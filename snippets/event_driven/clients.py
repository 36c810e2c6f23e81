"""Many clients at once against any echo server of this topic: the demo driver.

First read callbacks.py, coroutines.py and async_echo.py; this runs the same
clients against each of them and against the TCP/IP page's thread-per-connection
server, and reports only what must be true, never timings. fragile() is a
handler with a bug for the fault demo.

Shown on docs/*/event-driven.md, run by notebooks/event_driven_*.ipynb,
tested by tests/event_driven/.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from snippets.event_driven.async_echo import LOOPBACK, AsyncioEchoServer, read_frame
from snippets.event_driven.callbacks import CallbackEchoServer
from snippets.event_driven.coroutines import CoroutineEchoServer
from snippets.tcp_ip.echo import EchoServer
from snippets.tcp_ip.framing import FrameError, encode_frame

SERVERS = {
    "thread per connection": EchoServer,
    "callbacks": CallbackEchoServer,
    "coroutines": CoroutineEchoServer,
    "asyncio": AsyncioEchoServer,
}


def fragile(payload: bytes) -> bytes:
    """Echo, except that b"boom" raises: a bug that only one request hits."""
    if payload == b"boom":
        raise ValueError("boom")
    return payload


class Server(Protocol):
    @property
    def address(self) -> tuple[str, int]: ...

    errors: list[str]


@dataclass(frozen=True)
class Summary:
    clients: int
    messages: int  # per client
    all_echoed: bool
    failed: list[str]  # the clients that did not get every echo, and why
    server_errors: list[str]


# --8<-- [start:run-clients]
def run_clients(
    server: Server,
    clients: int = 50,
    messages: int = 5,
    boom: Collection[int] = (),
    timeout: float = 10.0,
) -> Summary:
    """Connect every client, then let all of them talk at once.

    Clients whose number is in boom send b"boom" halfway through.
    """
    address = server.address
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only connects to {LOOPBACK}")
    drive = _drive(address, clients, messages, boom, timeout)
    with ThreadPoolExecutor(1) as pool:  # asyncio.run() needs a thread without a loop
        failed = pool.submit(asyncio.run, drive).result()
    return Summary(clients, messages, not failed, failed, sorted(server.errors))


# --8<-- [end:run-clients]


async def _drive(
    address: tuple[str, int],
    clients: int,
    messages: int,
    boom: Collection[int],
    timeout: float,
) -> list[str]:
    async with asyncio.timeout(timeout):
        streams = [await asyncio.open_connection(*address) for _ in range(clients)]
        talks = [_talk(n, *pair, messages, n in boom) for n, pair in enumerate(streams)]
        results = await asyncio.gather(*talks)
    return [result for result in results if result]


async def _talk(
    n: int,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    messages: int,
    boom: bool,
) -> str:
    """Send messages one at a time; return "" if each came back, else what went wrong."""
    try:
        for i in range(messages):
            message = f"client {n} message {i}".encode()
            if boom and i == messages // 2:
                message = b"boom"
            writer.write(encode_frame(message))
            frame = await read_frame(reader)
            if frame is None:
                return f"client {n}: connection closed after {i} of {messages} echoes"
            if frame != (b"D", message):
                return f"client {n}: message {i} came back as {frame!r}"
    except (OSError, FrameError) as exc:
        return f"client {n}: {type(exc).__name__}: {exc}"
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return ""
