"""A toy kube-apiserver: the only component that touches the store.

Every other component (controllers, scheduler, kubelets, kubectl) reads and writes
through this object, and learns about changes by watching it. Read this first;
controllers.py, scheduler.py and kubelet.py build on it, and cluster.py wires them.

Simplified on purpose: one process, no HTTP, no authentication or authorization,
no PATCH, no graceful deletion or finalizers, no watch expiry (410 Gone), and
resourceVersion is an int here where the real API returns an opaque string that
clients must not compare. What is kept: admission before persistence, one
increasing revision for every write (etcd's), optimistic concurrency on update,
and ordered ADDED/MODIFIED/DELETED watch events after a given version.

Shown on docs/*/kubernetes-order.md, run by notebooks/kubernetes_order_*.ipynb,
tested by tests/kubernetes_order/.
"""

from __future__ import annotations

import contextlib
import copy
import uuid
from dataclasses import dataclass

RESOURCES = {"Pod": "pods", "Node": "nodes", "ReplicaSet": "replicasets.apps", "Deployment": "deployments.apps"}
CLUSTER_SCOPED = {"Node"}


class APIError(Exception):
    """A refused request; `reason` is the Status reason the real API returns."""

    reason = "InternalError"


class AlreadyExists(APIError):
    reason = "AlreadyExists"


class NotFound(APIError):
    reason = "NotFound"


class Invalid(APIError):
    reason = "Invalid"


class Conflict(APIError):
    reason = "Conflict"


@dataclass(frozen=True)
class Event:
    """One line of the trace: who asked whom to do what, in order."""

    step: int
    source: str
    target: str
    action: str
    object: str


class Trace(list):
    """The recorded events; `cause` is the watch event that woke the current component."""

    cause: tuple[str, str, str, str] | None = None

    def add(self, source: str, target: str, action: str, obj: str) -> None:
        if self.cause is not None:  # shown only when the component it woke did something
            cause, self.cause = self.cause, None
            self.add(*cause)
        self.append(Event(len(self) + 1, source, target, action, obj))


@dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED, MODIFIED or DELETED
    object: dict


def label(obj: dict) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


# --8<-- [start:store]
def _open_store():
    """etcd stand-in. The data lives in this closure; only the returned functions see it.

    Python cannot hide it from code that walks __closure__; a real cluster keeps
    etcd private by letting only the API server's client certificate in.
    """
    objects: dict[tuple[str, str, str], dict] = {}
    log: list[tuple[int, str, dict]] = []  # (revision, event type, object): the watch history

    def put(obj: dict, event_type: str) -> int:
        revision = len(log) + 1  # one counter for every kind, like etcd's revision
        meta = obj["metadata"]
        key = (obj["kind"], meta["namespace"], meta["name"])
        meta["resourceVersion"] = revision  # a DELETED event carries the deletion's revision too
        if event_type == "DELETED":
            del objects[key]
        else:
            objects[key] = copy.deepcopy(obj)
        log.append((revision, event_type, copy.deepcopy(obj)))
        return revision

    def get(kind: str, namespace: str, name: str) -> dict | None:
        return copy.deepcopy(objects.get((kind, namespace, name)))  # callers get copies

    def scan(kind: str) -> list[dict]:
        return [copy.deepcopy(o) for (k, _, _), o in sorted(objects.items()) if k == kind]

    def since(kind: str, revision: int) -> list[tuple[int, str, dict]]:
        return [(r, t, copy.deepcopy(o)) for r, t, o in log[revision:] if o["kind"] == kind]

    def head() -> int:
        return len(log)

    return put, get, scan, since, head


# --8<-- [end:store]


# --8<-- [start:admission]
def admit(obj: dict) -> None:
    """Validate before anything is stored, as the API server's validation and admission do."""
    kind, name = obj.get("kind"), obj.get("metadata", {}).get("name")
    if kind not in RESOURCES:
        raise Invalid(f"no kind {kind!r} is registered")
    if not name:
        raise Invalid(f"{RESOURCES[kind]}: metadata.name: Required value")
    spec = obj.get("spec", {})
    if kind in ("Deployment", "ReplicaSet"):
        replicas = spec.get("replicas", 1)
        if not isinstance(replicas, int) or replicas < 0:
            raise Invalid(
                f'{RESOURCES[kind]} "{name}" is invalid: spec.replicas: '
                f"Invalid value: {replicas}: must be greater than or equal to 0"
            )
        spec = spec.get("template", {}).get("spec", {})
    if kind != "Node" and not spec.get("containers"):
        raise Invalid(f'{RESOURCES[kind]} "{name}" is invalid: spec.containers: Required value')


# --8<-- [end:admission]


class WatchStream:
    """Events of one kind after a revision; the watcher polls, nothing is pushed."""

    def __init__(self, since, kind: str, revision: int):
        self._since, self.kind, self.revision = since, kind, revision

    def poll(self) -> list[WatchEvent]:
        events = self._since(self.kind, self.revision)
        if events:
            self.revision = events[-1][0]
        return [WatchEvent(t, o) for _, t, o in events]


class APIServer:
    """create/get/list/update/delete/watch over a store no one else can reach."""

    def __init__(self, trace: Trace | None = None):
        self.trace = trace if trace is not None else Trace()
        self._put, self._get, self._scan, self._since, self._head = _open_store()
        self._uids = 0

    def _record(self, by: str, action: str, obj: dict) -> None:
        self.trace.add(by, "kube-apiserver", action, label(obj))

    @contextlib.contextmanager
    def _refusals(self, by: str, obj: dict):
        try:
            yield
        except APIError as exc:
            self.trace.add("kube-apiserver", by, f"refused: {exc.reason}", label(obj))
            raise

    def _persist(self, obj: dict, event_type: str) -> int:
        revision = self._put(obj, event_type)
        verb = "delete" if event_type == "DELETED" else "put"
        self.trace.add("kube-apiserver", "etcd", f"{verb} rv={revision}", label(obj))
        return revision

    def _existing(self, kind: str, name: str, namespace: str) -> dict:
        found = self._get(kind, "" if kind in CLUSTER_SCOPED else namespace, name)
        if found is None:
            raise NotFound(f'{RESOURCES.get(kind, kind)} "{name}" not found')
        return found

    # --8<-- [start:write]
    def create(self, obj: dict, by: str = "kubectl") -> dict:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        self._record(by, "create", obj)
        with self._refusals(by, obj):
            admit(obj)
            meta["namespace"] = "" if obj["kind"] in CLUSTER_SCOPED else meta.get("namespace", "default")
            if self._get(obj["kind"], meta["namespace"], meta["name"]) is not None:
                raise AlreadyExists(f'{RESOURCES[obj["kind"]]} "{meta["name"]}" already exists')
        self._uids += 1
        meta["uid"] = str(uuid.UUID(int=self._uids))  # real uids are random; these repeat run to run
        meta.setdefault("ownerReferences", [])
        obj.setdefault("spec", {})
        obj.setdefault("status", {})
        self._persist(obj, "ADDED")
        return copy.deepcopy(obj)

    def update(self, obj: dict, by: str, action: str = "update") -> dict:
        obj = copy.deepcopy(obj)
        meta = obj["metadata"]
        self._record(by, action, obj)
        with self._refusals(by, obj):
            admit(obj)
            current = self._existing(obj["kind"], meta["name"], meta["namespace"])
            if meta.get("resourceVersion") != current["metadata"]["resourceVersion"]:
                raise Conflict(
                    f'Operation cannot be fulfilled on {RESOURCES[obj["kind"]]} "{meta["name"]}": '
                    "the object has been modified; please apply your changes to the latest version and try again"
                )
        self._persist(obj, "MODIFIED")
        return copy.deepcopy(obj)

    def delete(self, kind: str, name: str, namespace: str = "default", by: str = "kubectl") -> None:
        obj = self._existing(kind, name, namespace)
        self._record(by, "delete", obj)
        self._persist(obj, "DELETED")

    # --8<-- [end:write]

    # --8<-- [start:bind]
    def bind(self, pod_name: str, node_name: str, namespace: str = "default", by: str = "scheduler") -> dict:
        """POST pods/<name>/binding: the only way spec.nodeName gets set."""
        pod = self._existing("Pod", pod_name, namespace)
        if pod["spec"].get("nodeName"):
            raise Conflict(f'pod {pod_name} is already assigned to node "{pod["spec"]["nodeName"]}"')
        self._existing("Node", node_name, "")
        pod["spec"]["nodeName"] = node_name
        return self.update(pod, by, action=f"bind to {node_name}")

    # --8<-- [end:bind]

    def get(self, kind: str, name: str, namespace: str = "default") -> dict:
        return self._existing(kind, name, namespace)

    def list(self, kind: str) -> list[dict]:
        return self._scan(kind)

    def latest_resource_version(self) -> int:
        """Where a watch should start to see only what happens from now on."""
        return self._head()

    # --8<-- [start:watch]
    def watch(self, kind: str, since_resource_version: int = 0) -> WatchStream:
        """Every change to `kind` with a resourceVersion greater than the one given, in order."""
        if kind not in RESOURCES:
            raise NotFound(f"the server could not find the requested resource {kind!r}")
        return WatchStream(self._since, kind, since_resource_version)

    # --8<-- [end:watch]
