"""A toy kubelet, one per node: register the node, run the pods bound to it.

Builds on api_server.py and acts last: only after the scheduler has set a Pod's
spec.nodeName does this node's kubelet see it as its own. It starts the pod
through a container runtime interface named like CRI's RPCs, then reports the
pod's status to the API server. It never talks to the scheduler or controllers.

Simplified on purpose: no images to pull, no probes (a started container is
ready at once), no restarts, no node heartbeats (leases), and deletion is
immediate, where the real kubelet first stops containers and then confirms
a graceful delete.

Shown on docs/*/kubernetes-order.md, run by notebooks/kubernetes_order_*.ipynb,
tested by tests/kubernetes_order/.
"""

from __future__ import annotations

from dataclasses import dataclass

from snippets.kubernetes_order.api_server import APIServer, NotFound, Trace, WatchEvent, label


@dataclass(frozen=True)
class NodeSpec:
    name: str
    cpu: str = "2"
    memory: str = "4Gi"
    ready: bool = True


# --8<-- [start:runtime]
class FakeRuntime:
    """Stands in for containerd or CRI-O; method names follow the CRI RuntimeService."""

    def __init__(self, node: str):
        self.node = node
        self.sandboxes: dict[str, str] = {}  # sandbox id -> pod uid
        self.containers: dict[str, dict] = {}  # container id -> {sandbox, image, state}
        self._ids = 0

    def run_pod_sandbox(self, pod_uid: str) -> str:
        self._ids += 1
        sandbox_id = f"{self.node}-sandbox-{self._ids}"
        self.sandboxes[sandbox_id] = pod_uid
        return sandbox_id

    def create_container(self, sandbox_id: str, image: str) -> str:
        self._ids += 1
        container_id = f"{self.node}-container-{self._ids}"
        self.containers[container_id] = {"sandbox": sandbox_id, "image": image, "state": "CREATED"}
        return container_id

    def start_container(self, container_id: str) -> None:
        self.containers[container_id]["state"] = "RUNNING"

    def stop_pod_sandbox(self, sandbox_id: str) -> None:
        for container in self.containers.values():
            if container["sandbox"] == sandbox_id:
                container["state"] = "EXITED"

    def remove_pod_sandbox(self, sandbox_id: str) -> None:
        del self.sandboxes[sandbox_id]
        self.containers = {k: c for k, c in self.containers.items() if c["sandbox"] != sandbox_id}

    def running(self) -> list[str]:
        return sorted(c["image"] for c in self.containers.values() if c["state"] == "RUNNING")


# --8<-- [end:runtime]


class Kubelet:
    watches = ("Pod",)

    def __init__(self, api: APIServer, spec: NodeSpec, trace: Trace):
        self.api, self.spec, self.trace = api, spec, trace
        self.name = f"kubelet {spec.name}"
        self.runtime = FakeRuntime(spec.name)
        self.sandboxes: dict[str, str] = {}  # pod uid -> sandbox id

    def register(self) -> None:
        """A kubelet creates its own Node object: that is how a node joins."""
        resources = {"cpu": self.spec.cpu, "memory": self.spec.memory}
        ready = {
            "type": "Ready",
            "status": "True" if self.spec.ready else "False",
            "reason": "KubeletReady" if self.spec.ready else "KubeletNotReady",
        }
        self.api.create(
            {
                "kind": "Node",
                "metadata": {"name": self.spec.name},
                "status": {"capacity": resources, "allocatable": dict(resources), "conditions": [ready]},
            },
            by=self.name,
        )

    def cri(self, call: str, pod: dict, method, *args):
        self.trace.add(self.name, f"runtime {self.spec.name}", call, label(pod))
        return method(*args)

    def handle(self, event: WatchEvent) -> None:
        pod = event.object
        if pod["spec"].get("nodeName") != self.spec.name:
            return  # not bound here (yet): another kubelet's, or the scheduler's turn
        if event.type == "DELETED":
            self.stop(pod)
        elif pod["metadata"]["uid"] not in self.sandboxes:
            self.sync(pod)

    # --8<-- [start:kubelet-sync]
    def sync(self, pod: dict) -> None:
        """Start the pod through the runtime, then report what is running."""
        uid = pod["metadata"]["uid"]
        sandbox = self.cri("RunPodSandbox", pod, self.runtime.run_pod_sandbox, uid)
        self.sandboxes[uid] = sandbox
        for container in pod["spec"]["containers"]:
            cid = self.cri("CreateContainer", pod, self.runtime.create_container, sandbox, container["image"])
            self.cri("StartContainer", pod, self.runtime.start_container, cid)
        try:
            latest = self.api.get("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
        except NotFound:
            return self.stop(pod)
        latest["status"] = {
            "phase": "Running",
            "conditions": [
                {"type": t, "status": "True"} for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")
            ],
            "containerStatuses": [
                {"name": c["name"], "image": c["image"], "ready": True, "state": {"running": {}}}
                for c in pod["spec"]["containers"]
            ],
        }
        self.api.update(latest, by=self.name, action="status Running")

    # --8<-- [end:kubelet-sync]

    def stop(self, pod: dict) -> None:
        sandbox = self.sandboxes.pop(pod["metadata"]["uid"], None)
        if sandbox is not None:
            self.cri("StopPodSandbox", pod, self.runtime.stop_pod_sandbox, sandbox)
            self.cri("RemovePodSandbox", pod, self.runtime.remove_pod_sandbox, sandbox)
