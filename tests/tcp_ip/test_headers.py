"""Tests for snippets.tcp_ip.headers: checksums, build/parse, corrupt bytes, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.tcp_ip.headers import (
    HeaderError,
    IPv4Header,
    TCPHeader,
    build_ipv4,
    build_tcp,
    hexdump,
    internet_checksum,
    parse_ipv4,
    parse_tcp,
)
from tests.fuzzing import fuzz

FUZZ = fuzz(2000)
SRC, DST = "192.0.2.1", "192.0.2.2"  # RFC 5737 documentation addresses


def packet(payload: bytes = b"hello", flags: set[str] | None = None) -> bytes:
    segment = build_tcp(SRC, DST, 49152, 80, 1000, 2000, flags or {"PSH", "ACK"}, window=512, payload=payload)
    return build_ipv4(SRC, DST, len(segment)) + segment


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


# internet_checksum


def test_rfc1071_example() -> None:
    data = bytes.fromhex("0001f203f4f5f6f7")  # RFC 1071 section 3
    assert internet_checksum(data) == 0x220D
    assert ~internet_checksum(data) & 0xFFFF == 0xDDF2  # the one's complement sum


def test_checksum_of_odd_length_pads_with_zero() -> None:
    assert internet_checksum(b"\x12") == internet_checksum(b"\x12\x00")


def test_checksum_of_data_plus_its_checksum_is_zero() -> None:
    data = bytes.fromhex("0001f203f4f5f6f7")
    assert internet_checksum(data + (0x220D).to_bytes(2, "big")) == 0


def test_checksum_of_nothing() -> None:
    assert internet_checksum(b"") == 0xFFFF


# build and parse


def test_build_ipv4_fields() -> None:
    header = build_ipv4(SRC, DST, payload_len=20)
    assert len(header) == 20
    assert header[0] == 0x45
    assert header[9] == 6
    assert header[12:16] == bytes([192, 0, 2, 1])
    assert internet_checksum(header) == 0


def test_round_trip_with_flags_and_payload() -> None:
    data = packet(b"hello", {"SYN", "ACK"})
    assert parse_ipv4(data) == IPv4Header(
        version=4,
        ihl=5,
        total_length=45,
        ttl=64,
        protocol=6,
        src=SRC,
        dst=DST,
        checksum_ok=True,
    )
    assert parse_tcp(data[20:], SRC, DST) == TCPHeader(
        sport=49152,
        dport=80,
        seq=1000,
        ack=2000,
        flags=("ACK", "SYN"),
        window=512,
        checksum_ok=True,
        payload=b"hello",
    )


@pytest.mark.parametrize("flags", [set(), {"FIN"}, {"RST"}, {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}])
def test_every_flag_round_trips(flags: set[str]) -> None:
    segment = build_tcp(SRC, DST, 1, 2, 3, 4, flags)
    assert parse_tcp(segment, SRC, DST).flags == tuple(sorted(flags))


def test_build_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown TCP flags"):
        build_tcp(SRC, DST, 1, 2, 3, 4, {"SYN", "PUSH"})
    with pytest.raises(ValueError):
        build_ipv4("not-an-address", DST, 0)
    with pytest.raises(ValueError, match="payload_len out of range"):
        build_ipv4(SRC, DST, 70000)


def test_tcp_checksum_covers_the_pseudo_header() -> None:
    segment = packet()[20:]
    with pytest.raises(HeaderError, match="TCP checksum"):
        parse_tcp(segment, SRC, "192.0.2.99")


# corruption


def test_flipped_ip_header_byte_is_an_ip_checksum_error() -> None:
    with pytest.raises(HeaderError, match="IPv4 header checksum mismatch"):
        parse_ipv4(flip(packet(), 8))  # the TTL
    assert parse_ipv4(flip(packet(), 8), verify_checksum=False).checksum_ok is False


def test_flipped_payload_byte_is_a_tcp_checksum_error() -> None:
    data = flip(packet(b"hello"), 42)
    assert parse_ipv4(data).checksum_ok  # the IP checksum covers only its header
    with pytest.raises(HeaderError, match="TCP checksum mismatch"):
        parse_tcp(data[20:], SRC, DST)
    assert parse_tcp(data[20:], SRC, DST, verify_checksum=False).checksum_ok is False


def test_truncated_packets() -> None:
    data = packet()
    with pytest.raises(HeaderError, match="IPv4 packet too short: 19 < 20 bytes"):
        parse_ipv4(data[:19])
    with pytest.raises(HeaderError, match="total length 45 does not fit"):
        parse_ipv4(data[:30])
    with pytest.raises(HeaderError, match="TCP segment too short: 10 < 20 bytes"):
        parse_tcp(data[20:30], SRC, DST)


def test_wrong_version() -> None:
    data = bytes([0x65]) + packet()[1:]
    with pytest.raises(HeaderError, match="not IPv4: version 6"):
        parse_ipv4(data)


def test_bad_ihl() -> None:
    with pytest.raises(HeaderError, match="IHL 4 is below the minimum of 5"):
        parse_ipv4(bytes([0x44]) + packet()[1:])
    with pytest.raises(HeaderError, match="IHL 15 means 60 header bytes, got 45"):
        parse_ipv4(bytes([0x4F]) + packet()[1:])


def test_bad_tcp_data_offset() -> None:
    segment = packet()[20:]
    with pytest.raises(HeaderError, match="TCP data offset 4 is below the minimum"):
        parse_tcp(segment[:12] + bytes([0x40]) + segment[13:], SRC, DST)
    with pytest.raises(HeaderError, match="TCP data offset 15 means 60 header bytes"):
        parse_tcp(segment[:12] + bytes([0xF0]) + segment[13:], SRC, DST)


def test_tcp_segment_longer_than_the_pseudo_header_allows() -> None:
    with pytest.raises(HeaderError, match="too long"):
        parse_tcp(bytes(70000), SRC, DST)


def test_trailing_bytes_after_total_length_are_ignored() -> None:
    assert parse_ipv4(packet() + bytes(6)).total_length == 45


# hexdump


def test_hexdump_lines() -> None:
    assert hexdump(bytes(range(20))) == ("0000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n0010  10 11 12 13")
    assert hexdump(b"") == ""


def test_hexdump_of_a_packet_is_deterministic() -> None:
    assert hexdump(packet()).splitlines()[0] == ("0000  45 00 00 2d 12 34 40 00 40 06 a4 93 c0 00 02 01")


# fuzzing: arbitrary bytes raise HeaderError or parse, nothing else


@FUZZ
@given(st.one_of(st.binary(max_size=80), st.binary(max_size=40).map(lambda tail: packet()[:25] + tail)))
def test_parse_ipv4_raises_only_header_error(data: bytes) -> None:
    try:
        header = parse_ipv4(data)
    except HeaderError:
        return
    assert header.version == 4 and header.checksum_ok


@FUZZ
@given(st.one_of(st.binary(max_size=80), st.binary(max_size=40).map(lambda tail: packet()[20:32] + tail)))
def test_parse_tcp_raises_only_header_error(data: bytes) -> None:
    try:
        header = parse_tcp(data, SRC, DST)
    except HeaderError:
        return
    assert header.checksum_ok
