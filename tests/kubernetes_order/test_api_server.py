"""Tests for snippets.kubernetes_order.api_server: the store, admission, versions and watches."""

from __future__ import annotations

import pytest

from snippets.kubernetes_order.api_server import (
    AlreadyExists,
    APIServer,
    Conflict,
    Invalid,
    NotFound,
    WatchEvent,
    admit,
)

pytestmark = pytest.mark.timeout(10)


def pod(name: str, containers: list | None = None) -> dict:
    if containers is None:
        containers = [{"name": "app", "image": "nginx:1.27"}]
    return {"kind": "Pod", "metadata": {"name": name}, "spec": {"containers": containers}}


def node(name: str) -> dict:
    return {
        "kind": "Node",
        "metadata": {"name": name},
        "status": {"allocatable": {"cpu": "1", "memory": "1Gi"}, "conditions": [{"type": "Ready", "status": "True"}]},
    }


def reachable(root: object, depth: int = 6) -> list[object]:
    """Everything reachable from root through attributes and containers, not through closures."""
    seen, found, todo = set(), [], [(root, 0)]
    while todo:
        obj, level = todo.pop()
        if id(obj) in seen or level > depth:
            continue
        seen.add(id(obj))
        found.append(obj)
        children: list = []
        if isinstance(obj, dict):
            children = list(obj.values())
        elif isinstance(obj, (list, tuple, set)):
            children = list(obj)
        elif hasattr(obj, "__dict__") and not callable(obj):
            children = list(vars(obj).values())
        elif hasattr(obj, "__self__"):  # a bound method leads back to its object, nothing else
            children = [obj.__self__]
        todo.extend((child, level + 1) for child in children)
    return found


def test_the_store_cannot_be_reached_through_the_api_object() -> None:
    api = APIServer()
    api.create(pod("web"))
    stored_objects = [o for o in reachable(api) if isinstance(o, dict) and o.get("kind") == "Pod"]
    assert stored_objects == []
    public = [name for name in dir(api) if not name.startswith("_")]
    assert not any("store" in name or "etcd" in name for name in public)
    assert all(callable(v) or isinstance(v, list) for k, v in vars(api).items() if k != "_uids")


def test_objects_handed_out_are_copies() -> None:
    api = APIServer()
    created = api.create(pod("web"))
    created["spec"]["containers"].clear()
    fetched = api.get("Pod", "web")
    fetched["metadata"]["name"] = "changed"
    api.list("Pod")[0]["spec"]["nodeName"] = "nowhere"
    assert api.get("Pod", "web")["spec"] == {"containers": [{"name": "app", "image": "nginx:1.27"}]}


def test_create_fills_in_metadata() -> None:
    created = APIServer().create(pod("web"))
    meta = created["metadata"]
    assert (meta["namespace"], meta["uid"], meta["resourceVersion"], meta["ownerReferences"]) == (
        "default",
        "00000000-0000-0000-0000-000000000001",
        1,
        [],
    )
    assert created["status"] == {}


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (pod("web", containers=[]), 'pods "web" is invalid: spec.containers: Required value'),
        ({"kind": "Pod", "metadata": {"name": "web"}}, "spec.containers: Required value"),
        (
            {"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": -1}},
            "spec.replicas: Invalid value: -1",
        ),
        (
            {"kind": "ReplicaSet", "metadata": {"name": "r"}, "spec": {"replicas": "3"}},
            "must be greater than or equal to 0",
        ),
        ({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1}}, "spec.containers: Required value"),
        ({"kind": "Secret", "metadata": {"name": "s"}}, "no kind 'Secret'"),
        ({"kind": "Pod", "metadata": {}}, "metadata.name: Required value"),
    ],
)
def test_admission_rejects_bad_objects_and_stores_nothing(obj: dict, message: str) -> None:
    api = APIServer()
    with pytest.raises(Invalid, match=message.replace(".", r"\.")):
        api.create(obj)
    assert api.latest_resource_version() == 0
    assert [e.action for e in api.trace] == ["create", "refused: Invalid"]


def test_admit_accepts_a_good_deployment() -> None:
    admit(
        {
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {"replicas": 0, "template": {"spec": {"containers": [{"name": "a", "image": "a"}]}}},
        }
    )


def test_a_name_that_exists_is_refused() -> None:
    api = APIServer()
    api.create(pod("web"))
    with pytest.raises(AlreadyExists, match='pods "web" already exists'):
        api.create(pod("web"))
    api.create({**pod("web"), "metadata": {"name": "web", "namespace": "other"}})  # other namespace: fine


def test_update_with_a_stale_version_conflicts() -> None:
    api = APIServer()
    first = api.create(pod("web"))
    api.update(api.get("Pod", "web"), by="someone")
    with pytest.raises(Conflict, match="the object has been modified"):
        api.update(first, by="someone else")


def test_missing_objects_are_not_found() -> None:
    api = APIServer()
    with pytest.raises(NotFound, match='pods "ghost" not found'):
        api.get("Pod", "ghost")
    with pytest.raises(NotFound):
        api.delete("Pod", "ghost")
    with pytest.raises(NotFound):
        api.watch("Secret")


def test_resource_version_increases_with_every_write_of_any_kind() -> None:
    api = APIServer()
    versions = [
        api.create(node("n1"))["metadata"]["resourceVersion"],
        api.create(pod("a"))["metadata"]["resourceVersion"],
        api.update(api.get("Pod", "a"), by="x")["metadata"]["resourceVersion"],
        api.create(pod("b"))["metadata"]["resourceVersion"],
    ]
    api.delete("Pod", "b")
    assert versions == [1, 2, 3, 4]
    assert api.latest_resource_version() == 5


def test_bind_sets_node_name_once() -> None:
    api = APIServer()
    api.create(node("n1"))
    api.create(pod("web"))
    with pytest.raises(NotFound):
        api.bind("web", "n2")
    assert api.bind("web", "n1")["spec"]["nodeName"] == "n1"
    with pytest.raises(Conflict, match='already assigned to node "n1"'):
        api.bind("web", "n1")


def test_watch_from_a_version_sees_only_later_events_in_order() -> None:
    api = APIServer()
    api.create(pod("before"))
    since = api.latest_resource_version()
    stream = api.watch("Pod", since)
    api.create(pod("web"))
    api.create(node("n1"))  # another kind: not in this stream
    api.bind("web", "n1")
    api.delete("Pod", "web")
    events = stream.poll()
    assert [(e.type, e.object["metadata"]["name"]) for e in events] == [
        ("ADDED", "web"),
        ("MODIFIED", "web"),
        ("DELETED", "web"),
    ]
    assert events[1].object["spec"]["nodeName"] == "n1"
    assert stream.poll() == []
    api.create(pod("later"))
    assert stream.poll() == [WatchEvent("ADDED", api.get("Pod", "later"))]


def test_watch_from_zero_replays_history() -> None:
    api = APIServer()
    api.create(pod("a"))
    api.delete("Pod", "a")
    assert [e.type for e in api.watch("Pod").poll()] == ["ADDED", "DELETED"]
