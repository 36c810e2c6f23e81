"""A whole toy cluster in one process, driven step by step so the order is visible.

Wires api_server.py, controllers.py, scheduler.py and kubelet.py together. There
are no threads: run_until_settled() visits the components in a fixed order, each
drains its watch streams, and rounds repeat until no one has anything left to
react to. Real components run concurrently, so their lines can interleave
differently; the causal order (each acts only on what it watched) is the same.

Shown on docs/*/kubernetes-order.md, run by notebooks/kubernetes_order_*.ipynb,
tested by tests/kubernetes_order/.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from snippets.kubernetes_order.api_server import APIServer, Event, Trace, label
from snippets.kubernetes_order.controllers import DeploymentController, ReplicaSetController
from snippets.kubernetes_order.kubelet import Kubelet, NodeSpec
from snippets.kubernetes_order.scheduler import Scheduler


class Cluster:
    def __init__(self, nodes: Sequence[NodeSpec] = (NodeSpec("node-1"), NodeSpec("node-2"))):
        self.trace = Trace()
        self.api = APIServer(self.trace)
        self.kubelets = [Kubelet(self.api, spec, self.trace) for spec in nodes]
        self.scheduler = Scheduler(self.api)
        self.components = [
            DeploymentController(self.api),
            ReplicaSetController(self.api),
            self.scheduler,
            *self.kubelets,
        ]
        self._streams = [(c, self.api.watch(kind)) for c in self.components for kind in c.watches]
        for kubelet in self.kubelets:
            kubelet.register()
        self.run_until_settled()

    def add_node(self, spec: NodeSpec) -> list[Event]:
        """A new kubelet registers its Node; the scheduler retries pending pods."""
        kubelet = Kubelet(self.api, spec, self.trace)
        self.kubelets.append(kubelet)
        self.components.append(kubelet)
        self._streams.append((kubelet, self.api.watch("Pod", self.api.latest_resource_version())))
        start = len(self.trace)
        kubelet.register()
        self.run_until_settled()
        return self.trace[start:]

    # --8<-- [start:loop]
    def run_until_settled(self, max_rounds: int = 50) -> list[Event]:
        """Let each component handle what it watched, round after round, until all is quiet."""
        start = len(self.trace)
        for _ in range(max_rounds):
            quiet = True
            for component, stream in self._streams:
                for event in stream.poll():
                    quiet = False
                    self.trace.cause = ("kube-apiserver", component.name, f"watch {event.type}", label(event.object))
                    component.handle(event)
                    self.trace.cause = None
            if quiet:
                return self.trace[start:]
        raise RuntimeError(f"not settled after {max_rounds} rounds")

    # --8<-- [end:loop]

    # --8<-- [start:kubectl]
    def kubectl_create_deployment(
        self, name: str, image: str, replicas: int = 1, cpu: str | None = None, memory: str | None = None
    ) -> list[Event]:
        """kubectl create deployment NAME --image=IMAGE --replicas=N (cpu/memory: as in a YAML edit)."""
        start = len(self.trace)
        container = {"name": image.split(":")[0].split("/")[-1], "image": image}
        asked = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
        if asked:
            container["resources"] = {"requests": asked}
        labels = {"app": name}
        self.api.create(
            {
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": "default"},
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
                },
            }
        )
        self.run_until_settled()
        return self.trace[start:]

    def kubectl_scale(self, name: str, replicas: int) -> list[Event]:
        start = len(self.trace)
        deployment = self.api.get("Deployment", name)
        deployment["spec"]["replicas"] = replicas
        self.api.update(deployment, by="kubectl", action=f"scale to {replicas}")
        self.run_until_settled()
        return self.trace[start:]

    def kubectl_delete_pod(self, name: str) -> list[Event]:
        start = len(self.trace)
        self.api.delete("Pod", name)
        self.run_until_settled()
        return self.trace[start:]

    # --8<-- [end:kubectl]

    def pods(self) -> list[tuple[str, str, str]]:
        """(name, phase, node) for every pod, sorted: what `kubectl get pods -o wide` shows."""
        return [
            (p["metadata"]["name"], p["status"].get("phase", ""), p["spec"].get("nodeName") or "<none>")
            for p in self.api.list("Pod")
        ]


def format_trace(events: Sequence[Event]) -> str:
    rows = [(str(e.step), e.source, "->", e.target, e.action, e.object) for e in events]
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(5)]
    return "\n".join(
        f"{r[0]:>{widths[0]}}  {r[1]:<{widths[1]}} {r[2]} {r[3]:<{widths[3]}}  {r[4]:<{widths[4]}}  {r[5]}".rstrip()
        for r in rows
    )


ORDER = ["kubectl", "kube-apiserver", "etcd", "deployment controller", "replicaset controller", "scheduler"]


# --8<-- [start:mermaid]
def mermaid_sequence(events: Sequence[Event], show_store: bool = True) -> str:
    """The trace as a Mermaid sequenceDiagram; watch notifications are dashed arrows."""
    if not show_store:
        events = [e for e in events if "etcd" not in (e.source, e.target)]
    seen = {name for e in events for name in (e.source, e.target)}
    others = sorted(seen - set(ORDER), key=lambda n: (n.split()[-1], n))  # kubelet, runtime per node
    names = [n for n in ORDER if n in seen] + others
    ids = {n: re.sub(r"\W+", "_", n) for n in names}
    lines = ["sequenceDiagram"] + [f"    participant {ids[n]} as {n}" for n in names]
    for e in events:
        arrow = "-->>" if e.action.startswith("watch") else "->>"
        lines.append(f"    {ids[e.source]}{arrow}{ids[e.target]}: {e.action} {e.object}")
    return "\n".join(lines) + "\n"


# --8<-- [end:mermaid]
