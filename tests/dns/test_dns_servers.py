"""Tests for snippets.dns.dns_servers: real dnslib servers on 127.0.0.1, read by us and by dnspython."""

from __future__ import annotations

import ipaddress
import socket
import struct
import threading

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest
from dnslib import RR, DNSRecord

from snippets.dns.dns_servers import EXAMPLE, ROOT, TLD, DNSHierarchy, ZoneServer, _fit
from snippets.dns.dns_wire import Message, Record, build_query, parse_message

pytestmark = pytest.mark.timeout(10)


def ask_raw(address: tuple[str, int], name: str, qtype: str = "A") -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.connect(address)
        sock.send(build_query(name, qtype, recursion_desired=False))
        return sock.recv(65535)


def ask(address: tuple[str, int], name: str, qtype: str = "A") -> Message:
    return parse_message(ask_raw(address, name, qtype))


@pytest.fixture(scope="module")
def hierarchy():
    with DNSHierarchy() as running:
        yield running


def test_servers_bind_loopback_and_the_table_names_their_ns(hierarchy: DNSHierarchy) -> None:
    assert hierarchy.root[0] == "127.0.0.1"
    assert sorted(hierarchy.nameservers) == ["ns1.example.test.", "ns1.test."]
    assert {host for host, _port in hierarchy.nameservers.values()} == {"127.0.0.1"}
    assert hierarchy.nameservers["ns1.test."] == hierarchy.servers["test."].address


def test_root_refers_test_to_the_tld_with_glue(hierarchy: DNSHierarchy) -> None:
    reply = ask(hierarchy.root, "www.example.test")
    assert (reply.rcode, reply.aa, reply.ra, reply.answers) == ("NOERROR", False, False, ())
    assert reply.authority == (Record("test.", "NS", "IN", 172800, "ns1.test."),)
    assert reply.additional == (Record("ns1.test.", "A", "IN", 172800, "127.0.0.1"),)


def test_tld_refers_example_test_down(hierarchy: DNSHierarchy) -> None:
    reply = ask(hierarchy.nameservers["ns1.test."], "www.example.test")
    assert [r.data for r in reply.authority] == ["ns1.example.test."]
    assert [(r.name, r.data) for r in reply.additional] == [("ns1.example.test.", "127.0.0.1")]


def test_authoritative_server_answers(hierarchy: DNSHierarchy) -> None:
    reply = ask(hierarchy.nameservers["ns1.example.test."], "WWW.example.test")  # names ignore case
    assert (reply.rcode, reply.aa) == ("NOERROR", True)
    assert reply.answers == (Record("www.example.test.", "A", "IN", 300, "127.0.0.1"),)


@pytest.mark.parametrize(
    ("name", "qtype", "rcode", "soa"),
    [
        ("nope.example.test", "A", "NXDOMAIN", True),
        ("www.example.test", "AAAA", "NOERROR", True),  # the name exists, the type does not
        ("www.example.com", "A", "REFUSED", False),  # not our zone: no answer, no referral
    ],
)
def test_authoritative_server_says_no(hierarchy: DNSHierarchy, name: str, qtype: str, rcode: str, soa: bool) -> None:
    reply = ask(hierarchy.nameservers["ns1.example.test."], name, qtype)
    assert (reply.rcode, reply.answers) == (rcode, ())
    assert [r.type for r in reply.authority] == (["SOA"] if soa else [])


def test_root_says_nxdomain_for_an_unknown_tld(hierarchy: DNSHierarchy) -> None:
    assert ask(hierarchy.root, "www.example.invalid").rcode == "NXDOMAIN"


def test_dnspython_reads_the_same_reply_as_we_do(hierarchy: DNSHierarchy) -> None:
    data = ask_raw(hierarchy.nameservers["ns1.test."], "www.example.test")
    ours = parse_message(data)
    theirs = dns.message.from_wire(data)
    assert [(rrset.name.to_text(), rrset.ttl, [r.to_text() for r in rrset]) for rrset in theirs.authority] == [
        (r.name, r.ttl, [r.data]) for r in ours.authority
    ]
    assert [(rrset.name.to_text(), rrset.ttl, [r.to_text() for r in rrset]) for rrset in theirs.additional] == [
        (r.name, r.ttl, [r.data]) for r in ours.additional
    ]


def test_dnspython_as_client_gets_the_answer(hierarchy: DNSHierarchy) -> None:
    host, port = hierarchy.nameservers["ns1.example.test."]
    query = dns.message.make_query("www.example.test.", "A")
    reply = dns.query.udp(query, host, port=port, timeout=2)  # an explicit server: never the system's
    assert dns.rcode.to_text(reply.rcode()) == "NOERROR"
    assert [(rrset.ttl, [r.address for r in rrset]) for rrset in reply.answer] == [(300, ["127.0.0.1"])]


def test_servers_record_what_they_were_asked() -> None:
    with DNSHierarchy() as hierarchy:
        ask(hierarchy.root, "www.example.test")
        ask(hierarchy.servers["example.test."].address, "example.test", "NS")
        assert hierarchy.queries() == {".": ["www.example.test. A"], "test.": [], "example.test.": ["example.test. NS"]}


def test_a_garbage_packet_does_not_stop_a_server() -> None:
    with ZoneServer(EXAMPLE) as server:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"\x00garbage", server.address)  # dnslib drops it without a reply
        assert ask(server.address, "www.example.test").answers[0].data == "127.0.0.1"


def test_zones_are_data() -> None:
    assert (ROOT.origin, TLD.origin, EXAMPLE.origin) == (".", "test.", "example.test.")
    assert (ROOT.nameserver, TLD.nameserver, EXAMPLE.nameserver) == (None, "ns1.test.", "ns1.example.test.")
    for zone in (ROOT, TLD, EXAMPLE):  # every address in the story is loopback
        for line in zone.records.strip().splitlines():
            if " A " in line:
                assert ipaddress.ip_address(line.split()[-1]).is_loopback


def test_start_close_and_address_misuse() -> None:
    server = ZoneServer(EXAMPLE)
    with pytest.raises(RuntimeError, match="not started"):
        server.address
    server.close()  # harmless before start
    with server, pytest.raises(RuntimeError, match="already started"):
        server.start()
    server.close()  # and harmless twice


def test_close_leaves_no_threads_behind() -> None:
    running = set(threading.enumerate())  # the module's hierarchy may be running too
    with DNSHierarchy() as hierarchy:
        started = set(threading.enumerate()) - running
        assert len(started) == 6  # a UDP and a TCP thread per server
        ask(hierarchy.root, "www.example.test")
    assert not set(threading.enumerate()) - running


# What real peers need (issue 13): flags, apex records, TCP, truncation, odd queries, EDNS.


def exchange(address: tuple[str, int], wire: bytes, tcp: bool = False, timeout: float = 2.0) -> bytes | None:
    """Send one message as it is; the raw reply, or None when the server stays silent."""
    if tcp:
        with socket.create_connection(address, timeout) as sock:
            sock.sendall(struct.pack("!H", len(wire)) + wire)
            stream = sock.makefile("rb")
            (length,) = struct.unpack("!H", stream.read(2))
            return stream.read(length)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(wire, address)
        try:
            return sock.recv(65535)
        except TimeoutError:
            return None


def query(name: str, rdtype: str = "A", **kwargs: object) -> dns.message.QueryMessage:
    return dns.message.make_query(name, rdtype, **kwargs)


def reply_to(address: tuple[str, int], message: dns.message.Message, tcp: bool = False) -> dns.message.Message:
    data = exchange(address, message.to_wire(), tcp)
    assert data is not None
    return dns.message.from_wire(data)


def auth(hierarchy: DNSHierarchy) -> tuple[str, int]:
    return hierarchy.nameservers["ns1.example.test."]


def test_answers_clear_ad_and_cd(hierarchy: DNSHierarchy) -> None:  # F1
    asked = query("www.example.test", flags=dns.flags.AD | dns.flags.CD | dns.flags.RD)
    reply = reply_to(auth(hierarchy), asked)
    assert dns.flags.to_text(reply.flags).split() == ["QR", "AA", "RD"]  # RD is copied, AD and CD are not


def test_root_has_soa_and_ns_at_its_apex(hierarchy: DNSHierarchy) -> None:  # F2
    reply = reply_to(hierarchy.root, query(".", "NS"))
    assert (dns.rcode.to_text(reply.rcode()), bool(reply.flags & dns.flags.AA)) == ("NOERROR", True)
    assert [rrset.to_text() for rrset in reply.answer] == [". 518400 IN NS a.root-servers.test."]
    assert [rrset.to_text() for rrset in reply.additional] == ["a.root-servers.test. 518400 IN A 127.0.0.1"]
    negative = reply_to(hierarchy.root, query("www.example.invalid"))
    assert [rrset.rdtype for rrset in negative.authority] == [dns.rdatatype.SOA]  # a "no" that can be cached


def test_tld_has_soa_and_the_address_of_its_own_nameserver(hierarchy: DNSHierarchy) -> None:  # F2
    tld = hierarchy.nameservers["ns1.test."]
    soa = reply_to(tld, query("test.", "SOA"))
    assert [rrset.to_text() for rrset in soa.answer] == [
        "test. 86400 IN SOA ns1.test. hostmaster.test. 1 1800 900 604800 86400"
    ]
    ns1 = reply_to(tld, query("ns1.test.", "A"))
    assert (dns.rcode.to_text(ns1.rcode()), bool(ns1.flags & dns.flags.AA)) == ("NOERROR", True)
    assert [rrset.to_text() for rrset in ns1.answer] == ["ns1.test. 86400 IN A 127.0.0.1"]


def test_tcp_on_the_same_port_answers_each_message_on_the_connection(hierarchy: DNSHierarchy) -> None:  # F3
    wires = [query(name, id=n).to_wire() for n, name in enumerate(("www.example.test", "example.test"))]
    with socket.create_connection(auth(hierarchy), timeout=2) as sock:
        sock.sendall(b"".join(struct.pack("!H", len(w)) + w for w in wires))  # two at once (RFC 7766 6.2.1)
        stream = sock.makefile("rb")
        replies = [dns.message.from_wire(stream.read(struct.unpack("!H", stream.read(2))[0])) for _ in wires]
    assert [(r.id, r.answer[0].to_text()) for r in replies] == [
        (0, "www.example.test. 300 IN A 127.0.0.1"),
        (1, "example.test. 300 IN A 127.0.0.1"),
    ]


@pytest.mark.parametrize(
    ("edns", "payload", "truncated"),
    [
        (-1, 0, True),  # no EDNS: 512 bytes
        (0, 512, True),
        (0, 256, True),  # below 512 counts as 512 (RFC 6891 6.2.5)
        (0, 1232, False),
    ],
)
def test_a_udp_answer_over_the_askers_limit_is_truncated(
    hierarchy: DNSHierarchy, edns: int, payload: int, truncated: bool
) -> None:  # F3
    data = exchange(auth(hierarchy), query("pool.example.test", use_edns=edns, payload=payload).to_wire())
    assert data is not None
    reply = dns.message.from_wire(data)
    assert len(data) <= max(512, payload)
    assert bool(reply.flags & dns.flags.TC) is truncated
    assert sum(len(rrset) for rrset in reply.answer) == (0 if truncated else 40)  # whole RRsets or none
    assert [q.name.to_text() for q in reply.question] == ["pool.example.test."]


def test_the_same_question_over_tcp_gets_everything(hierarchy: DNSHierarchy) -> None:  # F3
    reply = reply_to(auth(hierarchy), query("pool.example.test"), tcp=True)
    assert not reply.flags & dns.flags.TC
    assert sorted(rr.address for rr in reply.answer[0]) == sorted(f"127.0.0.{i}" for i in range(1, 41))


def test_truncation_keeps_whole_rrsets_and_sets_tc_for_missing_glue() -> None:  # F3
    referral = DNSRecord.question("www.example.test").reply(ra=0, aa=0)
    referral.add_auth(*RR.fromZone("example.test. 60 NS ns1.example.test."))
    referral.add_ar(*RR.fromZone("ns1.example.test. 60 A 127.0.0.1"))
    full = len(referral.pack())
    assert dns.message.from_wire(_fit(referral, full, None)).flags & dns.flags.TC == 0
    cut = dns.message.from_wire(_fit(referral, full - 1, None))
    assert (bool(cut.flags & dns.flags.TC), len(cut.authority), len(cut.additional)) == (True, 1, 0)


def test_a_query_in_another_class_is_refused(hierarchy: DNSHierarchy) -> None:  # F4
    reply = reply_to(auth(hierarchy), query("www.example.test", "A", rdclass=dns.rdataclass.CH))
    assert (dns.rcode.to_text(reply.rcode()), reply.answer) == ("REFUSED", [])
    assert reply.question[0].rdclass == dns.rdataclass.CH  # the question is the one asked


def test_a_response_gets_no_reply(hierarchy: DNSHierarchy) -> None:  # F4
    message = query("www.example.test")
    message.flags |= dns.flags.QR
    assert exchange(auth(hierarchy), message.to_wire(), timeout=0.3) is None


@pytest.mark.parametrize("opcode", [dns.opcode.STATUS, dns.opcode.NOTIFY, dns.opcode.UPDATE])
def test_other_opcodes_are_not_implemented(hierarchy: DNSHierarchy, opcode: int) -> None:  # F4
    message = query("example.test", "SOA")
    message.set_opcode(opcode)
    reply = reply_to(auth(hierarchy), message)
    assert (dns.rcode.to_text(reply.rcode()), reply.opcode(), reply.id) == ("NOTIMP", opcode, message.id)


@pytest.mark.parametrize("questions", [0, 2])
def test_anything_but_one_question_is_a_format_error(hierarchy: DNSHierarchy, questions: int) -> None:  # F4
    one = build_query("www.example.test")
    body = one[12:] * questions
    wire = one[:4] + struct.pack("!HHHH", questions, 0, 0, 0) + body
    data = exchange(auth(hierarchy), wire)
    assert data is not None
    reply = parse_message(data)
    assert (reply.rcode, reply.questions, reply.answers) == ("FORMERR", (), ())


def test_bytes_that_do_not_parse_get_a_format_error(hierarchy: DNSHierarchy) -> None:  # F4
    wire = build_query("www.example.test")[:-3]  # the question is cut off
    reply = parse_message(exchange(auth(hierarchy), wire) or b"")
    assert (reply.id, reply.qr, reply.rcode) == (0x1234, True, "FORMERR")


def test_edns_in_gets_edns_out(hierarchy: DNSHierarchy) -> None:  # F4
    with_opt = reply_to(auth(hierarchy), query("www.example.test", use_edns=0, payload=4096))
    assert (with_opt.edns, with_opt.payload) == (0, 1232)
    without = reply_to(auth(hierarchy), query("www.example.test", use_edns=False))
    assert without.edns == -1  # no OPT asked for, none sent (RFC 6891 7)


def test_an_unknown_edns_version_gets_badvers(hierarchy: DNSHierarchy) -> None:  # F4
    reply = reply_to(auth(hierarchy), query("www.example.test", use_edns=1))
    assert (dns.rcode.to_text(reply.rcode()), reply.edns, reply.answer) == ("BADVERS", 0, [])


def test_any_returns_every_rrset_at_the_name(hierarchy: DNSHierarchy) -> None:  # F4
    reply = reply_to(auth(hierarchy), query("example.test", "ANY"))
    assert sorted(dns.rdatatype.to_text(rrset.rdtype) for rrset in reply.answer) == ["A", "NS", "SOA"]


def test_zone_transfers_are_refused(hierarchy: DNSHierarchy) -> None:  # F4
    reply = reply_to(auth(hierarchy), query("example.test", "AXFR"), tcp=True)
    assert dns.rcode.to_text(reply.rcode()) == "REFUSED"


def test_close_ends_idle_tcp_connections() -> None:
    running = set(threading.enumerate())  # threads of other servers may end meanwhile; none may stay
    with ZoneServer(EXAMPLE) as server, socket.create_connection(server.address, timeout=2) as idle:
        reply_to(server.address, query("www.example.test"), tcp=True)
        server.close()  # must not wait for the idle client
        assert idle.recv(1) == b""  # the server hung up
    assert not set(threading.enumerate()) - running
