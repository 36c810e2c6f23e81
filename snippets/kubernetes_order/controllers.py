"""The Deployment and ReplicaSet controllers, each a loop over watch events.

Builds on api_server.py: a controller never calls another component, it only
watches the API server and writes desired state back to it. The Deployment
controller owns ReplicaSets; the ReplicaSet controller owns Pods.

Simplified on purpose: no informer cache (controllers list through the API),
no rollouts (a changed template gets a new ReplicaSet, but the old one is not
scaled down), no status fields on Deployments and ReplicaSets, and no garbage
collector (deleting a Deployment leaves its ReplicaSet). Names and uids are
derived from counters and hashes, so every run names things the same way.

Shown on docs/*/kubernetes-order.md, run by notebooks/kubernetes_order_*.ipynb,
tested by tests/kubernetes_order/.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid

from snippets.kubernetes_order.api_server import AlreadyExists, APIServer, NotFound, WatchEvent

ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the real name generator avoids vowels and look-alikes


def encode(text: str, length: int) -> str:
    number = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
    return "".join(ALPHABET[(number >> (5 * i)) % len(ALPHABET)] for i in range(length))


def pod_template_hash(template: dict) -> str:
    """Same template, same hash: that is how a Deployment finds its ReplicaSet again."""
    return encode(json.dumps(template, sort_keys=True), 10)


def owner_reference(owner: dict) -> dict:
    meta = owner["metadata"]
    return {
        "apiVersion": "apps/v1",
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
    }


def controlled_by(obj: dict, owner: dict) -> bool:
    return any(ref["uid"] == owner["metadata"]["uid"] for ref in obj["metadata"]["ownerReferences"])


class DeploymentController:
    name = "deployment controller"
    watches = ("Deployment",)

    def __init__(self, api: APIServer):
        self.api = api

    def handle(self, event: WatchEvent) -> None:
        if event.type != "DELETED":
            self.reconcile(event.object)

    # --8<-- [start:reconcile-deployment]
    def reconcile(self, deployment: dict) -> None:
        """Make sure one ReplicaSet runs this template with the Deployment's replica count."""
        spec = deployment["spec"]
        template_hash = pod_template_hash(spec["template"])
        rs_name = f"{deployment['metadata']['name']}-{template_hash}"
        mine = [rs for rs in self.api.list("ReplicaSet") if controlled_by(rs, deployment)]
        current = next((rs for rs in mine if rs["metadata"]["name"] == rs_name), None)
        if current is None:
            template = copy.deepcopy(spec["template"])
            template["metadata"]["labels"]["pod-template-hash"] = template_hash
            self.api.create(
                {
                    "kind": "ReplicaSet",
                    "metadata": {
                        "name": rs_name,
                        "namespace": deployment["metadata"]["namespace"],
                        "labels": dict(template["metadata"]["labels"]),
                        "ownerReferences": [owner_reference(deployment)],
                    },
                    "spec": {
                        "replicas": spec["replicas"],
                        "template": template,
                        "selector": {"matchLabels": dict(template["metadata"]["labels"])},
                    },
                },
                by=self.name,
            )
        elif current["spec"]["replicas"] != spec["replicas"]:
            current["spec"]["replicas"] = spec["replicas"]
            self.api.update(current, by=self.name, action=f"scale to {spec['replicas']}")

    # --8<-- [end:reconcile-deployment]


def deletion_rank(pod: dict) -> tuple:
    """Unscheduled before scheduled, not running before running, newer before older.

    A subset of the real order: the ReplicaSet controller also prefers pods on nodes that run more
    replicas of the set, and honours pod-deletion-cost, before it looks at age (kubernetes.io
    ReplicaSet page, "Scaling a ReplicaSet"), so the page shows scale-up, not scale-down."""
    return (
        bool(pod["spec"].get("nodeName")),
        pod["status"].get("phase") == "Running",
        -uuid.UUID(pod["metadata"]["uid"]).int,
    )


class ReplicaSetController:
    name = "replicaset controller"
    watches = ("ReplicaSet", "Pod")

    def __init__(self, api: APIServer):
        self.api = api
        self._generated = 0

    def handle(self, event: WatchEvent) -> None:
        obj = event.object
        if obj["kind"] == "ReplicaSet" and event.type != "DELETED":
            self.reconcile(obj)
        elif obj["kind"] == "Pod" and event.type == "DELETED":  # a pod is gone: maybe replace it
            for ref in obj["metadata"]["ownerReferences"]:
                try:
                    self.reconcile(self.api.get("ReplicaSet", ref["name"], obj["metadata"]["namespace"]))
                except NotFound:
                    pass

    # --8<-- [start:reconcile-replicaset]
    def reconcile(self, rs: dict) -> None:
        """Create or delete Pods until as many exist as spec.replicas asks for."""
        pods = [p for p in self.api.list("Pod") if controlled_by(p, rs)]
        missing = rs["spec"]["replicas"] - len(pods)
        for _ in range(missing):
            self.create_pod(rs)
        for pod in sorted(pods, key=deletion_rank)[: max(0, -missing)]:
            self.api.delete("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"], by=self.name)

    # --8<-- [end:reconcile-replicaset]

    def create_pod(self, rs: dict) -> dict:
        template, rs_name = rs["spec"]["template"], rs["metadata"]["name"]
        while True:
            self._generated += 1
            name = f"{rs_name}-{encode(f'{rs_name}/{self._generated}', 5)}"
            try:
                return self.api.create(
                    {
                        "kind": "Pod",
                        "metadata": {
                            "name": name,
                            "namespace": rs["metadata"]["namespace"],
                            "labels": dict(template["metadata"]["labels"]),
                            "ownerReferences": [owner_reference(rs)],
                        },
                        "spec": copy.deepcopy(template["spec"]),
                        "status": {"phase": "Pending"},
                    },
                    by=self.name,
                )
            except AlreadyExists:  # a generated name can collide; try the next one
                continue
