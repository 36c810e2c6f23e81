"""Three real DNS servers on loopback: the root, the `test.` TLD, and `example.test.`.

dnslib decodes and encodes the messages; the zone logic here decides what
each server says. A server answers for names in its own zone, and for names
below a delegation it answers with a referral: the child's NS records plus
"glue" A records so the resolver can reach the child's server.

The one place this demo differs from the internet: there every DNS server
listens on port 53, so the glue's IP address is all a resolver needs. Here
every server is 127.0.0.1 on a port the OS picked, and glue can only carry
an IP. So `DNSHierarchy.nameservers` is a strict table from the NS *name*
in a referral to the loopback (host, port) of the next server; a name that
is not in it is an error, never a lookup.

Builds on dns_wire.py. Shown on docs/*/website.md, run by
notebooks/website_dns_resolve.ipynb, tested by tests/website/.
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass

from dnslib import QTYPE, RCODE, RR, DNSLabel, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

LOOPBACK = "127.0.0.1"


# --8<-- [start:zones]
@dataclass(frozen=True)
class Zone:
    origin: str
    nameserver: str | None  # the NS name a parent's referral points at
    records: str  # zone-file lines


ROOT = Zone(
    ".",
    None,
    """
test.                  172800 IN NS  ns1.test.
ns1.test.              172800 IN A   127.0.0.1
""",
)

TLD = Zone(
    "test.",
    "ns1.test.",
    """
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
""",
)
# --8<-- [end:zones]


def _labels(name: DNSLabel | str) -> tuple[bytes, ...]:
    return tuple(label.lower() for label in DNSLabel(name).label)


def _is_under(name: DNSLabel, zone: DNSLabel) -> bool:
    suffix = _labels(zone)
    return _labels(name)[len(_labels(name)) - len(suffix) :] == suffix


# --8<-- [start:answer]
class ZoneResolver(BaseResolver):
    """Answer from one zone: records, a referral below a cut, or NXDOMAIN."""

    def __init__(self, zone: Zone):
        self.origin = DNSLabel(zone.origin)
        self.records = RR.fromZone(zone.records)
        self.queries: list[str] = []  # what this server was asked, in order

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord:
        qname, qtype = request.q.qname, request.q.qtype
        self.queries.append(f"{qname} {QTYPE[qtype]}")
        reply = request.reply(ra=0, aa=1)  # authoritative, never recursive
        if not _is_under(qname, self.origin):
            reply.header.rcode, reply.header.aa = RCODE.REFUSED, 0
            return reply
        cuts = [
            rr
            for rr in self.records
            if rr.rtype == QTYPE.NS and _labels(rr.rname) != _labels(self.origin) and _is_under(qname, rr.rname)
        ]
        if cuts:  # below a delegation: not ours to answer
            reply.header.aa = 0
            reply.add_auth(*cuts)
            glue = {_labels(rr.rdata.label) for rr in cuts}
            reply.add_ar(*[rr for rr in self.records if rr.rtype == QTYPE.A and _labels(rr.rname) in glue])
            return reply
        named = [rr for rr in self.records if _labels(rr.rname) == _labels(qname)]
        reply.add_answer(*[rr for rr in named if rr.rtype == qtype])
        if not named:
            reply.header.rcode = RCODE.NXDOMAIN
        if not reply.rr:  # the SOA tells how long the "no" may be cached
            reply.add_auth(*[rr for rr in self.records if rr.rtype == QTYPE.SOA])
        return reply


# --8<-- [end:answer]


class ZoneServer:
    """A dnslib UDP server for one zone on 127.0.0.1, port chosen by the OS."""

    def __init__(self, zone: Zone):
        self.zone = zone
        self.resolver = ZoneResolver(zone)
        self._server: socketserver.UDPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError("server is not started")
        host, port = self._server.server_address
        return host, port

    def start(self) -> ZoneServer:
        if self._server is not None:
            raise RuntimeError("server is already started")
        silent = DNSLogger(logf=lambda _line: None)  # its lines carry ports and times
        # socketserver.UDPServer answers in its one thread: no handler threads to leak
        dns = DNSServer(self.resolver, address=LOOPBACK, port=0, logger=silent, server=socketserver.UDPServer)
        self._server = dns.server
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"dns-{self.zone.origin}"
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()  # waits for serve_forever to return
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

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
