"""Tests for snippets.tcp_ip.framing: encoding, reading from sockets, fuzzing."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.tcp_ip.framing import (
    MAX_PAYLOAD,
    FrameError,
    close_after_error,
    decode_frames,
    encode_frame,
    read_frame,
    recv_exactly,
)
from tests.fuzzing import fuzz

FUZZ = fuzz(2000)


@pytest.fixture
def tcp_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected (writer, reader) pair of TCP sockets on loopback."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        writer = socket.create_connection(listener.getsockname(), timeout=5)
        reader, _ = listener.accept()
    reader.settimeout(2)
    with writer, reader:
        yield writer, reader


def header(kind: bytes, length: int) -> bytes:
    return struct.pack("!cI", kind, length)


# encode_frame


def test_encode_frame_prefixes_kind_and_length() -> None:
    assert encode_frame(b"hi") == b"D\x00\x00\x00\x02hi"
    assert encode_frame(b"oops", b"E") == b"E\x00\x00\x00\x04oops"
    assert encode_frame(b"") == b"D\x00\x00\x00\x00"


def test_encode_frame_accepts_max_payload() -> None:
    assert len(encode_frame(bytes(MAX_PAYLOAD))) == 5 + MAX_PAYLOAD


def test_encode_frame_rejects_oversized_payload() -> None:
    with pytest.raises(FrameError, match="frame too large: 65537 > 65536 bytes"):
        encode_frame(bytes(MAX_PAYLOAD + 1))


def test_encode_frame_rejects_unknown_kind() -> None:
    with pytest.raises(FrameError, match="unknown frame kind"):
        encode_frame(b"x", b"X")


# recv_exactly and read_frame on real sockets


@pytest.mark.timeout(10)
def test_recv_exactly_joins_pieces(tcp_pair) -> None:
    writer, reader = tcp_pair
    for piece in (b"ab", b"c", b"defg"):
        writer.sendall(piece)
    assert recv_exactly(reader, 7) == b"abcdefg"


@pytest.mark.timeout(10)
def test_recv_exactly_reports_early_close(tcp_pair) -> None:
    writer, reader = tcp_pair
    writer.sendall(b"abc")
    writer.shutdown(socket.SHUT_WR)
    with pytest.raises(FrameError, match="connection closed after 3 of 10 bytes"):
        recv_exactly(reader, 10)


@pytest.mark.timeout(10)
def test_read_frame_reads_frames_sent_together(tcp_pair) -> None:
    writer, reader = tcp_pair
    writer.sendall(encode_frame(b"one") + encode_frame(b"") + encode_frame(b"e", b"E"))
    writer.shutdown(socket.SHUT_WR)
    assert read_frame(reader) == (b"D", b"one")
    assert read_frame(reader) == (b"D", b"")
    assert read_frame(reader) == (b"E", b"e")
    assert read_frame(reader) is None


@pytest.mark.timeout(10)
def test_read_frame_returns_none_on_clean_eof(tcp_pair) -> None:
    writer, reader = tcp_pair
    writer.shutdown(socket.SHUT_WR)
    assert read_frame(reader) is None


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    ("sent", "message"),
    [
        (b"D\x00", "connection closed after 2 of 5 bytes"),  # header cut short
        (header(b"D", 100) + bytes(10), "connection closed after 10 of 100 bytes"),  # payload cut short
    ],
)
def test_read_frame_truncated(tcp_pair, sent: bytes, message: str) -> None:
    writer, reader = tcp_pair
    writer.sendall(sent)
    writer.shutdown(socket.SHUT_WR)
    with pytest.raises(FrameError, match=message):
        read_frame(reader)


@pytest.mark.timeout(10)
def test_read_frame_rejects_oversized_before_reading_payload(tcp_pair) -> None:
    writer, reader = tcp_pair
    writer.sendall(header(b"D", 70000))  # no payload follows: reading it would hang
    with pytest.raises(FrameError, match=r"^frame too large: 70000 > 65536 bytes$"):
        read_frame(reader)


@pytest.mark.timeout(10)
def test_read_frame_honours_smaller_limit(tcp_pair) -> None:
    writer, reader = tcp_pair
    writer.sendall(encode_frame(bytes(11)))
    with pytest.raises(FrameError, match="frame too large: 11 > 10 bytes"):
        read_frame(reader, max_payload=10)


@pytest.mark.timeout(10)
def test_read_frame_rejects_unknown_kind(tcp_pair) -> None:
    writer, reader = tcp_pair
    writer.sendall(header(b"X", 1) + b"x")
    with pytest.raises(FrameError, match="unknown frame kind: b'X'"):
        read_frame(reader)


# decode_frames


@pytest.mark.timeout(10)
def test_close_with_input_unread_resets_the_peer(tcp_pair) -> None:
    """Why close_after_error() exists: close() with unread input sends RST, not FIN (RFC 9293 §3.6.1)."""
    writer, reader = tcp_pair
    writer.sendall(header(b"D", 100) + bytes(10))  # one segment
    recv_exactly(reader, 5)  # the header only: 10 bytes stay unread
    reader.sendall(encode_frame(b"bad frame", b"E"))
    reader.close()
    with pytest.raises(ConnectionResetError):
        while writer.recv(65536):
            pass


@pytest.mark.timeout(10)
def test_close_after_error_ends_with_fin_after_the_peer_s_eof(tcp_pair) -> None:
    writer, reader = tcp_pair
    writer.sendall(header(b"D", 100) + bytes(10))
    recv_exactly(reader, 5)
    reader.sendall(encode_frame(b"bad frame", b"E"))
    writer.sendall(bytes(90))  # the peer goes on sending, then half-closes
    writer.shutdown(socket.SHUT_WR)
    close_after_error(reader)
    assert reader.fileno() == -1
    assert read_frame(writer) == (b"E", b"bad frame")
    assert read_frame(writer) is None  # EOF, no reset


def test_decode_frames_splits_a_buffer() -> None:
    data = encode_frame(b"a") + encode_frame(b"") + encode_frame(b"bad", b"E")
    assert decode_frames(data) == [(b"D", b"a"), (b"D", b""), (b"E", b"bad")]
    assert decode_frames(b"") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"D\x00\x00", "truncated header: 3 of 5 bytes"),
        (header(b"D", 4) + b"ab", "truncated payload: 2 of 4 bytes"),
        (header(b"D", 70000), "frame too large: 70000 > 65536 bytes"),
        (header(b"Z", 0), "unknown frame kind: b'Z'"),
        (encode_frame(b"ok") + b"E", "truncated header: 1 of 5 bytes"),
    ],
)
def test_decode_frames_rejects_bad_buffers(data: bytes, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        decode_frames(data)


frame_like = st.builds(
    lambda kind, length, payload: header(kind, length) + payload,
    st.one_of(st.sampled_from([b"D", b"E"]), st.binary(min_size=1, max_size=1)),
    st.one_of(st.integers(0, 64), st.integers(0, 2**32 - 1)),
    st.binary(max_size=64),
)


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.lists(frame_like, max_size=4).map(b"".join)))
def test_decode_frames_raises_only_frame_error(data: bytes) -> None:
    try:
        frames = decode_frames(data, max_payload=1000)
    except FrameError:
        return
    assert b"".join(encode_frame(payload, kind) for kind, payload in frames) == data


payloads = st.binary(max_size=2000)
kinds = st.sampled_from([b"D", b"E"])


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.tuples(kinds, payloads), max_size=8))
def test_encode_then_decode_round_trips(frames: list[tuple[bytes, bytes]]) -> None:
    data = b"".join(encode_frame(payload, kind) for kind, payload in frames)
    assert decode_frames(data) == frames
