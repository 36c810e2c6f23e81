"""What a node's kernel does with Service traffic, modelled: finding the Service, conntrack, session
affinity, and the client IP through a NodePort.

Nothing here opens a socket. The addresses are labels (ClusterIPs from 10.96.0.0/12, Pods from
10.244.0.0/16, clients from the documentation ranges of RFC 5737): the model compares them, never dials them.

1. Finding the Service. In iptables mode the KUBE-SERVICES chain has a rule per Service port, and the
   kernel compares a new connection with them from the top until one matches: the 1,000th Service costs
   1,000 comparisons. IPVS keeps its virtual servers in a hash table, and nftables mode matches with a
   verdict map (`ip daddr . meta l4proto . th dport vmap @service-ips`): one lookup, however many
   Services. `IptablesServices` and `HashedServices` count what each does.
2. Conntrack. Only a connection's first packet goes through the rules; the kernel writes the choice into
   its connection tracking table, and every later packet of that connection follows the entry.
3. Session affinity (`sessionAffinity: ClientIP`). iptables mode adds `-m recent` rules: a client IP that
   picked a Pod in the last `timeoutSeconds` (default 10800) goes to that Pod again.
4. `externalTrafficPolicy`. With `Cluster` (the default) a NodePort sends traffic to any ready Pod in
   the cluster and rewrites the source to the node's own address (SNAT), so the reply comes back through
   that node: the Pod never sees the client's IP. With `Local` a node sends only to its own Pods and
   keeps the client's IP; a node without one drops the traffic.

Shown on docs/*/kube-proxy.md, run by notebooks/kube_proxy_modes.ipynb, tested by tests/kube_proxy/.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from snippets.kube_proxy.iptables_model import iptables_pick, pod_names


@dataclass(frozen=True)
class Service:
    name: str
    cluster_ip: str  # a label: no host answers it
    port: int


def make_services(n: int) -> list[Service]:
    """n Services with distinct ClusterIPs in 10.96.0.0/12, as a cluster hands them out."""
    if not 1 <= n <= 65_000:
        raise ValueError("between 1 and 65,000 Services")
    return [Service(f"svc-{i}", f"10.96.{(i + 10) // 256}.{(i + 10) % 256}", 80) for i in range(n)]


# --8<-- [start:lookup]
class IptablesServices:
    """KUBE-SERVICES in iptables mode: one rule per Service port, compared from the top."""

    def __init__(self, services: list[Service]):
        self.rules = [(s.cluster_ip, s.port, s.name) for s in services]

    def find(self, ip: str, port: int) -> tuple[str, int]:
        """The Service a new connection to ip:port belongs to, and how many rules were compared."""
        for compared, (rule_ip, rule_port, name) in enumerate(self.rules, start=1):
            if (rule_ip, rule_port) == (ip, port):
                return name, compared
        raise LookupError(f"no Service at {ip}:{port}")  # the packet leaves KUBE-SERVICES unchanged


class HashedServices:
    """IPVS virtual servers, or nftables mode's verdict map: a table keyed by (ClusterIP, port)."""

    def __init__(self, services: list[Service]):
        self.table = {(s.cluster_ip, s.port): s.name for s in services}

    def find(self, ip: str, port: int) -> tuple[str, int]:
        try:
            return self.table[(ip, port)], 1  # one lookup, however many Services
        except KeyError:
            raise LookupError(f"no Service at {ip}:{port}") from None


# --8<-- [end:lookup]


@dataclass(frozen=True)
class LookupCost:
    services: int
    iptables_mean: float  # rules compared, averaged over a connection to each Service
    iptables_worst: int  # for the last Service in the chain
    hashed: int  # lookups in IPVS or nftables mode


def lookup_cost(counts: tuple[int, ...] = (10, 100, 1_000, 10_000)) -> list[LookupCost]:
    """Rules compared for one new connection to each Service in turn, as the number of Services grows."""
    rows = []
    for n in counts:
        services = make_services(n)
        chain, table = IptablesServices(services), HashedServices(services)
        compared = [chain.find(s.cluster_ip, s.port)[1] for s in services]
        hashed = {table.find(s.cluster_ip, s.port)[1] for s in services}
        rows.append(LookupCost(n, sum(compared) / n, max(compared), max(hashed)))
    return rows


def cost_table(rows: list[LookupCost]) -> str:
    lines = [f"{'Services':>8}  {'iptables: rules compared (mean / worst)':>40}  {'IPVS, nftables: lookups':>24}"]
    for r in rows:
        lines.append(f"{r.services:>8,}  {f'{r.iptables_mean:,.1f} / {r.iptables_worst:,}':>40}  {r.hashed:>24}")
    return "\n".join(lines)


# --8<-- [start:conntrack]
@dataclass
class NodeKernel:
    """One node in iptables mode, for one Service with n endpoints."""

    endpoints: list[str]
    rng: random.Random
    affinity_seconds: int | None = None  # sessionAffinity: ClientIP with this timeoutSeconds, or None
    conntrack: dict[tuple[str, int], str] = field(default_factory=dict)  # (client IP, port) -> Pod
    recent: dict[str, tuple[str, float]] = field(default_factory=dict)  # client IP -> (Pod, last seen)
    random_picks: int = 0  # new connections whose Pod the KUBE-SVC chain picked at random

    def packet(self, client_ip: str, client_port: int, now: float) -> str:
        """The Pod this packet is sent to."""
        flow = (client_ip, client_port)
        if flow in self.conntrack:  # a later packet of a known connection: no rules at all
            return self.conntrack[flow]
        pod = None
        if self.affinity_seconds is not None and client_ip in self.recent:
            last_pod, seen = self.recent[client_ip]
            if now - seen <= self.affinity_seconds and last_pod in self.endpoints:
                pod = last_pod  # -m recent --rcheck --seconds <timeoutSeconds>: the same Pod again
        if pod is None:
            self.random_picks += 1
            pod = self.endpoints[iptables_pick(len(self.endpoints), self.rng)]
        self.recent[client_ip] = (pod, now)
        self.conntrack[flow] = pod
        return pod


# --8<-- [end:conntrack]


def affinity_demo(affinity_seconds: int | None, seed: int = 6) -> list[str]:
    """Two clients, three connections each, three packets per connection; the last connection comes
    after the affinity timeout has passed."""
    kernel = NodeKernel(pod_names(3), random.Random(seed), affinity_seconds)
    lines, port = [], 40_000
    timeout = affinity_seconds or 10_800
    for client in ("198.51.100.7", "198.51.100.8"):
        for when in (0, 60, 60 + timeout + 1):
            port += 1
            pods = [kernel.packet(client, port, when + i) for i in range(3)]
            lines.append(f"{client}:{port} at {when:>6} s  " + " ".join(pods))
    lines.append(f"Pods picked at random: {kernel.random_picks} of {len(lines) * 3} packets")
    return lines


# --8<-- [start:traffic-policy]
@dataclass(frozen=True)
class Node:
    name: str
    ip: str
    pods: tuple[str, ...]  # this Service's ready Pods on this node


def nodeport(policy: str, client_ip: str, entered: Node, nodes: list[Node]) -> tuple[str, str, int]:
    """Where a connection to <entered node>:<nodePort> goes: (Pod, the source IP the Pod sees, nodes
    crossed). Pod "-" means the node dropped it."""
    if policy == "Local":
        if not entered.pods:
            return "-", "dropped: no Pod of this Service on this node", 1
        return entered.pods[0], client_ip, 1  # no SNAT: the reply goes straight back to the client
    if policy == "Cluster":
        ready = [(node, pod) for node in nodes for pod in node.pods]  # any ready Pod in the cluster
        node, pod = ready[0]  # one Pod here; with several, the KUBE-SVC chain picks one as above
        # KUBE-MARK-MASQ: the source becomes the entry node, so the reply returns through it to be un-NATed
        return pod, entered.ip, 1 if node is entered else 2
    raise ValueError(f"externalTrafficPolicy is Cluster or Local, not {policy!r}")


# --8<-- [end:traffic-policy]


def traffic_policy_demo() -> list[str]:
    nodes = [Node("node-1", "10.0.0.1", ()), Node("node-2", "10.0.0.2", ("pod-a",))]
    client = "203.0.113.7"
    lines = [f"client {client} → <node>:30080; pod-a runs on node-2 only", ""]
    lines.append(f"{'policy':8} {'entered':8} {'Pod':4} {'nodes':>5}  source IP the Pod sees")
    for policy in ("Cluster", "Local"):
        for node in nodes:
            pod, source, crossed = nodeport(policy, client, node, nodes)
            who = {client: " (the client)", "10.0.0.1": " (node-1)", "10.0.0.2": " (node-2)"}.get(source, "")
            lines.append(f"{policy:8} {node.name:8} {pod:4} {crossed:>5}  {source}{who}")
    return lines
