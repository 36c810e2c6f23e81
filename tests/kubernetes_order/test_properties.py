"""Property tests for snippets.kubernetes_order.cluster: any sequence of scales and deletes settles right."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.kubernetes_order.cluster import Cluster
from snippets.kubernetes_order.kubelet import NodeSpec

pytestmark = pytest.mark.timeout(30)

steps = st.lists(
    st.one_of(st.tuples(st.just("scale"), st.integers(0, 8)), st.tuples(st.just("delete"), st.integers(0, 5))),
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(steps)
def test_pods_match_replicas_and_never_overcommit_a_node(ops: list[tuple[str, int]]) -> None:
    cluster = Cluster([NodeSpec("node-1", cpu="1"), NodeSpec("node-2", cpu="1")])
    cluster.kubectl_create_deployment("web", "nginx:1.27", replicas=2, cpu="300m")
    replicas = 2
    for op, n in ops:
        if op == "scale":
            cluster.kubectl_scale("web", n)
            replicas = n
        elif cluster.pods():
            cluster.kubectl_delete_pod(cluster.pods()[n % len(cluster.pods())][0])
    pods = cluster.pods()
    assert len(pods) == replicas
    for node in ("node-1", "node-2"):
        assert sum(1 for _, _, where in pods if where == node) <= 3  # 3 x 300m fit in 1 cpu, 4 do not
    assert all((phase == "Running") == (where != "<none>") for _, phase, where in pods)
    if any(phase == "Pending" for _, phase, _ in pods):  # a pod waits only when no node has room
        assert sorted(where for _, _, where in pods if where != "<none>") == ["node-1"] * 3 + ["node-2"] * 3
    running = sorted(img for k in cluster.kubelets for img in k.runtime.running())
    assert len(running) == sum(1 for _, phase, _ in pods if phase == "Running")
