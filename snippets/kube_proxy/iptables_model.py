"""How iptables mode picks a Pod, simulated with a seeded random generator.

In iptables mode no process sits in the data path. For a Service with n endpoints,
kube-proxy writes a chain of n rules; rule i (from 0) jumps to endpoint i with
probability 1/(n-i), and the last rule always jumps. In kubernetes/kubernetes,
pkg/proxy/iptables/proxier.go (writeServiceToEndpointRules):

    if i < (numEndpoints - 1) {
        // Each rule is a probabilistic match.
        args = append(args, "-m", "statistic", "--mode", "random",
            "--probability", proxier.probability(numEndpoints-i))
    }
    // The final (or only if n == 1) rule is a guaranteed match.

with computeProbability(n) = fmt.Sprintf("%0.10f", 1.0/float64(n)). Each endpoint ends up
with 1/n of new connections: 1/n for the first, (1 - 1/n) * 1/(n-1) = 1/n for the second, ...

The kernel decides once per connection and never retries: a connection sent to a dead
Pod fails, until the Pod is removed from the Service's endpoints (a failing readiness
probe, or the Pod being deleted). The userspace proxy (userspace.py) dialed the Pod
itself, so it could try the next one.

Shown on docs/*/kube-proxy.md, tested by tests/kube_proxy/.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass


def pod_names(n: int) -> list[str]:
    if n < 1:
        raise ValueError("a Service needs at least one endpoint")
    return [f"pod-{chr(ord('a') + i)}" if n <= 26 else f"pod-{i}" for i in range(n)]


# --8<-- [start:iptables-chain]
def chain_probabilities(n: int) -> list[float]:
    """The --probability of each rule in a KUBE-SVC chain; the last rule matches always."""
    pod_names(n)  # validates n
    return [1 / (n - i) for i in range(n - 1)] + [1.0]


def chain_rules(chain: str, n: int) -> list[str]:
    """The rules as iptables-save prints them, endpoint chains named after the Pods."""
    rules = []
    for name, probability in zip(pod_names(n), chain_probabilities(n), strict=True):
        match = "" if probability == 1.0 else f"-m statistic --mode random --probability {probability:0.10f} "
        rules.append(f"-A {chain} {match}-j KUBE-SEP-{name.upper()}")
    return rules


def iptables_pick(n: int, rng: random.Random) -> int:
    """Walk the chain as the kernel does for a new connection: the first rule that matches wins."""
    for i, probability in enumerate(chain_probabilities(n)):
        if probability == 1.0 or rng.random() < probability:
            return i
    raise AssertionError("the last rule always matches")


# --8<-- [end:iptables-chain]


def distribution(n: int, trials: int, seed: int) -> dict[str, int]:
    """New connections per Pod after `trials` picks by the iptables chain."""
    rng, names = random.Random(seed), pod_names(n)
    counts = Counter(names[iptables_pick(n, rng)] for _ in range(trials))
    return {name: counts[name] for name in names}


@dataclass(frozen=True)
class Outcome:
    served: dict[str, int]  # connections each Pod answered
    failed: int  # connections the client saw fail


# --8<-- [start:dead-pod]
def with_dead_pod(n: int, dead: str, trials: int, seed: int) -> dict[str, Outcome]:
    """`trials` connections while Pod `dead` is down but still listed in the endpoints."""
    names = pod_names(n)
    if dead not in names:
        raise ValueError(f"{dead} is not one of {names}")
    rng = random.Random(seed)
    iptables, iptables_failed = Counter(), 0
    for _ in range(trials):
        pod = names[iptables_pick(n, rng)]
        if pod == dead:
            iptables_failed += 1  # DNAT to a dead Pod: refused or timed out, no second try
        else:
            iptables[pod] += 1
    userspace, userspace_failed, turn = Counter(), 0, 0
    for _ in range(trials):
        for _attempt in range(n):
            pod, turn = names[turn % n], turn + 1  # a refused dial uses up a turn
            if pod != dead:
                userspace[pod] += 1
                break
        else:
            userspace_failed += 1  # every Pod refused
    return {
        "iptables": Outcome({p: iptables[p] for p in names}, iptables_failed),
        "userspace": Outcome({p: userspace[p] for p in names}, userspace_failed),
    }


# --8<-- [end:dead-pod]
