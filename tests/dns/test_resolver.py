"""Tests for snippets.dns.resolver: referrals, TTL cache on a fake clock, dead and lying servers."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator

import pytest
from dnslib import RR, DNSRecord

from snippets.dns.dns_servers import EXAMPLE, ROOT, TLD, DNSHierarchy
from snippets.dns.dns_wire import build_query
from snippets.dns.resolver import FakeClock, ResolveError, Resolver, ask, sequence

pytestmark = pytest.mark.timeout(10)

WALK = (
    "root . -> referral to test. (ns1.test.)",
    "test. -> referral to example.test. (ns1.example.test.)",
    "example.test. -> answer 127.0.0.1 ttl 300",
)


@pytest.fixture
def dns() -> Iterator[DNSHierarchy]:
    with DNSHierarchy() as running:
        yield running


def resolver_for(dns: DNSHierarchy, clock: FakeClock | None = None, **kwargs: float) -> Resolver:
    return Resolver(dns.root, dns.nameservers, clock or FakeClock(), **kwargs)


class FakeDNS:
    """A UDP 'server' on loopback that answers each query with reply(query)."""

    def __init__(self, reply: Callable[[bytes], bytes | None]):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.address = self.sock.getsockname()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(reply,))

    def _run(self, reply: Callable[[bytes], bytes | None]) -> None:
        while not self._stop.is_set():
            try:
                query, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            if (data := reply(query)) is not None:
                self.sock.sendto(data, peer)

    def __enter__(self) -> FakeDNS:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def test_first_lookup_walks_root_tld_authoritative(dns: DNSHierarchy) -> None:
    answer = resolver_for(dns).resolve("www.example.test")
    assert (answer.name, answer.rcode, answer.addresses, answer.ttl) == (
        "www.example.test.",
        "NOERROR",
        ("127.0.0.1",),
        300,
    )
    assert (answer.path, answer.from_cache) == (WALK, False)
    assert dns.queries() == {name: ["www.example.test. A"] for name in (".", "test.", "example.test.")}


def test_second_lookup_within_ttl_comes_from_the_cache(dns: DNSHierarchy) -> None:
    clock = FakeClock()
    resolver = resolver_for(dns, clock)
    resolver.resolve("www.example.test")
    clock.advance(100)
    again = resolver.resolve("WWW.EXAMPLE.TEST.")  # the same name, however it is written
    assert (again.addresses, again.ttl, again.path, again.from_cache) == (("127.0.0.1",), 200, (), True)
    assert dns.queries()["example.test."] == ["www.example.test. A"]  # no server was asked again


def test_after_the_ttl_the_servers_are_asked_again(dns: DNSHierarchy) -> None:
    clock = FakeClock()
    resolver = resolver_for(dns, clock)
    resolver.resolve("www.example.test")
    clock.advance(299.5)
    assert resolver.resolve("www.example.test").from_cache
    clock.advance(0.5)  # exactly 300 s: expired
    fresh = resolver.resolve("www.example.test")
    assert (fresh.path, fresh.from_cache, fresh.ttl) == (WALK, False, 300)
    assert len(dns.queries()["."]) == 2


def test_each_record_keeps_its_own_ttl(dns: DNSHierarchy) -> None:
    answer = resolver_for(dns).resolve("ns1.example.test")
    assert (answer.ttl, answer.path[-1]) == (3600, "example.test. -> answer 127.0.0.1 ttl 3600")


def test_nxdomain_is_an_answer_not_an_error(dns: DNSHierarchy) -> None:
    resolver = resolver_for(dns)
    answer = resolver.resolve("nope.example.test")
    assert (answer.rcode, answer.addresses, answer.path[-1]) == ("NXDOMAIN", (), "example.test. -> NXDOMAIN")
    assert not resolver.resolve("nope.example.test").from_cache  # negative answers are not cached here
    assert resolver.resolve("www.example.invalid").path == ("root . -> NXDOMAIN",)


def test_name_without_that_type_is_an_empty_noerror(dns: DNSHierarchy) -> None:
    answer = resolver_for(dns).resolve("www.example.test", "AAAA")
    assert (answer.rcode, answer.addresses, answer.path[-1]) == ("NOERROR", (), "example.test. -> NOERROR")


def test_dead_server_is_a_clear_error(dns: DNSHierarchy) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()  # nothing listens here once probe is closed
    resolver = Resolver(dns.root, {**dns.nameservers, "ns1.example.test.": closed}, FakeClock(), timeout=1.0)
    with pytest.raises(ResolveError, match=r"^the server for example.test. refused: nothing listens there$"):
        resolver.resolve("www.example.test")


def test_silent_server_times_out() -> None:
    with FakeDNS(lambda query: None) as silent:
        resolver = Resolver(silent.address, {}, FakeClock(), timeout=0.2)
        with pytest.raises(ResolveError, match=r"^the server for root \. did not answer in 0.2 s$"):
            resolver.resolve("www.example.test")


def test_unknown_nameserver_name_is_never_looked_up(dns: DNSHierarchy) -> None:
    resolver = Resolver(dns.root, {"ns1.test.": dns.nameservers["ns1.test."]}, FakeClock())
    with pytest.raises(ResolveError, match="no loopback address for ns1.example.test.: this demo never looks it up"):
        resolver.resolve("www.example.test")


def test_only_loopback_addresses_are_accepted() -> None:
    with pytest.raises(ValueError, match="only talks to 127.0.0.1"):
        Resolver(("192.0.2.53", 53), {}, FakeClock())
    with pytest.raises(ValueError, match="only talks to 127.0.0.1"):
        Resolver(("127.0.0.1", 53), {"ns.test.": ("198.51.100.1", 53)}, FakeClock())


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (lambda q: b"\x00garbage", "sent a bad message: message of 8 bytes is shorter than the header"),
        (lambda q: bytes([q[0] ^ 1]) + q[1:2] + b"\x80" + q[3:], "answered a different question"),  # wrong id
        (lambda q: q, "answered a different question"),  # QR=0: our own query echoed back
        (lambda q: q[:2] + b"\x80\x00" + build_query("evil.test")[4:], "answered a different question"),
        (lambda q: q[:2] + b"\x82\x00" + q[4:], "^the server for root . refused over TCP: nothing listens there$"),
        (lambda q: q[:2] + b"\x80\x02" + q[4:], "^the server for root . answered SERVFAIL$"),
    ],
)
def test_bad_replies_are_clear_errors(reply: Callable[[bytes], bytes], message: str) -> None:
    with FakeDNS(reply) as liar:
        with pytest.raises(ResolveError, match=message):
            Resolver(liar.address, {}, FakeClock(), timeout=1.0).resolve("www.example.test")


def referral_to(child: str, nameserver: str) -> Callable[[bytes], bytes]:
    def reply(query: bytes) -> bytes:
        answer = DNSRecord.parse(query).reply(ra=0, aa=0)
        answer.add_auth(*RR.fromZone(f"{child} 60 IN NS {nameserver}"))
        return bytes(answer.pack())

    return reply


@pytest.mark.parametrize(
    "child",
    [
        ".",  # upward: the root refers to itself
        "elsewhere.",  # sideways: a zone the name is not in
    ],
)
def test_referrals_must_lead_towards_the_name(child: str) -> None:
    with FakeDNS(referral_to(child, "ns.elsewhere.")) as liar:
        resolver = Resolver(liar.address, {"ns.elsewhere.": liar.address}, FakeClock())
        with pytest.raises(
            ResolveError, match=f"^root . referred www.example.test. to {child}: not a step towards it$"
        ):
            resolver.resolve("www.example.test")


def test_a_server_that_refers_to_itself_is_cut_off() -> None:
    with DNSHierarchy((ROOT,)) as dns:  # the table sends "ns1.test." back to the root
        resolver = Resolver(dns.root, {"ns1.test.": dns.root}, FakeClock())
        with pytest.raises(ResolveError, match=r"^test. referred www.example.test. to test.: not a step towards it$"):
            resolver.resolve("www.example.test")


def test_referral_chains_are_limited(dns: DNSHierarchy) -> None:
    with pytest.raises(ResolveError, match="more than 1 referrals for www.example.test."):
        resolver_for(dns, max_referrals=1).resolve("www.example.test")
    assert len(resolver_for(dns, max_referrals=3).resolve("www.example.test").path) == 3


def test_close_leaves_no_threads_behind() -> None:
    before = threading.active_count()
    with DNSHierarchy((ROOT, TLD, EXAMPLE)) as dns:
        assert resolver_for(dns).resolve("www.example.test").addresses == ("127.0.0.1",)
    assert threading.active_count() == before


def test_query_ids_count_up(dns: DNSHierarchy) -> None:
    seen: list[int] = []

    def record(query: bytes) -> bytes:
        seen.append(struct.unpack("!H", query[:2])[0])
        return query[:2] + b"\x80\x03" + query[4:]  # NXDOMAIN

    with FakeDNS(record) as fake:
        resolver = Resolver(fake.address, {}, FakeClock())
        for _ in range(3):
            assert resolver.resolve("a.test").path == ("root . -> NXDOMAIN",)
    assert seen == [1, 2, 3]


def test_ask_is_one_question_to_one_server(dns: DNSHierarchy) -> None:
    reply = ask(dns.root, "www.example.test", ident=77)
    assert (reply.id, reply.rd, reply.aa, [r.name for r in reply.authority]) == (77, False, False, ["test."])
    with pytest.raises(ValueError, match="only talks to 127.0.0.1"):
        ask(("192.0.2.53", 53), "www.example.test")


def test_a_truncated_answer_is_asked_again_over_tcp(dns: DNSHierarchy) -> None:  # F3
    answer = resolver_for(dns).resolve("pool.example.test")
    assert answer.path[2:] == (
        "example.test. -> truncated (TC=1), asking again over TCP",
        "example.test. -> answer 127.0.0.1 and 39 more ttl 300",
    )
    assert sorted(answer.addresses) == sorted(f"127.0.0.{i}" for i in range(1, 41))
    assert dns.queries()["example.test."] == ["pool.example.test. A", "pool.example.test. A over TCP"]


def test_ask_over_tcp(dns: DNSHierarchy) -> None:
    reply = ask(dns.nameservers["ns1.example.test."], "pool.example.test", ident=9, tcp=True)
    assert (reply.id, reply.tc, len(reply.answers)) == (9, False, 40)


class FakeTCP:
    """A TCP 'server' on loopback that reads one query and answers with reply(query) as raw bytes."""

    def __init__(self, reply: Callable[[bytes], bytes]):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address = self.sock.getsockname()
        self._thread = threading.Thread(target=self._run, args=(reply,))

    def _run(self, reply: Callable[[bytes], bytes]) -> None:
        conn, _ = self.sock.accept()
        with conn:
            stream = conn.makefile("rb")
            query = stream.read(struct.unpack("!H", stream.read(2))[0])
            conn.sendall(reply(query))

    def __enter__(self) -> FakeTCP:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._thread.join()
        self.sock.close()


def framed(message: bytes) -> bytes:
    return struct.pack("!H", len(message)) + message


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (lambda q: framed(q[:2] + b"\x80\x00" + q[4:])[:-1], "closed the TCP connection mid-reply"),
        (lambda q: b"\x00", "closed the TCP connection mid-reply"),
        (lambda q: framed(q[:2] + b"\x82\x00" + q[4:]), "truncated its reply even over TCP"),
        (lambda q: framed(b"\x00garbage"), "sent a bad message over TCP: message of 8 bytes"),
    ],
)
def test_bad_tcp_replies_are_clear_errors(reply: Callable[[bytes], bytes], message: str) -> None:
    with FakeTCP(reply) as liar:
        with pytest.raises(ResolveError, match=message):
            ask(liar.address, "www.example.test", tcp=True, timeout=1.0)


def test_the_walk_drawn_as_a_sequence_asks_each_server_once_in_order(dns: DNSHierarchy) -> None:
    lines = sequence(resolver_for(dns).resolve("www.example.test"), "A", "en").splitlines()
    assert lines[1:5] == [
        "    participant R as recursive resolver",
        "    participant Z0 as root (.) server",
        "    participant Z1 as test. server",
        "    participant Z2 as example.test. server",
    ]
    assert lines[5:] == [
        "    R->>Z0: www.example.test. A?",
        "    Z0-->>R: referral: test. (ns1.test.)",
        "    R->>Z1: www.example.test. A?",
        "    Z1-->>R: referral: example.test. (ns1.example.test.)",
        "    R->>Z2: www.example.test. A?",
        "    Z2-->>R: answer: 127.0.0.1 ttl 300",
    ]


def test_the_sequence_shows_the_tcp_retry_and_a_negative_answer(dns: DNSHierarchy) -> None:
    resolver = resolver_for(dns)
    pool = sequence(resolver.resolve("pool.example.test"), "A", "ko").splitlines()
    assert pool[-4:] == [
        "    R->>Z2: pool.example.test. A?",
        "    Z2-->>R: 잘림(TC=1)",
        "    R->>Z2: pool.example.test. A? (TCP로 다시)",
        "    Z2-->>R: 답: 127.0.0.1 and 39 more ttl 300",
    ]
    assert sequence(resolver.resolve("nope.example.test"), "A", "en").endswith("Z2-->>R: NXDOMAIN")
    resolver.resolve("www.example.test")
    assert sequence(resolver.resolve("www.example.test"), "A", "en").splitlines() == [  # from the cache: no walk
        "sequenceDiagram",
        "    participant R as recursive resolver",
    ]
