"""Tests for snippets.event_driven.async_echo: read_frame on asyncio streams and the client."""

from __future__ import annotations

import asyncio
import struct

import pytest

from snippets.event_driven.async_echo import AsyncioEchoServer, echo_async, read_frame
from snippets.tcp_ip.echo import EchoError
from snippets.tcp_ip.framing import FrameError, encode_frame

pytestmark = pytest.mark.timeout(10)


def read_all(data: bytes, max_payload: int = 16) -> list[tuple[bytes, bytes] | None]:
    """Feed data and EOF to a StreamReader, then read frames until None or an error."""

    async def main() -> list[tuple[bytes, bytes] | None]:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        frames: list[tuple[bytes, bytes] | None] = []
        while (frame := await read_frame(reader, max_payload)) is not None:
            frames.append(frame)
        return frames

    return asyncio.run(main())


def test_read_frame_reads_frames_until_a_clean_end() -> None:
    data = encode_frame(b"one") + encode_frame(b"", b"E") + encode_frame(b"two")
    assert read_all(data) == [(b"D", b"one"), (b"E", b""), (b"D", b"two")]
    assert read_all(b"") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"D\x00", "connection closed after 2 of 5 bytes"),
        (struct.pack("!cI", b"D", 10) + b"abc", "connection closed after 3 of 10 bytes"),
        (struct.pack("!cI", b"D", 10), "connection closed after 0 of 10 bytes"),
        (struct.pack("!cI", b"D", 17), "frame too large: 17 > 16 bytes"),
        (struct.pack("!cI", b"X", 0), "unknown frame kind: b'X'"),
    ],
)
def test_read_frame_raises_frame_error_on_bad_streams(data: bytes, message: str) -> None:
    with pytest.raises(FrameError, match=message.replace("(", r"\(")):
        read_all(data)


def test_echo_async_round_trips_and_errors() -> None:
    with AsyncioEchoServer(max_payload=16) as server:
        assert asyncio.run(echo_async(server.address, [b"a", b"", b"b"])) == [b"a", b"", b"b"]
        with pytest.raises(EchoError, match="frame too large: 17 > 16 bytes"):
            asyncio.run(echo_async(server.address, [bytes(17)]))


def test_echo_async_only_connects_to_loopback() -> None:
    with pytest.raises(ValueError, match="only connects to 127.0.0.1"):
        asyncio.run(echo_async(("192.0.2.1", 7), [b"x"]))
