"""DNS messages built and parsed by hand, as RFC 1035 section 4 lays them out.

A message is a 12-byte header, then questions, answers, authority and
additional records. Names are length-prefixed labels; to save space a name
may end in a pointer to an earlier name (RFC 1035 4.1.4). Every length and
pointer comes from the network, so each is checked: a bad message raises
DNSError, never IndexError or struct.error, and never loops.

Shown on docs/*/dns.md, run by notebooks/dns_query.ipynb, tested by tests/dns/.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

HEADER = struct.Struct("!HHHHHH")  # id, flags, qdcount, ancount, nscount, arcount
QUESTION = struct.Struct("!HH")  # type, class
RECORD = struct.Struct("!HHIH")  # type, class, ttl, rdlength
TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 15: "MX", 16: "TXT", 28: "AAAA"}
TYPE_CODES = {name: code for code, name in TYPES.items()}
OPCODES = {0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE"}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
MAX_LABEL, MAX_NAME, MAX_JUMPS = 63, 255, 64


class DNSError(Exception):
    """The bytes are not a valid DNS message, or a name cannot be encoded."""


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    class_: str


@dataclass(frozen=True)
class Record:
    name: str
    type: str
    class_: str
    ttl: int
    data: str  # dotted quad for A, a name for NS and CNAME, hex otherwise


@dataclass(frozen=True)
class Message:
    id: int
    qr: bool  # False: query, True: response
    opcode: str
    aa: bool  # authoritative answer
    tc: bool  # truncated: retry over TCP
    rd: bool  # recursion desired
    ra: bool  # recursion available
    rcode: str
    questions: tuple[Question, ...]
    answers: tuple[Record, ...]
    authority: tuple[Record, ...]
    additional: tuple[Record, ...]


def _name_of(code: int, table: dict[int, str], prefix: str) -> str:
    return table.get(code, f"{prefix}{code}")  # RFC 3597 style for unknown codes


def encode_name(name: str) -> bytes:
    """'www.example.test' -> b'\\x03www\\x07example\\x04test\\x00'."""
    labels = [] if name == "." else name.removesuffix(".").split(".")
    wire = b""
    for label in labels:
        if not label or not label.isascii():
            raise DNSError(f"empty or non-ASCII label in {name!r}")
        raw = label.encode("ascii")
        if len(raw) > MAX_LABEL:
            raise DNSError(f"label longer than {MAX_LABEL} bytes: {label[:20]}...")
        wire += bytes([len(raw)]) + raw
    wire += b"\x00"  # the root label ends every name
    if len(wire) > MAX_NAME:
        raise DNSError(f"name longer than {MAX_NAME} bytes on the wire")
    return wire


def build_query(name: str, qtype: str = "A", ident: int = 0x1234, recursion_desired: bool = True) -> bytes:
    """One question, no records: the message a stub resolver sends."""
    if qtype not in TYPE_CODES or not 0 <= ident <= 0xFFFF:
        raise DNSError(f"cannot build a query with type {qtype!r} and id {ident}")
    flags = 0x0100 if recursion_desired else 0  # RD is bit 8; QR=0 means query
    header = HEADER.pack(ident, flags, 1, 0, 0, 0)
    return header + encode_name(name) + QUESTION.pack(TYPE_CODES[qtype], 1)  # class IN


def _label_text(label: bytes) -> str:
    return "".join(chr(b) if 0x21 <= b <= 0x7E and b not in b".\\" else f"\\{b:03d}" for b in label)


# --8<-- [start:read-name]
def read_name(data: bytes, offset: int) -> tuple[str, int]:
    """Return the name at offset and the offset just after it in the message."""
    labels: list[str] = []
    wire_length, jumps = 1, 0  # the root label's byte counts too
    resume = None  # after the first pointer, the caller continues past it
    start = offset  # a pointer must go strictly before the part being read
    while True:
        if offset >= len(data):
            raise DNSError("name runs past the end of the message")
        length = data[offset]
        if length & 0xC0 == 0xC0:  # a pointer: 2 bytes, 14-bit offset
            if offset + 1 >= len(data):
                raise DNSError("compression pointer runs past the end of the message")
            target = (length & 0x3F) << 8 | data[offset + 1]
            if target >= start:  # forward or to itself: could loop forever
                raise DNSError(f"compression pointer at {offset} does not point backwards")
            jumps += 1
            if jumps > MAX_JUMPS:
                raise DNSError(f"more than {MAX_JUMPS} compression pointers in one name")
            if resume is None:
                resume = offset + 2
            start = offset = target
            continue
        if length > MAX_LABEL:
            raise DNSError(f"unknown label type 0x{length & 0xC0:02x}")
        if length == 0:
            return ".".join(labels) + ".", (offset + 1 if resume is None else resume)
        label = data[offset + 1 : offset + 1 + length]
        if len(label) < length:
            raise DNSError("label runs past the end of the message")
        wire_length += 1 + length
        if wire_length > MAX_NAME:
            raise DNSError(f"name longer than {MAX_NAME} bytes")
        labels.append(_label_text(label))
        offset += 1 + length


# --8<-- [end:read-name]


def _read_record(data: bytes, offset: int) -> tuple[Record, int]:
    name, offset = read_name(data, offset)
    if offset + RECORD.size > len(data):
        raise DNSError("record header runs past the end of the message")
    rtype, rclass, ttl, rdlength = RECORD.unpack_from(data, offset)
    offset += RECORD.size
    end = offset + rdlength
    if end > len(data):
        raise DNSError("record data runs past the end of the message")
    kind = _name_of(rtype, TYPES, "TYPE")
    if kind == "A":
        if rdlength != 4:
            raise DNSError(f"A record with {rdlength} bytes of data")
        value = ".".join(str(b) for b in data[offset:end])
    elif kind in ("NS", "CNAME"):
        value, name_end = read_name(data, offset)  # may point back into the message
        if name_end != end:
            raise DNSError(f"{kind} data does not fill its {rdlength} bytes")
    else:
        value = data[offset:end].hex()
    return Record(name, kind, _name_of(rclass, {1: "IN"}, "CLASS"), ttl, value), end


def parse_message(data: bytes) -> Message:
    """Decode header, questions and the three record sections."""
    if len(data) < HEADER.size:
        raise DNSError(f"message of {len(data)} bytes is shorter than the header")
    ident, flags, qdcount, *counts = HEADER.unpack_from(data)
    if 5 * qdcount + 11 * sum(counts) > len(data) - HEADER.size:  # smallest sizes
        raise DNSError("section counts promise more than the message holds")
    offset, questions = HEADER.size, []
    for _ in range(qdcount):
        name, offset = read_name(data, offset)
        if offset + QUESTION.size > len(data):
            raise DNSError("question runs past the end of the message")
        qtype, qclass = QUESTION.unpack_from(data, offset)
        offset += QUESTION.size
        questions.append(Question(name, _name_of(qtype, TYPES, "TYPE"), _name_of(qclass, {1: "IN"}, "CLASS")))
    sections: list[tuple[Record, ...]] = []
    for count in counts:
        records = []
        for _ in range(count):
            record, offset = _read_record(data, offset)
            records.append(record)
        sections.append(tuple(records))
    if offset != len(data):
        raise DNSError(f"{len(data) - offset} bytes after the last record")
    return Message(
        id=ident,
        qr=bool(flags & 0x8000),
        opcode=_name_of(flags >> 11 & 0xF, OPCODES, "OPCODE"),
        aa=bool(flags & 0x0400),
        tc=bool(flags & 0x0200),
        rd=bool(flags & 0x0100),
        ra=bool(flags & 0x0080),
        rcode=_name_of(flags & 0xF, RCODES, "RCODE"),
        questions=tuple(questions),
        answers=sections[0],
        authority=sections[1],
        additional=sections[2],
    )
