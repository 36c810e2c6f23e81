"""The same echo protocol on asyncio, the event loop in Python's standard library.

First read coroutines.py; asyncio is that design grown up: `async def` and
`await` instead of generators and `yield from`, its own Future and Task, and
streams with readexactly(), the asyncio twin of framing.recv_exactly().

Shown on docs/*/event-driven.md, run by notebooks/event_driven_*.ipynb,
tested by tests/event_driven/.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from snippets.event_driven.callbacks import BACKLOG, Handler, echo
from snippets.event_driven.loop import describe
from snippets.tcp_ip.echo import EchoError
from snippets.tcp_ip.framing import (
    HEADER,
    LINGER_BYTES,
    LINGER_SECONDS,
    MAX_PAYLOAD,
    FrameError,
    check_header,
    encode_frame,
)

LOOPBACK = "127.0.0.1"


def _cut_short(exc: asyncio.IncompleteReadError) -> FrameError:
    received = len(exc.partial)
    return FrameError(f"connection closed after {received} of {exc.expected} bytes")


# --8<-- [start:read-frame]
async def read_frame(reader: asyncio.StreamReader, max_payload: int = MAX_PAYLOAD) -> tuple[bytes, bytes] | None:
    """Return (kind, payload), or None if the peer closed between frames."""
    try:
        header = await reader.readexactly(HEADER.size)  # recv_exactly() for asyncio
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None  # clean end of stream: no frame was started
        raise _cut_short(exc) from None
    kind, length = HEADER.unpack(header)
    check_header(kind, length, max_payload)
    try:
        return kind, await reader.readexactly(length)
    except asyncio.IncompleteReadError as exc:
        raise _cut_short(exc) from None


# --8<-- [end:read-frame]


async def close_after_error(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """framing.close_after_error() for streams: FIN, then read until EOF, bounded."""
    discarded = 0
    with contextlib.suppress(OSError):  # TimeoutError included: the peer kept on sending
        writer.write_eof()  # sent once the error frame before it is out
        async with asyncio.timeout(LINGER_SECONDS):
            while discarded < LINGER_BYTES and (chunk := await reader.read(65536)):
                discarded += len(chunk)
    writer.close()


class AsyncioEchoServer:
    """Echo every data frame back, on an asyncio loop in a thread of its own."""

    def __init__(self, handler: Handler = echo, max_payload: int = MAX_PAYLOAD, idle_timeout: float = 5.0):
        self.handler = handler
        self.max_payload = max_payload
        self.idle_timeout = idle_timeout
        self.served_connections = 0
        self.errors: list[str] = []
        self._address: tuple[str, int] | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._address is None:
            raise RuntimeError("server is not started")
        return self._address

    def start(self) -> AsyncioEchoServer:
        if self._thread is not None:
            raise RuntimeError("server is already started")
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), name="asyncio-echo")
        self._thread.start()
        if not self._started.wait(5.0):
            raise RuntimeError("server did not start")
        return self

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        server = await asyncio.start_server(self._serve, LOOPBACK, 0, backlog=BACKLOG)
        host, port = server.sockets[0].getsockname()
        self._address = host, port
        self._started.set()
        async with server:
            await self._stop.wait()
        # asyncio.run() now cancels the connections' tasks; their finally closes them

    # --8<-- [start:asyncio-echo]
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Echo frames until the peer closes, goes silent, or misbehaves."""
        self.served_connections += 1
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(None) as idle:  # one timer per connection, moved each frame
                while True:
                    idle.reschedule(loop.time() + self.idle_timeout)  # a silent peer must not keep a task
                    if (frame := await read_frame(reader, self.max_payload)) is None:
                        break
                    writer.write(encode_frame(self.handler(frame[1])))
                    await writer.drain()  # wait while the client is not reading
        except FrameError as exc:
            self.errors.append(str(exc))
            writer.write(encode_frame(str(exc).encode(), b"E"))
            await close_after_error(reader, writer)  # FIN, not RST: the peer reads the error frame
        except TimeoutError:
            self.errors.append(f"idle for more than {self.idle_timeout} s")
            writer.transport.abort()  # close() would wait for a client that does not read
        except OSError as exc:
            self.errors.append(f"connection error: {type(exc).__name__}")
        except Exception as exc:  # the handler failed: end this connection only
            self.errors.append(describe(exc))
        finally:
            writer.close()  # sends what is buffered, then closes

    # --8<-- [end:asyncio-echo]

    def close(self, timeout: float = 5.0) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> AsyncioEchoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --8<-- [start:client]
async def echo_async(address: tuple[str, int], messages: list[bytes]) -> list[bytes]:
    """Send each message, read its echo, then close the connection politely."""
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only connects to {LOOPBACK}")
    reader, writer = await asyncio.open_connection(*address)
    replies: list[bytes] = []
    try:
        for message in messages:
            writer.write(encode_frame(message))
            frame = await read_frame(reader)
            if frame is None:
                raise EchoError("server closed the connection")
            kind, payload = frame
            if kind == b"E":
                raise EchoError(payload.decode())
            replies.append(payload)
    finally:
        writer.close()
        await writer.wait_closed()
    return replies


# --8<-- [end:client]
