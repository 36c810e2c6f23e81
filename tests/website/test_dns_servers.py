"""Tests for snippets.website.dns_servers: real dnslib servers on 127.0.0.1, read by us and by dnspython."""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.query
import dns.rcode
import pytest

from snippets.website.dns_servers import EXAMPLE, ROOT, TLD, DNSHierarchy, ZoneServer
from snippets.website.dns_wire import Message, Record, build_query, parse_message

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
                assert line.split()[-1] == "127.0.0.1"


def test_start_close_and_address_misuse() -> None:
    server = ZoneServer(EXAMPLE)
    with pytest.raises(RuntimeError, match="not started"):
        server.address
    server.close()  # harmless before start
    with server, pytest.raises(RuntimeError, match="already started"):
        server.start()
    server.close()  # and harmless twice


def test_close_leaves_no_threads_behind() -> None:
    before = threading.active_count()
    running = set(threading.enumerate())  # the module's hierarchy may be running too
    with DNSHierarchy() as hierarchy:
        assert threading.active_count() == before + 3
        ask(hierarchy.root, "www.example.test")
    assert threading.active_count() == before
    assert set(threading.enumerate()) == running
