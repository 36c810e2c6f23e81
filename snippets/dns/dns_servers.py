"""Three real DNS servers on loopback: the root, the `test.` TLD, and `example.test.`.

dnslib decodes and encodes the messages; the zone logic here decides what
each server says. A server answers for names in its own zone, and for names
below a delegation it answers with a referral: the child's NS records plus
"glue" A records so the resolver can reach the child's server.

Each server speaks UDP and TCP on the same port number (RFC 7766). A UDP
answer that does not fit the asker's limit (512 bytes, or what its EDNS OPT
record offers) goes out cut short with TC=1, and the asker repeats the
question over TCP, where a two-byte length precedes each message
(RFC 1035 4.2.2).

The one place this demo differs from the internet: there every DNS server
listens on port 53, so the glue's IP address is all a resolver needs. Here
every server is 127.0.0.1 on a port the OS picked, and glue can only carry
an IP. So `DNSHierarchy.nameservers` is a strict table from the NS *name*
in a referral to the loopback (host, port) of the next server; a name that
is not in it is an error, never a lookup.

Builds on dns_wire.py. Shown on docs/*/dns.md, run by
notebooks/dns_resolve.ipynb, tested by tests/dns/.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from dataclasses import dataclass

from dnslib import CLASS, EDNS0, OPCODE, QTYPE, RCODE, RR, DNSError, DNSHeader, DNSLabel, DNSRecord

LOOPBACK = "127.0.0.1"
PLAIN_UDP = 512  # the UDP limit without EDNS (RFC 1035 4.2.1)
OUR_UDP = 1232  # what our OPT record offers: the DNS Flag Day 2020 size
TCP_IDLE = 5.0  # seconds a TCP connection may sit idle (RFC 7766 6.2.3)
BADVERS = 16  # RFC 6891 6.1.3: 12 bits, the high 8 in the OPT record


# --8<-- [start:zones]
@dataclass(frozen=True)
class Zone:
    origin: str
    nameserver: str | None  # the NS name a parent's referral points at
    records: str  # zone-file lines


ROOT = Zone(
    ".",
    None,  # the root has no parent: resolvers start from its address (root hints)
    """
.                      86400  IN SOA a.root-servers.test. hostmaster.test. 1 1800 900 604800 86400
.                      518400 IN NS  a.root-servers.test.
test.                  172800 IN NS  ns1.test.
ns1.test.              172800 IN A   127.0.0.1
a.root-servers.test.   518400 IN A   127.0.0.1
""",
)

TLD = Zone(
    "test.",
    "ns1.test.",
    """
test.                  86400  IN SOA ns1.test. hostmaster.test. 1 1800 900 604800 86400
test.                  86400  IN NS  ns1.test.
ns1.test.              86400  IN A   127.0.0.1
a.root-servers.test.   86400  IN A   127.0.0.1
example.test.          86400  IN NS  ns1.example.test.
ns1.example.test.      86400  IN A   127.0.0.1
""",
)

EXAMPLE = Zone(
    "example.test.",
    "ns1.example.test.",
    """
example.test.          3600   IN SOA ns1.example.test. admin.example.test. 1 7200 900 1209600 300
example.test.          3600   IN NS  ns1.example.test.
ns1.example.test.      3600   IN A   127.0.0.1
example.test.          300    IN A   127.0.0.1
www.example.test.      300    IN A   127.0.0.1
"""
    # 40 web servers behind one name: 675 bytes, more than a plain UDP answer may carry
    + "".join(f"pool.example.test.     300    IN A   127.0.0.{i}\n" for i in range(1, 41)),
)
# --8<-- [end:zones]


def _labels(name: DNSLabel | str) -> tuple[bytes, ...]:
    return tuple(label.lower() for label in DNSLabel(name).label)


def _is_under(name: DNSLabel, zone: DNSLabel) -> bool:
    suffix = _labels(zone)
    return _labels(name)[len(_labels(name)) - len(suffix) :] == suffix


class ZoneResolver:
    """Answer from one zone: records, a referral below a cut, or NXDOMAIN."""

    def __init__(self, zone: Zone):
        self.origin = DNSLabel(zone.origin)
        self.records = RR.fromZone(zone.records)
        self.queries: list[str] = []  # what this server was asked, in order

    def respond(self, data: bytes, over_tcp: bool) -> bytes | None:
        """The reply to one message off the wire, or None: some messages get no reply."""
        if len(data) < 12 or data[2] & 0x80:
            return None  # no header to answer, or QR=1: answering responses can loop between servers
        try:
            query = DNSRecord.parse(data)
        except DNSError:
            return _header_only(data, RCODE.FORMERR)
        opts = [rr for rr in query.ar if rr.rtype == QTYPE.OPT]
        edns = EDNS0(udp_len=OUR_UDP) if opts else None  # an OPT in the query gets one back (RFC 6891 6.1.1)
        # RFC 4035 3.1.6: an authoritative server clears CD, and AD stays 0 for data
        # nobody validated (these zones are unsigned). Only RD is copied.
        reply = DNSRecord(DNSHeader(id=query.header.id, qr=1, opcode=query.header.opcode, rd=query.header.rd))
        if query.header.opcode != OPCODE.QUERY:
            reply.header.rcode = RCODE.NOTIMP  # NOTIFY, UPDATE, STATUS: not offered here
        elif len(query.questions) != 1 or len(opts) > 1:
            reply.header.rcode = RCODE.FORMERR  # RFC 9619; RFC 6891 6.1.1
        elif opts and opts[0].ttl >> 16 & 0xFF:  # the version byte of the OPT TTL field
            edns = EDNS0(udp_len=OUR_UDP, ext_rcode=BADVERS >> 4)  # a version we do not speak (RFC 6891 6.1.3)
        else:
            question = query.q
            reply.add_question(question)
            self.queries.append(f"{question.qname} {QTYPE[question.qtype]}" + (" over TCP" if over_tcp else ""))
            if question.qclass != CLASS.IN or question.qtype in (QTYPE.AXFR, QTYPE.IXFR):
                reply.header.rcode = RCODE.REFUSED  # no CHAOS data, no zone transfers (as NSD)
            else:
                self.answer(reply, question.qname, question.qtype)
        limit = 65535 if over_tcp else max(PLAIN_UDP, opts[0].rclass) if opts else PLAIN_UDP
        return _fit(reply, limit, edns)

    def answer(self, reply: DNSRecord, qname: DNSLabel, qtype: int) -> None:
        """Fill in records, a referral below a cut, or a negative answer."""
        if not _is_under(qname, self.origin):
            reply.header.rcode = RCODE.REFUSED  # not our zone: no answer, no referral
            return
        cuts = [
            rr
            for rr in self.records
            if rr.rtype == QTYPE.NS and _labels(rr.rname) != _labels(self.origin) and _is_under(qname, rr.rname)
        ]
        if cuts:  # below a delegation: not ours to answer
            reply.add_auth(*cuts)
            reply.add_ar(*self._addresses_of(cuts))  # glue
            return
        reply.header.aa = 1
        named = [rr for rr in self.records if _labels(rr.rname) == _labels(qname)]
        reply.add_answer(*[rr for rr in named if qtype in (rr.rtype, QTYPE.ANY)])  # ANY: every RRset here
        reply.add_ar(*self._addresses_of([rr for rr in reply.rr if rr.rtype == QTYPE.NS]))
        if not named:
            reply.header.rcode = RCODE.NXDOMAIN
        if not reply.rr:  # the SOA tells how long the "no" may be cached
            reply.add_auth(*[rr for rr in self.records if rr.rtype == QTYPE.SOA])

    def _addresses_of(self, ns_records: list[RR]) -> list[RR]:
        targets = {_labels(rr.rdata.label) for rr in ns_records}
        return [rr for rr in self.records if rr.rtype == QTYPE.A and _labels(rr.rname) in targets]


def _header_only(data: bytes, rcode: int) -> bytes:
    """An error reply as NSD sends it: the ID, opcode and RD of the query, no sections."""
    flags = 0x8000 | data[2] << 8 & 0x7900 | rcode  # QR, then the query's opcode and RD
    return data[:2] + flags.to_bytes(2, "big") + bytes(8)


# --8<-- [start:truncate]
def _fit(reply: DNSRecord, limit: int, edns: RR | None) -> bytes:
    """Drop whole RRsets from the end until the message fits; TC=1 says there was more."""
    room = limit - (11 if edns else 0)  # the OPT record goes in last and always fits
    wire = bytes(reply.pack())
    while len(wire) > room:
        section = next(s for s in (reply.ar, reply.auth, reply.rr) if s)
        last = (section[-1].rname, section[-1].rtype)
        while section and (section[-1].rname, section[-1].rtype) == last:
            section.pop()  # never half an RRset (RFC 2181 9)
        reply.header.tc = 1  # also for dropped glue (RFC 9471); our additional data is all glue
        wire = bytes(reply.pack())
    if edns:
        reply.add_ar(edns)
        wire = bytes(reply.pack())
    return wire


# --8<-- [end:truncate]


class _UDPHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        if (reply := self.server.resolver.respond(data, over_tcp=False)) is not None:
            sock.sendto(reply, self.client_address)


# --8<-- [start:tcp]
class _TCPHandler(socketserver.BaseRequestHandler):
    """Messages on a TCP connection, each after its two-byte length, until the asker closes."""

    def handle(self) -> None:
        self.request.settimeout(TCP_IDLE)  # an idle client must not hold a thread forever
        stream = self.request.makefile("rb")
        try:
            while len(prefix := stream.read(2)) == 2:
                data = stream.read(int.from_bytes(prefix, "big"))
                if len(data) < int.from_bytes(prefix, "big"):
                    return  # closed mid-message
                if (reply := self.server.resolver.respond(data, over_tcp=True)) is not None:
                    self.request.sendall(len(reply).to_bytes(2, "big") + reply)
        except (TimeoutError, ConnectionError):
            return  # idle too long, or the asker went away: close
        finally:
            stream.close()


# --8<-- [end:tcp]


class _TCPServer(socketserver.ThreadingTCPServer):
    block_on_close = True  # server_close() waits for the connection threads
    daemon_threads = False

    def __init__(self, address: tuple[str, int], resolver: ZoneResolver):
        self.resolver = resolver
        self.connections: set[socket.socket] = set()
        super().__init__(address, _TCPHandler)

    def process_request_thread(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        self.connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.discard(request)


class ZoneServer:
    """One zone served over UDP and TCP on the same port of 127.0.0.1, chosen by the OS.

    port=53 is for tests in a private network namespace only, where a real resolver follows glue there.
    """

    def __init__(self, zone: Zone, port: int = 0):
        self.zone = zone
        self.port = port
        self.resolver = ZoneResolver(zone)
        self._udp: socketserver.UDPServer | None = None
        self._tcp: _TCPServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def address(self) -> tuple[str, int]:
        if self._udp is None:
            raise RuntimeError("server is not started")
        host, port = self._udp.server_address
        return host, port

    def start(self) -> ZoneServer:
        if self._udp is not None:
            raise RuntimeError("server is already started")
        for _ in range(20 if self.port == 0 else 1):  # the OS picks a free UDP port; its TCP twin may be taken
            udp = socketserver.UDPServer((LOOPBACK, self.port), _UDPHandler)
            try:
                tcp = _TCPServer((LOOPBACK, udp.server_address[1]), self.resolver)
            except OSError:
                udp.server_close()
                continue
            break
        else:
            raise OSError(f"no port free for both UDP and TCP for {self.zone.origin}")
        udp.resolver = self.resolver
        self._udp, self._tcp = udp, tcp
        for name, server in (("udp", udp), ("tcp", tcp)):
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"dns-{name}-{self.zone.origin}"
            )
            thread.start()
            self._threads.append(thread)
        return self

    def close(self) -> None:
        if self._udp is None or self._tcp is None:
            return
        for server in (self._udp, self._tcp):
            server.shutdown()  # waits for serve_forever to return
        for conn in list(self._tcp.connections):
            with contextlib.suppress(OSError):  # it may have closed meanwhile
                conn.shutdown(socket.SHUT_RDWR)  # wake connection threads waiting for a query
        for server in (self._udp, self._tcp):
            server.server_close()  # the TCP server joins its connection threads here
        for thread in self._threads:
            thread.join()
        self._udp = self._tcp = None
        self._threads = []

    def __enter__(self) -> ZoneServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class DNSHierarchy:
    """Root, TLD and authoritative servers, and the NS-name table that joins them."""

    def __init__(self, zones: tuple[Zone, ...] = (ROOT, TLD, EXAMPLE)):
        self.servers = {zone.origin: ZoneServer(zone) for zone in zones}

    @property
    def root(self) -> tuple[str, int]:
        return self.servers["."].address

    @property
    def nameservers(self) -> dict[str, tuple[str, int]]:
        return {server.zone.nameserver: server.address for server in self.servers.values() if server.zone.nameserver}

    def queries(self) -> dict[str, list[str]]:
        """What each server was asked: which servers a resolution really visited."""
        return {origin: list(server.resolver.queries) for origin, server in self.servers.items()}

    def start(self) -> DNSHierarchy:
        try:
            for server in self.servers.values():
                server.start()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        for server in self.servers.values():
            server.close()

    def __enter__(self) -> DNSHierarchy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
