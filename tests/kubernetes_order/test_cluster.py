"""Tests for snippets.kubernetes_order.cluster: the whole chain, in order, every run the same."""

from __future__ import annotations

import pytest

from snippets.kubernetes_order.api_server import Event, Invalid
from snippets.kubernetes_order.cluster import Cluster, format_trace, mermaid_sequence
from snippets.kubernetes_order.kubelet import NodeSpec

pytestmark = pytest.mark.timeout(10)


def first(events: list[Event], source: str, action: str, kind: str = "") -> int:
    return next(
        e.step
        for e in events
        if e.source.startswith(source) and e.action.startswith(action) and e.object.startswith(kind)
    )


def test_nodes_register_themselves() -> None:
    cluster = Cluster()
    assert [n["metadata"]["name"] for n in cluster.api.list("Node")] == ["node-1", "node-2"]
    assert [(e.source, e.action) for e in cluster.trace[::2]] == [
        ("kubelet node-1", "create"),
        ("kubelet node-2", "create"),
    ]


def test_create_deployment_gives_one_replicaset_and_three_running_pods() -> None:
    cluster = Cluster()
    cluster.kubectl_create_deployment("nginx", "nginx:1.27", replicas=3)
    deployment = cluster.api.get("Deployment", "nginx")
    (rs,) = cluster.api.list("ReplicaSet")
    assert rs["metadata"]["ownerReferences"][0]["uid"] == deployment["metadata"]["uid"]
    assert rs["spec"]["replicas"] == 3
    pods = cluster.api.list("Pod")
    assert len(pods) == 3
    assert all(p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"] for p in pods)
    assert all(p["metadata"]["name"].startswith(rs["metadata"]["name"] + "-") for p in pods)
    assert {phase for _, phase, _ in cluster.pods()} == {"Running"}
    assert sorted(node for _, _, node in cluster.pods()) == ["node-1", "node-1", "node-2"]
    assert [len(k.runtime.running()) for k in cluster.kubelets] == [2, 1]


def test_components_act_in_causal_order() -> None:
    events = Cluster().kubectl_create_deployment("nginx", "nginx:1.27", replicas=3)
    steps = [
        first(events, "kubectl", "create", "Deployment"),
        first(events, "deployment controller", "create", "ReplicaSet"),
        first(events, "replicaset controller", "create", "Pod"),
        first(events, "scheduler", "bind"),
        first(events, "kubelet node-", "RunPodSandbox"),
        first(events, "kubelet node-", "status Running"),
    ]
    assert steps == sorted(steps)
    assert events[0].step == 5  # after the two node registrations (request + write each)
    # every write a component makes follows the watch event that woke it
    for i, e in enumerate(events):
        if e.source not in ("kubectl", "kube-apiserver") and e.target == "kube-apiserver":
            woke = [w for w in events[:i] if w.action.startswith("watch") and w.target == e.source]
            assert woke, e


def test_every_request_is_persisted_in_etcd_right_after() -> None:
    events = Cluster().kubectl_create_deployment("nginx", "nginx:1.27", replicas=2)
    for i, e in enumerate(events):
        if e.target == "kube-apiserver":
            assert events[i + 1].target == "etcd"
            assert events[i + 1].object == e.object


def test_a_deleted_pod_is_replaced() -> None:
    cluster = Cluster()
    cluster.kubectl_create_deployment("nginx", "nginx:1.27", replicas=3)
    victim = cluster.pods()[0][0]
    events = cluster.kubectl_delete_pod(victim)
    names = [name for name, _, _ in cluster.pods()]
    assert victim not in names and len(names) == 3
    assert {phase for _, phase, _ in cluster.pods()} == {"Running"}
    actions = [(e.source, e.action) for e in events]
    assert ("replicaset controller", "create") in actions
    assert any(a == "StopPodSandbox" for _, a in actions)
    assert sum(len(k.runtime.running()) for k in cluster.kubelets) == 3


def test_scale_up_and_down() -> None:
    cluster = Cluster()
    cluster.kubectl_create_deployment("nginx", "nginx:1.27", replicas=3)
    cluster.kubectl_scale("nginx", 5)
    assert len(cluster.pods()) == 5
    assert {phase for _, phase, _ in cluster.pods()} == {"Running"}
    before = {name for name, _, _ in cluster.pods()}
    events = cluster.kubectl_scale("nginx", 2)
    assert len(cluster.pods()) == 2
    assert {name for name, _, _ in cluster.pods()} < before
    assert [e.action.split("=")[0] for e in events[:3]] == ["scale to 2", "put rv", "watch MODIFIED"]
    assert sum(1 for e in events if e.source == "replicaset controller" and e.action == "delete") == 3
    assert cluster.api.list("ReplicaSet")[0]["spec"]["replicas"] == 2
    assert sum(len(k.runtime.running()) for k in cluster.kubelets) == 2


def test_scale_down_removes_the_newest_pods() -> None:
    cluster = Cluster()
    cluster.kubectl_create_deployment("nginx", "nginx:1.27", replicas=2)
    oldest = {name for name, _, _ in cluster.pods()}
    cluster.kubectl_scale("nginx", 4)
    cluster.kubectl_scale("nginx", 2)
    assert {name for name, _, _ in cluster.pods()} == oldest


def test_a_pod_too_big_for_every_node_stays_pending_until_a_node_joins() -> None:
    cluster = Cluster([NodeSpec("node-1", cpu="1"), NodeSpec("node-2", cpu="1")])
    events = cluster.kubectl_create_deployment("big", "nginx:1.27", replicas=1, cpu="1500m")
    ((name, phase, node),) = cluster.pods()
    assert (phase, node) == ("Pending", "<none>")
    condition = cluster.api.get("Pod", name)["status"]["conditions"]
    assert condition == [
        {
            "type": "PodScheduled",
            "status": "False",
            "reason": "Unschedulable",
            "message": "0/2 nodes are available: 2 Insufficient cpu.",
        }
    ]
    assert not any(e.source.startswith("kubelet") for e in events)
    cluster.add_node(NodeSpec("node-3", cpu="2"))
    assert cluster.pods() == [(name, "Running", "node-3")]


def test_a_not_ready_node_gets_no_pods() -> None:
    cluster = Cluster([NodeSpec("node-1"), NodeSpec("node-2", ready=False)])
    cluster.kubectl_create_deployment("nginx", "nginx:1.27", replicas=3)
    assert {node for _, _, node in cluster.pods()} == {"node-1"}


def test_partial_fit_leaves_only_the_rest_pending() -> None:
    cluster = Cluster([NodeSpec("node-1", cpu="1")])
    cluster.kubectl_create_deployment("web", "nginx:1.27", replicas=3, cpu="400m")
    assert sorted(phase for _, phase, _ in cluster.pods()) == ["Pending", "Running", "Running"]
    pending = [n for n, phase, _ in cluster.pods() if phase == "Pending"][0]
    message = cluster.api.get("Pod", pending)["status"]["conditions"][0]["message"]
    assert message == "0/1 nodes are available: 1 Insufficient cpu."
    cluster.kubectl_scale("web", 2)  # the pending pod goes first
    assert [phase for _, phase, _ in cluster.pods()] == ["Running", "Running"]


def test_kubectl_errors_come_from_admission() -> None:
    cluster = Cluster()
    with pytest.raises(Invalid):
        cluster.kubectl_create_deployment("bad", "nginx", replicas=-1)
    assert cluster.trace[-1].action == "refused: Invalid"
    assert cluster.pods() == []


def scenario() -> tuple[str, str]:
    cluster = Cluster()
    cluster.kubectl_create_deployment("nginx", "nginx:1.27", replicas=3)
    cluster.kubectl_delete_pod(cluster.pods()[1][0])
    cluster.kubectl_scale("nginx", 1)
    return format_trace(cluster.trace), mermaid_sequence(cluster.trace)


def test_the_trace_is_the_same_every_run() -> None:
    assert scenario() == scenario()


def test_format_trace_aligns_columns() -> None:
    text = format_trace(Cluster().kubectl_create_deployment("nginx", "nginx:1.27", replicas=1))
    lines = text.splitlines()
    assert lines[0].split() == ["5", "kubectl", "->", "kube-apiserver", "create", "Deployment/nginx"]
    assert len({line.index("->") for line in lines}) == 1
    assert format_trace([]) == ""


def test_mermaid_lists_participants_then_messages() -> None:
    events = Cluster().kubectl_create_deployment("nginx", "nginx:1.27", replicas=1)
    text = mermaid_sequence(events)
    lines = text.splitlines()
    assert lines[0] == "sequenceDiagram"
    participants = [line.split(" as ", 1)[1] for line in lines if line.lstrip().startswith("participant")]
    assert participants == [
        "kubectl",
        "kube-apiserver",
        "etcd",
        "deployment controller",
        "replicaset controller",
        "scheduler",
        "kubelet node-1",
        "runtime node-1",
    ]
    assert "    kubectl->>kube_apiserver: create Deployment/nginx" in lines
    assert "    kube_apiserver-->>deployment_controller: watch ADDED Deployment/nginx" in lines
    assert len(lines) == 1 + len(participants) + len(events)
    assert "etcd" not in mermaid_sequence(events, show_store=False)
