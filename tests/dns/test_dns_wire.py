"""Tests for snippets.dns.dns_wire: encoding, parsing, dnslib and dnspython as referees, hostile bytes."""

from __future__ import annotations

import struct

import dns.message
import dns.rcode
import dns.rdatatype
import pytest
from dnslib import RR, DNSRecord
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.dns.dns_wire import (
    DNSError,
    Message,
    Question,
    Record,
    build_query,
    encode_name,
    parse_message,
    read_name,
)
from tests.fuzzing import fuzz


def header(qd: int = 0, an: int = 0, ns: int = 0, ar: int = 0, ident: int = 1, flags: int = 0) -> bytes:
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def dnslib_reply(name: str = "www.example.test", zone: str = "") -> bytes:
    """A response with compressed names in every section, built by dnslib."""
    reply = DNSRecord.question(name).reply()
    reply.add_answer(*RR.fromZone(zone or f"{name}. 300 A 127.0.0.1\n{name}. 300 A 127.0.0.2"))
    reply.add_auth(*RR.fromZone("example.test. 86400 NS ns1.example.test.\nexample.test. 86400 NS ns2.example.test."))
    reply.add_ar(*RR.fromZone("ns1.example.test. 3600 A 127.0.0.1\nns2.example.test. 3600 A 127.0.0.1"))
    return bytes(reply.pack())  # dnslib packs into a bytearray


RICH = dnslib_reply()
CNAME = dnslib_reply(
    "alias.example.test",
    "alias.example.test. 60 CNAME www.example.test.\nwww.example.test. 300 A 127.0.0.1\n"
    "example.test. 300 MX 10 mail.example.test.\nwww.example.test. 300 AAAA ::1",
)


# encode_name and build_query


def test_encode_name_writes_length_prefixed_labels() -> None:
    assert encode_name("www.example.test") == b"\x03www\x07example\x04test\x00"
    assert encode_name("www.example.test.") == encode_name("www.example.test")
    assert encode_name(".") == b"\x00"


@pytest.mark.parametrize("name", ["", "a..b", ".a", "a.b..", "한국.test", "a" * 64, "a" * 64 + ".test"])
def test_encode_name_rejects_bad_labels(name: str) -> None:
    with pytest.raises(DNSError):
        encode_name(name)


def test_encode_name_length_limits() -> None:
    assert len(encode_name("a" * 63)) == 65
    longest = ".".join(["a" * 63] * 3 + ["a" * 61])  # 64 * 3 + 62 + 1 = 255 bytes on the wire
    assert len(encode_name(longest)) == 255
    with pytest.raises(DNSError, match="longer than 255"):
        encode_name(longest + "a")


def test_build_query_layout() -> None:
    query = build_query("www.example.test")
    assert query[:12] == bytes.fromhex("1234 0100 0001 0000 0000 0000")
    assert query[12:] == encode_name("www.example.test") + b"\x00\x01\x00\x01"
    assert build_query("a.test", "NS", ident=7, recursion_desired=False)[:4] == b"\x00\x07\x00\x00"


@pytest.mark.parametrize(("qtype", "ident"), [("BOGUS", 1), ("A", -1), ("A", 0x10000)])
def test_build_query_rejects_bad_arguments(qtype: str, ident: int) -> None:
    with pytest.raises(DNSError):
        build_query("a.test", qtype, ident)


@pytest.mark.parametrize("qtype", ["A", "AAAA", "NS", "CNAME", "MX", "TXT", "SOA"])
def test_dnslib_reads_our_query(qtype: str) -> None:
    parsed = DNSRecord.parse(build_query("www.example.test", qtype, ident=0xBEEF))
    assert (parsed.header.id, parsed.header.rd, parsed.header.qr) == (0xBEEF, 1, 0)
    assert str(parsed.q.qname) == "www.example.test."
    assert dns.rdatatype.to_text(parsed.q.qtype) == qtype
    assert (len(parsed.questions), len(parsed.rr), len(parsed.auth), len(parsed.ar)) == (1, 0, 0, 0)


def test_our_query_parses_back() -> None:
    message = parse_message(build_query("WWW.Example.test", ident=9, recursion_desired=False))
    assert message == Message(
        9,
        False,
        "QUERY",
        False,
        False,
        False,
        False,
        "NOERROR",
        (Question("WWW.Example.test.", "A", "IN"),),
        (),
        (),
        (),
    )


# parse_message against dnslib's and dnspython's view of the same bytes


def test_parse_decodes_a_compressed_response() -> None:
    message = parse_message(RICH)
    assert (message.qr, message.aa, message.rd, message.ra, message.rcode) == (True, True, True, True, "NOERROR")
    assert message.answers == (
        Record("www.example.test.", "A", "IN", 300, "127.0.0.1"),
        Record("www.example.test.", "A", "IN", 300, "127.0.0.2"),
    )
    assert [r.data for r in message.authority] == ["ns1.example.test.", "ns2.example.test."]
    assert RICH.count(b"example") == 1  # dnslib compressed every later name


def _dnspython_view(data: bytes) -> list[tuple[str, str, int, str]]:
    parsed = dns.message.from_wire(data)
    rows = []
    for section in (parsed.answer, parsed.authority, parsed.additional):
        for rrset in section:
            rows += [
                (rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype), rrset.ttl, rdata.to_text())
                for rdata in rrset
            ]
    return rows


@pytest.mark.parametrize("data", [RICH, CNAME], ids=["rich", "cname"])
def test_parse_agrees_with_dnspython(data: bytes) -> None:
    ours = parse_message(data)
    theirs = dns.message.from_wire(data)
    assert ours.id == theirs.id
    assert ours.rcode == dns.rcode.to_text(theirs.rcode())
    readable = [
        (r.name, r.type, r.ttl, r.data)
        for r in ours.answers + ours.authority + ours.additional
        if r.type in ("A", "NS", "CNAME")
    ]
    assert readable == [row for row in _dnspython_view(data) if row[1] in ("A", "NS", "CNAME")]


def test_unknown_types_are_kept_as_hex() -> None:
    records = {r.type: r.data for r in parse_message(CNAME).answers}
    assert records["CNAME"] == "www.example.test."
    assert records["AAAA"] == "00" * 15 + "01"
    assert records["MX"].startswith("000a")  # preference 10, then a (compressed) name


# hostile inputs


@pytest.mark.parametrize("data", [RICH, CNAME, build_query("www.example.test")], ids=["rich", "cname", "query"])
def test_every_truncation_is_a_dns_error(data: bytes) -> None:
    for end in range(len(data)):
        with pytest.raises(DNSError):
            parse_message(data[:end])


QUESTION_TAIL = b"\x00\x01\x00\x01"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (header(qd=1) + b"\xc0\x0c" + QUESTION_TAIL, "does not point backwards"),  # to itself
        (header(qd=1) + b"\xc0\x20" + QUESTION_TAIL + bytes(20), "does not point backwards"),  # forward
        (header(qd=1) + b"\x01a\xc0\x0c" + QUESTION_TAIL, "does not point backwards"),  # back into itself
        (header(qd=1) + b"\x40" + b"a" * 64 + b"\x00" + QUESTION_TAIL, "unknown label type 0x40"),  # label of 64
        (header(qd=1) + b"\x80\x00" + QUESTION_TAIL, "unknown label type 0x80"),
        (header(qd=1) + (b"\x3f" + b"a" * 63) * 4 + b"\x00" + QUESTION_TAIL, "longer than 255"),
        (header(qd=3) + encode_name("a.test") + QUESTION_TAIL, "counts promise more"),
        (header(an=0xFFFF) + bytes(30), "counts promise more"),
        (header(an=1) + b"\x00" + struct.pack("!HHIH", 1, 1, 60, 5) + b"ab", "record data runs past"),
        (header(an=1) + encode_name("a.test") + struct.pack("!HHI", 1, 1, 60) + bytes(1), "record header runs past"),
        (header(qd=1) + encode_name("a.test") + QUESTION_TAIL + b"junk", "4 bytes after the last record"),
        (header(an=1) + b"\x00" + struct.pack("!HHIH", 1, 1, 60, 3) + b"\x7f\x00\x01", "A record with 3 bytes"),
        (header(an=1) + b"\x00" + struct.pack("!HHIH", 2, 1, 60, 3) + b"\x01a\x00" + b"\x00", "after the last record"),
        (header(an=1) + b"\x00" + struct.pack("!HHIH", 2, 1, 60, 4) + b"\x01a\x00\x00", "does not fill"),
        (b"\x00" * 11, "shorter than the header"),
    ],
)
def test_hostile_messages_raise_dns_error(data: bytes, message: str) -> None:
    with pytest.raises(DNSError, match=message):
        parse_message(data)


def test_two_pointers_pointing_at_each_other() -> None:
    data = header() + b"\xc0\x0e" + b"\xc0\x0c"  # offset 12 -> 14, offset 14 -> 12
    with pytest.raises(DNSError, match="does not point backwards"):
        read_name(data, 14)  # 14 -> 12 is backwards, but 12 -> 14 is not
    with pytest.raises(DNSError, match="does not point backwards"):
        read_name(data, 12)


def test_pointer_chains_are_limited() -> None:
    data = bytearray(header() + b"\x00")  # the root name at 12
    for i in range(100):  # each pointer points at the previous one
        data += struct.pack("!H", 0xC000 | (12 if i == 0 else len(data) - 2))
    assert read_name(bytes(data), 13 + 2 * 63) == (".", 13 + 2 * 64)
    with pytest.raises(DNSError, match="more than 64 compression pointers"):
        read_name(bytes(data), 13 + 2 * 64)


def test_read_name_follows_a_pointer_and_resumes_after_it() -> None:
    data = header() + encode_name("example.test") + b"\x03www\xc0\x0c" + b"rest"
    assert read_name(data, 12) == ("example.test.", 26)
    assert read_name(data, 26) == ("www.example.test.", 32)


def test_odd_bytes_in_labels_are_escaped_not_decoded() -> None:
    data = header() + b"\x03a.\xff\x00"
    assert read_name(data, 12) == ("a\\046\\255.", 17)


# fuzzing: only DNSError, whatever arrives

FUZZ = fuzz(10_000)


@FUZZ
@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_dns_error(data: bytes) -> None:
    try:
        parse_message(data)
    except DNSError:
        pass


@fuzz(2000)
@given(st.builds(lambda h, body: h + body, st.builds(header, *[st.integers(0, 3)] * 4), st.binary(max_size=200)))
def test_header_shaped_bytes_raise_only_dns_error(data: bytes) -> None:
    try:
        parse_message(data)
    except DNSError:
        pass


SEEDS = [RICH, CNAME, build_query("www.example.test")]
mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10_000), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10_000), st.integers(0, 0)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.integers(0, 255)),
)


def mutate(data: bytes, steps: list[tuple[str, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, where, value in steps:
        where %= len(out) + 1
        if kind == "flip" and where < len(out):
            out[where] ^= value
        elif kind == "cut":
            del out[where:]
        elif kind == "insert":
            out.insert(where, value)
        if not out:
            break
    return bytes(out)


@fuzz(2000)
@given(st.sampled_from(SEEDS), st.lists(mutation, min_size=1, max_size=4))
def test_mutated_messages_parse_or_raise_dns_error(seed: bytes, steps: list[tuple[str, int, int]]) -> None:
    data = mutate(seed, steps)
    try:
        message = parse_message(data)
    except DNSError:
        return
    assert isinstance(message, Message)
    for record in message.answers + message.authority + message.additional:
        assert record.name.endswith(".")
        assert 0 <= record.ttl < 2**32


labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=63)


@settings(max_examples=500, deadline=None, database=None)
@given(st.lists(labels, min_size=1, max_size=4))
def test_encode_then_read_round_trips(parts: list[str]) -> None:
    name = ".".join(parts)
    wire = encode_name(name)
    assert read_name(b"\x00" * 12 + wire, 12) == (name + ".", 12 + len(wire))
    assert DNSRecord.parse(header(qd=1) + wire + QUESTION_TAIL).q.qname == name
