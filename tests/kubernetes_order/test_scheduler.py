"""Tests for snippets.kubernetes_order.scheduler: quantities, filtering, scoring, messages."""

from __future__ import annotations

import pytest

from snippets.kubernetes_order.scheduler import NOT_READY, decide, quantity, requests

pytestmark = pytest.mark.timeout(10)


def node(name: str, cpu: str = "2", memory: str = "4Gi", ready: bool = True) -> dict:
    return {
        "kind": "Node",
        "metadata": {"name": name},
        "status": {
            "allocatable": {"cpu": cpu, "memory": memory},
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def pod(name: str, node_name: str | None = None, cpu: str | None = None, memory: str | None = None) -> dict:
    container: dict = {"name": "app", "image": "nginx"}
    asked = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    if asked:
        container["resources"] = {"requests": asked}
    return {
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [container], **({"nodeName": node_name} if node_name else {})},
    }


@pytest.mark.parametrize(
    ("resource", "value", "expected"),
    [
        ("cpu", "500m", 500),
        ("cpu", "2", 2000),
        ("cpu", "0.25", 250),
        ("cpu", 1, 1000),
        ("memory", "128Mi", 128 * 2**20),
        ("memory", "1Gi", 2**30),
        ("memory", "1k", 1000),
        ("memory", "42", 42),
    ],
)
def test_quantities(resource: str, value: str, expected: int) -> None:
    assert quantity(resource, value) == expected


def test_requests_default_only_for_scoring() -> None:
    assert requests(pod("p")) == {"cpu": 0, "memory": 0}
    assert requests(pod("p"), nonzero=True) == {"cpu": 100, "memory": 200 * 2**20}
    assert requests(pod("p", cpu="1"), nonzero=True) == {"cpu": 1000, "memory": 200 * 2**20}


def test_least_allocated_prefers_the_emptier_node() -> None:
    busy = [pod("old", "node-1", cpu="1", memory="2Gi")]
    decision = decide(pod("new", cpu="500m", memory="1Gi"), [node("node-1"), node("node-2")], busy)
    assert decision.node == "node-2"
    assert decision.scores == {"node-1": 25, "node-2": 75}  # room left after placing, in percent


def test_equal_scores_go_to_the_first_node_by_name() -> None:
    assert decide(pod("p"), [node("b"), node("a")], []).node == "a"


def test_nothing_fits_gives_the_real_message() -> None:
    decision = decide(pod("big", cpu="3"), [node("node-1"), node("node-2")], [])
    assert decision.node is None
    assert decision.message == "0/2 nodes are available: 2 Insufficient cpu."


def test_reasons_are_counted_and_sorted() -> None:
    nodes = [node("a", memory="1Gi"), node("b", cpu="1", memory="1Gi"), node("c", ready=False)]
    decision = decide(pod("p", cpu="1500m", memory="2Gi"), nodes, [])
    assert decision.message == (
        f"0/3 nodes are available: 1 Insufficient cpu, 1 {NOT_READY}, 2 Insufficient memory."
    )  # sorted as text
    assert decision.filtered == {
        "a": ["Insufficient memory"],
        "b": ["Insufficient cpu", "Insufficient memory"],
        "c": [NOT_READY],
    }


def test_requests_of_bound_pods_count_against_the_node() -> None:
    running = [pod("a", "node-1", cpu="1500m")]
    assert decide(pod("b", cpu="1"), [node("node-1")], running).message == (
        "0/1 nodes are available: 1 Insufficient cpu."
    )
    assert decide(pod("c", cpu="500m"), [node("node-1")], running).node == "node-1"  # exactly full fits
    partly = decide(pod("d", cpu="1"), [node("node-1"), node("node-2")], running)
    assert (partly.node, partly.filtered, partly.scores) == (
        "node-2",
        {"node-1": ["Insufficient cpu"]},
        {"node-2": 72},
    )  # (50 + 95) // 2


def test_no_nodes_at_all() -> None:
    assert decide(pod("p"), [], []).message == "0/0 nodes are available: ."
