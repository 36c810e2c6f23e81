"""How a Pod finds a Service by name: its stub resolver, the search list and ndots:5, and the cluster's
DNS server, on real DNS servers on 127.0.0.1.

A Pod in namespace `default` gets this /etc/resolv.conf from the kubelet (DNS for Services and Pods,
kubernetes.io), pointing at the cluster DNS Service (CoreDNS):

    search default.svc.cluster.local svc.cluster.local cluster.local
    options ndots:5

resolv.conf(5): a name with fewer than `ndots` dots is tried with each search domain appended first, and
as it is last; a name with at least that many dots, or ending in a dot, is tried as it is first.

CoreDNS plays two parts here, as a typical Corefile sets it up: its `kubernetes` plugin answers for
`cluster.local.` from the cluster's Services (a ClusterIP for a normal Service, the ready Pods' IPs for a
headless one, TTL 5 s by default), and `forward .` sends every other name upstream. `ClusterDNS` is two
real servers from the DNS page (snippets/dns/dns_servers.py): the `cluster.local.` zone below, and the
`example.test.` zone as the upstream. The addresses inside the answers are labels; only the DNS servers
are dialled, on 127.0.0.1.

Shown on docs/*/kube-proxy.md, run by notebooks/kube_proxy_dns.ipynb, tested by tests/kube_proxy/.
"""

from __future__ import annotations

from dataclasses import dataclass

from snippets.dns.dns_servers import EXAMPLE, Zone, ZoneServer
from snippets.dns.resolver import ask

# --8<-- [start:zone]
CLUSTER = Zone(
    "cluster.local.",
    None,
    """
cluster.local.                 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5
cluster.local.                 5 IN NS  ns.dns.cluster.local.
ns.dns.cluster.local.          5 IN A   127.0.0.1
web.default.svc.cluster.local. 5 IN A   10.96.0.20
db.default.svc.cluster.local.  5 IN A   10.244.1.5
db.default.svc.cluster.local.  5 IN A   10.244.2.7
""",
)
# web: a normal Service, one ClusterIP. db: headless (clusterIP: None), one A record per ready Pod.
# --8<-- [end:zone]

SEARCH = ("default.svc.cluster.local", "svc.cluster.local", "cluster.local")
NDOTS = 5


@dataclass(frozen=True)
class Try:
    name: str
    rcode: str
    addresses: tuple[str, ...]


# --8<-- [start:stub]
def candidates(name: str, search: tuple[str, ...] = SEARCH, ndots: int = NDOTS) -> list[str]:
    """The names a stub resolver asks for, in order (resolv.conf(5): search, ndots)."""
    if name.endswith("."):
        return [name]  # absolute: no search list
    with_search = [f"{name}.{domain}." for domain in search]
    if name.count(".") >= ndots:
        return [f"{name}.", *with_search]
    return [*with_search, f"{name}."]


class ClusterDNS:
    """The cluster DNS Service: `kubernetes cluster.local` answers the cluster's names, `forward .` the rest."""

    def __init__(self) -> None:
        self.cluster, self.upstream = ZoneServer(CLUSTER), ZoneServer(EXAMPLE)

    def lookup(self, name: str) -> list[Try]:
        """Ask for each candidate until one has addresses, as the Pod's stub resolver does."""
        tries = []
        for candidate in candidates(name):
            server = self.cluster if candidate.endswith(".cluster.local.") else self.upstream
            reply = ask(server.address, candidate, "A", ident=len(tries) + 1)
            addresses = tuple(r.data for r in reply.answers if r.type == "A")
            tries.append(Try(candidate, reply.rcode, addresses))
            if addresses:
                break
        return tries

    # --8<-- [end:stub]

    def start(self) -> ClusterDNS:
        self.cluster.start()
        try:
            self.upstream.start()
        except BaseException:
            self.cluster.close()
            raise
        return self

    def close(self) -> None:
        self.upstream.close()
        self.cluster.close()

    def __enter__(self) -> ClusterDNS:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


SEQUENCE_WORDS = {
    "ko": {
        "pod": "파드(스텁 리졸버)",
        "cluster": "클러스터 DNS(cluster.local.)",
        "upstream": "상위 DNS",
        "answer": "답:",
    },
    "en": {
        "pod": "Pod (stub resolver)",
        "cluster": "cluster DNS (cluster.local.)",
        "upstream": "upstream DNS",
        "answer": "answer:",
    },
}


def sequence(tries: list[Try], lang: str) -> str:
    """The queries of one lookup as a Mermaid sequence diagram, in the order asked: which server got each
    candidate name and what it said."""
    words = SEQUENCE_WORDS[lang]
    lines = [
        "sequenceDiagram",
        f"    participant P as {words['pod']}",
        f"    participant C as {words['cluster']}",
        f"    participant U as {words['upstream']}",
    ]
    for t in tries:
        server = "C" if t.name.endswith(".cluster.local.") else "U"
        lines.append(f"    P->>{server}: {t.name} A?")
        said = f"{words['answer']} {' '.join(t.addresses)}" if t.addresses else t.rcode
        lines.append(f"    {server}-->>P: {said}")
    return "\n".join(lines)


def show(name: str, tries: list[Try]) -> str:
    width = max(len(t.name) for t in tries)
    lines = [f"{name}  ({len(tries)} {'query' if len(tries) == 1 else 'queries'})"]
    lines += [f"  {t.name:<{width}}  {t.rcode:<8}  {' '.join(t.addresses)}".rstrip() for t in tries]
    return "\n".join(lines)
