"""IPv4 and TCP headers built and parsed by hand with struct.

Nothing is sent: the bytes are only built, inspected and checked. The layouts
follow RFC 791 (IPv4) and RFC 9293 (TCP); the checksum is RFC 1071's.

Shown on docs/*/tcp-ip/, run by notebooks/tcp_ip_headers.ipynb, tested by tests/tcp_ip/.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

IPV4 = struct.Struct("!BBHHHBBH4s4s")  # 20 bytes without options
TCP = struct.Struct("!HHIIBBHHH")  # 20 bytes without options
PSEUDO = struct.Struct("!4s4sBBH")  # src, dst, zero, protocol, TCP length
PROTO_TCP = 6
DONT_FRAGMENT = 0x4000
FLAGS = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10, "URG": 0x20, "ECE": 0x40, "CWR": 0x80}


class HeaderError(Exception):
    """The bytes are not a valid IPv4 packet or TCP segment."""


@dataclass
class IPv4Header:
    version: int
    ihl: int
    total_length: int
    ttl: int
    protocol: int
    src: str
    dst: str
    checksum_ok: bool


@dataclass
class TCPHeader:
    sport: int
    dport: int
    seq: int
    ack: int
    flags: tuple[str, ...]
    window: int
    checksum_ok: bool
    payload: bytes


# --8<-- [start:checksum]
def internet_checksum(data: bytes) -> int:
    """RFC 1071: one's complement of the one's complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\x00"  # an odd byte counts as the high half of a last word
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)  # carries wrap around
    return ~total & 0xFFFF


# --8<-- [end:checksum]


def _addr(text: str) -> bytes:
    return ipaddress.IPv4Address(text).packed


# --8<-- [start:build]
def build_ipv4(src: str, dst: str, payload_len: int, ttl: int = 64, ident: int = 0x1234) -> bytes:
    """A 20-byte IPv4 header for a TCP payload, checksum filled in."""
    if not 0 <= payload_len <= 0xFFFF - IPV4.size:
        raise ValueError(f"payload_len out of range: {payload_len}")
    fields = [
        0x45,
        0,
        IPV4.size + payload_len,
        ident,
        DONT_FRAGMENT,
        ttl,
        PROTO_TCP,
        0,
        _addr(src),
        _addr(dst),
    ]  # 0x45: version 4, IHL 5
    fields[7] = internet_checksum(IPV4.pack(*fields))  # computed with checksum 0
    return IPV4.pack(*fields)


def build_tcp(
    src: str,
    dst: str,
    sport: int,
    dport: int,
    seq: int,
    ack: int,
    flags: set[str],
    window: int = 65535,
    payload: bytes = b"",
) -> bytes:
    """A 20-byte TCP header plus payload; the checksum covers a pseudo-header."""
    unknown = set(flags) - FLAGS.keys()
    if unknown:
        raise ValueError(f"unknown TCP flags: {sorted(unknown)}")
    bits = sum(FLAGS[name] for name in flags)
    fields = [sport, dport, seq, ack, 5 << 4, bits, window, 0, 0]  # offset 5 words
    pseudo = PSEUDO.pack(_addr(src), _addr(dst), 0, PROTO_TCP, TCP.size + len(payload))
    fields[7] = internet_checksum(pseudo + TCP.pack(*fields) + payload)
    return TCP.pack(*fields) + payload


# --8<-- [end:build]


# --8<-- [start:parse]
def parse_ipv4(packet: bytes, verify_checksum: bool = True) -> IPv4Header:
    """Check an IPv4 header's fields against the bytes that arrived."""
    if len(packet) < IPV4.size:
        raise HeaderError(f"IPv4 packet too short: {len(packet)} < 20 bytes")
    (ver_ihl, _tos, total_length, _ident, _frag, ttl, protocol, _checksum, src, dst) = IPV4.unpack_from(packet)
    version, ihl = ver_ihl >> 4, ver_ihl & 0x0F
    if version != 4:
        raise HeaderError(f"not IPv4: version {version}")
    if ihl < 5:
        raise HeaderError(f"IHL {ihl} is below the minimum of 5 (20 bytes)")
    if ihl * 4 > len(packet):
        raise HeaderError(f"IHL {ihl} means {ihl * 4} header bytes, got {len(packet)}")
    if not ihl * 4 <= total_length <= len(packet):
        raise HeaderError(f"total length {total_length} does not fit {ihl * 4}-byte header in {len(packet)} bytes")
    checksum_ok = internet_checksum(packet[: ihl * 4]) == 0  # sum incl. checksum
    if verify_checksum and not checksum_ok:
        raise HeaderError("IPv4 header checksum mismatch")
    return IPv4Header(
        version,
        ihl,
        total_length,
        ttl,
        protocol,
        str(ipaddress.IPv4Address(src)),
        str(ipaddress.IPv4Address(dst)),
        checksum_ok,
    )


def parse_tcp(segment: bytes, src: str, dst: str, verify_checksum: bool = True) -> TCPHeader:
    """Check a TCP segment; src and dst come from the IP header around it."""
    if len(segment) < TCP.size:
        raise HeaderError(f"TCP segment too short: {len(segment)} < 20 bytes")
    if len(segment) > 0xFFFF:
        raise HeaderError(f"TCP segment too long: {len(segment)} bytes")
    sport, dport, seq, ack, offset_byte, bits, window, _checksum, _urgent = TCP.unpack_from(segment)
    offset = offset_byte >> 4
    if offset < 5:
        raise HeaderError(f"TCP data offset {offset} is below the minimum of 5")
    if offset * 4 > len(segment):
        raise HeaderError(f"TCP data offset {offset} means {offset * 4} header bytes, got {len(segment)}")
    pseudo = PSEUDO.pack(_addr(src), _addr(dst), 0, PROTO_TCP, len(segment))
    checksum_ok = internet_checksum(pseudo + segment) == 0
    if verify_checksum and not checksum_ok:
        raise HeaderError("TCP checksum mismatch (pseudo-header + segment)")
    flags = tuple(sorted(name for name, bit in FLAGS.items() if bits & bit))
    return TCPHeader(sport, dport, seq, ack, flags, window, checksum_ok, segment[offset * 4 :])


# --8<-- [end:parse]


def hexdump(data: bytes) -> str:
    """Hex bytes, 16 per line, each line starting with its offset in hex."""
    return "\n".join(f"{offset:04x}  {data[offset : offset + 16].hex(' ')}" for offset in range(0, len(data), 16))
