"""A toy kube-scheduler: filter the nodes, score the rest, bind the pod to the best.

Builds on api_server.py and runs after controllers.py has created Pods: the
scheduler only sees Pods with no spec.nodeName, and its one write that matters
is the Binding that sets it. A pod that fits nowhere stays Pending with a
PodScheduled=False condition whose message reads like the real one.

Simplified on purpose: two filters (node Ready, CPU/memory requests fit) and one
score (LeastAllocated, cpu and memory weighted 1:1, as NodeResourcesFit's default);
no queue priorities, backoff, preemption, affinity or taints other than not-ready.
Equal scores go to the first node by name, where the real scheduler picks one at random.

Shown on docs/*/kubernetes-order.md, run by notebooks/kubernetes_order_*.ipynb,
tested by tests/kubernetes_order/.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from snippets.kubernetes_order.api_server import APIServer, Conflict, NotFound, WatchEvent

UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6, "G": 10**9}
DEFAULT_REQUESTS = {"cpu": 100, "memory": 200 * 2**20}  # what scoring assumes for a pod without requests
NOT_READY = "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"


def quantity(resource: str, value: str | int) -> int:
    """'500m' cpu -> 500 millicores; '128Mi' memory -> bytes."""
    text = str(value)
    if resource == "cpu":
        return int(text[:-1]) if text.endswith("m") else round(float(text) * 1000)
    for suffix, factor in UNITS.items():
        if text.endswith(suffix):
            return int(text[: -len(suffix)]) * factor
    return int(text)


def requests(pod: dict, nonzero: bool = False) -> dict[str, int]:
    total = {"cpu": 0, "memory": 0}
    for container in pod["spec"]["containers"]:
        asked = container.get("resources", {}).get("requests", {})
        for resource in total:
            if resource in asked:
                total[resource] += quantity(resource, asked[resource])
            elif nonzero:
                total[resource] += DEFAULT_REQUESTS[resource]
    return total


@dataclass(frozen=True)
class Decision:
    pod: str
    node: str | None
    scores: dict[str, int] = field(default_factory=dict)  # feasible nodes only
    filtered: dict[str, list[str]] = field(default_factory=dict)  # node -> why it was left out
    message: str = ""


# --8<-- [start:filter-score]
def decide(pod: dict, nodes: list[dict], pods: list[dict]) -> Decision:
    """Filtering keeps the feasible nodes; scoring ranks them; the best one wins."""
    filtered: dict[str, list[str]] = {}
    scores = {}
    want, want_nonzero = requests(pod), requests(pod, nonzero=True)
    for node in sorted(nodes, key=lambda n: n["metadata"]["name"]):
        name = node["metadata"]["name"]
        if not any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"]):
            filtered[name] = [NOT_READY]
            continue
        on_node = [p for p in pods if p["spec"].get("nodeName") == name]
        allocatable = {r: quantity(r, node["status"]["allocatable"][r]) for r in want}
        used = {r: sum(requests(p)[r] for p in on_node) for r in want}
        short = [r for r in want if used[r] + want[r] > allocatable[r]]
        if short:
            filtered[name] = [f"Insufficient {r}" for r in short]
            continue
        after = {r: sum(requests(p, nonzero=True)[r] for p in on_node) + want_nonzero[r] for r in want}
        free = [max(0, allocatable[r] - after[r]) * 100 // allocatable[r] for r in want]
        scores[name] = sum(free) // len(free)  # LeastAllocated: more room left, higher score
    if not scores:
        counts = Counter(reason for reasons in filtered.values() for reason in reasons)
        detail = ", ".join(sorted(f"{count} {reason}" for reason, count in counts.items()))
        return Decision(pod["metadata"]["name"], None, {}, filtered, f"0/{len(nodes)} nodes are available: {detail}.")
    best = min(scores, key=lambda n: (-scores[n], n))  # highest score; ties: first by name
    return Decision(pod["metadata"]["name"], best, scores, filtered)


# --8<-- [end:filter-score]


class Scheduler:
    name = "scheduler"
    watches = ("Pod", "Node")

    def __init__(self, api: APIServer):
        self.api = api
        self.decisions: list[Decision] = []

    def handle(self, event: WatchEvent) -> None:
        obj = event.object
        if obj["kind"] == "Pod" and event.type == "ADDED" and not obj["spec"].get("nodeName"):
            self.schedule(obj["metadata"]["name"], obj["metadata"]["namespace"])
        elif event.type != "MODIFIED" or obj["kind"] == "Node":  # room may have appeared: retry
            pending = [p for p in self.api.list("Pod") if not p["spec"].get("nodeName")]
            for pod in sorted(pending, key=lambda p: uuid.UUID(p["metadata"]["uid"]).int):
                self.schedule(pod["metadata"]["name"], pod["metadata"]["namespace"])

    # --8<-- [start:bind]
    def schedule(self, name: str, namespace: str) -> None:
        try:
            pod = self.api.get("Pod", name, namespace)  # the event may be stale
        except NotFound:
            return
        if pod["spec"].get("nodeName"):
            return
        decision = decide(pod, self.api.list("Node"), self.api.list("Pod"))
        self.decisions.append(decision)
        if decision.node is not None:
            try:
                self.api.bind(name, decision.node, namespace, by=self.name)
            except Conflict:
                pass
            return
        condition = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": decision.message}
        if pod["status"].get("conditions") != [condition]:  # write only what changed
            pod["status"]["conditions"] = [condition]
            self.api.update(pod, by=self.name, action="status Unschedulable")

    # --8<-- [end:bind]
