"""Tests for snippets.tcp_ip.framing.split_frames: incremental parsing for non-blocking readers."""

from __future__ import annotations

import struct
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.tcp_ip.framing import MAX_PAYLOAD, FrameError, encode_frame, split_frames
from tests.fuzzing import fuzz

FUZZ = fuzz(500)

frames = st.lists(st.tuples(st.sampled_from([b"D", b"E"]), st.binary(max_size=300)), max_size=8)


def stream_of(items: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(encode_frame(payload, kind) for kind, payload in items)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in pairwise(points)]


def test_complete_frames_are_removed_and_a_partial_one_stays() -> None:
    buffer = bytearray(encode_frame(b"one") + encode_frame(b"two", b"E") + encode_frame(b"three")[:6])
    assert list(split_frames(buffer)) == [(b"D", b"one"), (b"E", b"two")]
    assert buffer == encode_frame(b"three")[:6]
    buffer += encode_frame(b"three")[6:]
    assert list(split_frames(buffer)) == [(b"D", b"three")]
    assert buffer == b""


def test_a_partial_header_stays_in_the_buffer() -> None:
    buffer = bytearray(b"D\x00\x00")
    assert list(split_frames(buffer)) == []
    assert buffer == b"D\x00\x00"


def test_empty_payload_is_a_complete_frame() -> None:
    buffer = bytearray(encode_frame(b""))
    assert list(split_frames(buffer)) == [(b"D", b"")]
    assert buffer == b""


def test_oversized_header_raises_before_its_payload_arrives() -> None:
    buffer = bytearray(struct.pack("!cI", b"D", MAX_PAYLOAD + 1))
    with pytest.raises(FrameError, match="frame too large: 65537 > 65536 bytes"):
        list(split_frames(buffer))


def test_max_payload_can_be_lowered() -> None:
    buffer = bytearray(encode_frame(bytes(17)))
    with pytest.raises(FrameError, match="frame too large: 17 > 16 bytes"):
        list(split_frames(buffer, max_payload=16))


def test_unknown_kind_raises() -> None:
    with pytest.raises(FrameError, match="unknown frame kind: b'Q'"):
        list(split_frames(bytearray(struct.pack("!cI", b"Q", 0))))


def test_frames_before_a_bad_header_come_out_first() -> None:
    buffer = bytearray(encode_frame(b"good") + struct.pack("!cI", b"D", MAX_PAYLOAD + 1))
    parsed = split_frames(buffer)
    assert next(parsed) == (b"D", b"good")
    with pytest.raises(FrameError, match="frame too large"):
        next(parsed)


def test_stopping_early_leaves_the_rest_in_the_buffer() -> None:
    buffer = bytearray(encode_frame(b"a") + encode_frame(b"b"))
    assert next(split_frames(buffer)) == (b"D", b"a")
    assert buffer == encode_frame(b"b")


@FUZZ
@given(items=frames, cuts=st.lists(st.integers(min_value=0), max_size=30))
def test_any_chunking_of_a_valid_stream_gives_the_same_frames(
    items: list[tuple[bytes, bytes]], cuts: list[int]
) -> None:
    buffer = bytearray()
    parsed: list[tuple[bytes, bytes]] = []
    for chunk in chunked(stream_of(items), cuts):
        buffer += chunk
        parsed.extend(split_frames(buffer))
    assert parsed == items
    assert buffer == b""


@FUZZ
@given(
    items=frames,
    bad=st.integers(min_value=17, max_value=2**32 - 1),
    cuts=st.lists(st.integers(min_value=0), max_size=30),
)
def test_any_chunking_then_a_bad_header_gives_the_frames_then_an_error(
    items: list[tuple[bytes, bytes]], bad: int, cuts: list[int]
) -> None:
    small = [(kind, payload[:16]) for kind, payload in items]
    buffer = bytearray()
    parsed: list[tuple[bytes, bytes]] = []
    with pytest.raises(FrameError, match=f"frame too large: {bad} > 16 bytes"):
        for chunk in chunked(stream_of(small) + struct.pack("!cI", b"D", bad), cuts):
            buffer += chunk
            for frame in split_frames(buffer, max_payload=16):
                parsed.append(frame)
    assert parsed == small


@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_only_raise_frame_error(data: bytes) -> None:
    buffer = bytearray(data)
    try:
        parsed = list(split_frames(buffer))
    except FrameError:
        return
    assert stream_of(parsed) + bytes(buffer) == data  # nothing lost, nothing invented
