"""A recursive resolver of our own: follow referrals from the root, cache by TTL.

A browser asks a resolver one question and gets one answer; the resolver does
the walking. It asks the root, which refers it to the `test.` servers, which
refer it to the `example.test.` servers, which answer. Each answer is cached
for its TTL, measured on an injected clock so the demo can skip time.

A reply cut short with TC=1 (it did not fit in 512 bytes of UDP) is asked
again over TCP, where each message follows its two-byte length.

Simplified on purpose: only positive answers are cached (RFC 2308 also
caches NXDOMAIN), referrals are not cached, CNAMEs are not followed, no EDNS
is sent (real resolvers offer 1232 bytes, so fewer answers need TCP), and
query IDs count up from 1
where a real resolver picks random IDs and source ports so that an attacker
off the path cannot guess them. Servers are reached only through the strict
NS-name table explained in dns_servers.py.

Builds on dns_wire.py and dns_servers.py. Shown on docs/*/dns.md, run by
notebooks/dns_resolve.ipynb, tested by tests/dns/.
"""

from __future__ import annotations

import itertools
import socket
from dataclasses import dataclass

from snippets.dns.dns_wire import DNSError, Message, build_query, parse_message

LOOPBACK = "127.0.0.1"


class ResolveError(Exception):
    """No usable answer: a server was dead, silent, or answered nonsense."""


@dataclass(frozen=True)
class Answer:
    name: str
    rcode: str  # NOERROR or NXDOMAIN
    addresses: tuple[str, ...]
    ttl: int  # seconds the answer may still be cached
    path: tuple[str, ...]  # one line per server asked; empty when cached
    from_cache: bool


class FakeClock:
    """Seconds that pass only when the demo says so."""

    def __init__(self, now: float = 0.0):
        self.now = now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _absolute(name: str) -> str:
    return name.lower().removesuffix(".") + "."


def _within(name: str, zone: str) -> bool:
    return zone == "." or name == zone or name.endswith("." + zone)


def _shown(zone: str) -> str:
    return "root ." if zone == "." else zone


def ask(
    address: tuple[str, int], name: str, qtype: str = "A", ident: int = 1, timeout: float = 2.0, tcp: bool = False
) -> Message:
    """One question over UDP (or TCP), no recursion wanted; the reply must match it."""
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only talks to {LOOPBACK}, not {address[0]}")
    query = build_query(name, qtype, ident, recursion_desired=False)
    over = " over TCP" if tcp else ""
    try:
        data = _exchange_tcp(address, query, timeout) if tcp else _exchange_udp(address, query, timeout)
    except ConnectionRefusedError:
        raise ResolveError(f"refused{over}: nothing listens there") from None
    except TimeoutError:
        raise ResolveError(f"did not answer{over} in {timeout} s") from None
    try:
        reply = parse_message(data)
    except DNSError as exc:
        raise ResolveError(f"sent a bad message{over}: {exc}") from None
    asked = [(q.name.lower(), q.type) for q in reply.questions]
    if not reply.qr or reply.id != ident or asked != [(_absolute(name), qtype)]:
        raise ResolveError("answered a different question")  # or it is not ours at all
    if reply.tc and tcp:
        raise ResolveError("truncated its reply even over TCP")
    return reply


def _exchange_udp(address: tuple[str, int], query: bytes, timeout: float) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect(address)  # a connected socket hears "port unreachable"
        sock.send(query)
        return sock.recv(65535)


def _exchange_tcp(address: tuple[str, int], query: bytes, timeout: float) -> bytes:
    with socket.create_connection(address, timeout) as sock:
        sock.sendall(len(query).to_bytes(2, "big") + query)  # RFC 1035 4.2.2: length first
        with sock.makefile("rb") as stream:
            prefix = stream.read(2)
            data = stream.read(int.from_bytes(prefix, "big")) if len(prefix) == 2 else b""
    if len(prefix) < 2 or len(data) < int.from_bytes(prefix, "big"):
        raise ResolveError("closed the TCP connection mid-reply")
    return data


class Resolver:
    """Iterative queries from the root down, with a TTL cache in front."""

    def __init__(
        self,
        root_address: tuple[str, int],
        ns_addresses: dict[str, tuple[str, int]],
        clock: FakeClock,
        timeout: float = 2.0,
        max_referrals: int = 8,
    ):
        for host, _port in [root_address, *ns_addresses.values()]:
            if host != LOOPBACK:
                raise ValueError(f"this demo only talks to {LOOPBACK}, not {host}")
        self.root_address = root_address
        self.ns_addresses = {_absolute(name): a for name, a in ns_addresses.items()}
        self.clock = clock
        self.timeout = timeout
        self.max_referrals = max_referrals
        self._cache: dict[tuple[str, str], tuple[float, Answer]] = {}
        self._ids = itertools.count(1)

    def resolve(self, name: str, qtype: str = "A") -> Answer:
        """Answer from the cache while the TTL lasts, else ask the servers."""
        key = (_absolute(name), qtype)
        if key in self._cache:
            expires, answer = self._cache[key]
            if self.clock.now < expires:
                left = int(expires - self.clock.now)
                return Answer(answer.name, answer.rcode, answer.addresses, left, path=(), from_cache=True)
            del self._cache[key]  # expired: forget it and ask again
        answer = self._iterate(*key)
        if answer.addresses:
            self._cache[key] = (self.clock.now + answer.ttl, answer)
        return answer

    # --8<-- [start:follow-referrals]
    def _iterate(self, name: str, qtype: str) -> Answer:
        """Start at the root; each referral names the servers one level down."""
        zone, address, path = ".", self.root_address, []
        for _ in range(self.max_referrals):
            ident = next(self._ids) & 0xFFFF
            try:
                reply = ask(address, name, qtype, ident, self.timeout)
                if reply.tc:  # more than fits in 512 bytes of UDP: the same question over TCP
                    path.append(f"{_shown(zone)} -> truncated (TC=1), asking again over TCP")
                    reply = ask(address, name, qtype, ident, self.timeout, tcp=True)
            except ResolveError as exc:
                raise ResolveError(f"the server for {_shown(zone)} {exc}") from None
            referral = [r for r in reply.authority if r.type == "NS"]
            if reply.rcode != "NOERROR" or reply.answers or not referral:
                return self._final(zone, name, qtype, reply, path)
            child, nameserver = referral[0].name.lower(), referral[0].data.lower()
            if child == zone or not _within(child, zone) or not _within(name, child):
                raise ResolveError(f"{_shown(zone)} referred {name} to {child}: not a step towards it")
            path.append(f"{_shown(zone)} -> referral to {child} ({nameserver})")
            zone, address = child, self._nameserver(nameserver)
        raise ResolveError(f"more than {self.max_referrals} referrals for {name}")

    # --8<-- [end:follow-referrals]

    def _final(self, zone: str, name: str, qtype: str, reply: Message, path: list[str]) -> Answer:
        if reply.rcode not in ("NOERROR", "NXDOMAIN"):
            raise ResolveError(f"the server for {_shown(zone)} answered {reply.rcode}")
        records = [r for r in reply.answers if r.type == qtype and r.name.lower() == name]
        addresses = tuple(r.data for r in records)
        ttl = min((r.ttl for r in records), default=0)  # the set lives as long as its shortest
        listed = " ".join(addresses) if len(addresses) <= 3 else f"{addresses[0]} and {len(addresses) - 1} more"
        said = f"answer {listed} ttl {ttl}" if addresses else reply.rcode
        path.append(f"{_shown(zone)} -> {said}")
        return Answer(name, reply.rcode, addresses, ttl, tuple(path), from_cache=False)

    def _nameserver(self, ns_name: str) -> tuple[str, int]:
        if ns_name not in self.ns_addresses:
            raise ResolveError(f"no loopback address for {ns_name}: this demo never looks it up")
        return self.ns_addresses[ns_name]


SEQUENCE_WORDS = {
    "ko": {
        "resolver": "재귀 리졸버",
        "server": "{zone} 서버",
        "root": "루트(.) 서버",
        "referral": "위임:",
        "answer": "답:",
        "truncated": "잘림(TC=1)",
        "tcp": " (TCP로 다시)",
    },
    "en": {
        "resolver": "recursive resolver",
        "server": "{zone} server",
        "root": "root (.) server",
        "referral": "referral:",
        "answer": "answer:",
        "truncated": "truncated (TC=1)",
        "tcp": " (again over TCP)",
    },
}


def sequence(answer: Answer, qtype: str, lang: str) -> str:
    """An answer's path (the walk _iterate recorded) as a Mermaid sequence diagram: one question and one
    reply per server asked, in the order asked."""
    words = SEQUENCE_WORDS[lang]
    steps = [step.split(" -> ", 1) for step in answer.path]
    zones = list(dict.fromkeys(zone for zone, _ in steps))  # in order, once each
    lines = ["sequenceDiagram", f"    participant R as {words['resolver']}"]
    for i, zone in enumerate(zones):
        shown = words["root"] if zone == _shown(".") else words["server"].format(zone=zone)
        lines.append(f"    participant Z{i} as {shown}")
    again = ""
    for zone, said in steps:
        z = f"Z{zones.index(zone)}"
        lines.append(f"    R->>{z}: {answer.name} {qtype}?{again}")
        again = ""
        if said.startswith("truncated"):
            lines.append(f"    {z}-->>R: {words['truncated']}")
            again = words["tcp"]
        elif said.startswith("referral to "):
            lines.append(f"    {z}-->>R: {words['referral']} {said.removeprefix('referral to ')}")
        elif said.startswith("answer "):
            lines.append(f"    {z}-->>R: {words['answer']} {said.removeprefix('answer ')}")
        else:
            lines.append(f"    {z}-->>R: {said}")  # NXDOMAIN and other codes as they are
    return "\n".join(lines)
