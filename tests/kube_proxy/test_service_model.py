"""Tests for snippets.kube_proxy.service_model: finding the Service, conntrack, affinity, traffic policy."""

from __future__ import annotations

import random

import pytest

from snippets.kube_proxy.service_model import (
    HashedServices,
    IptablesServices,
    Node,
    NodeKernel,
    affinity_demo,
    lookup_cost,
    make_services,
    nodeport,
)

pytestmark = pytest.mark.timeout(30)


def test_services_get_distinct_cluster_ips() -> None:
    services = make_services(5_000)
    assert len({s.cluster_ip for s in services}) == 5_000
    assert all(s.cluster_ip.startswith("10.9") for s in services)
    with pytest.raises(ValueError):
        make_services(0)


@pytest.mark.parametrize("table", [IptablesServices, HashedServices])
def test_both_find_every_service_and_refuse_an_unknown_address(table) -> None:
    services = make_services(50)
    found = table(services)
    assert [found.find(s.cluster_ip, s.port)[0] for s in services] == [s.name for s in services]
    with pytest.raises(LookupError, match="no Service at 10.96.0.10:81"):
        found.find("10.96.0.10", 81)


def test_the_chain_compares_rules_up_to_the_services_own_the_table_looks_once() -> None:
    services = make_services(300)
    chain, table = IptablesServices(services), HashedServices(services)
    for position in (0, 149, 299):
        s = services[position]
        assert chain.find(s.cluster_ip, s.port)[1] == position + 1
        assert table.find(s.cluster_ip, s.port)[1] == 1


def test_lookup_cost_grows_with_services_in_iptables_only() -> None:
    rows = lookup_cost((10, 100, 1_000))
    assert [(r.services, r.iptables_mean, r.iptables_worst, r.hashed) for r in rows] == [
        (10, 5.5, 10, 1),
        (100, 50.5, 100, 1),
        (1_000, 500.5, 1_000, 1),
    ]


def test_later_packets_of_a_connection_follow_conntrack_not_the_rules() -> None:
    kernel = NodeKernel(["pod-a", "pod-b", "pod-c"], random.Random(1))
    first = kernel.packet("198.51.100.7", 40_001, 0)
    assert all(kernel.packet("198.51.100.7", 40_001, t) == first for t in range(1, 50))
    assert kernel.random_picks == 1


def test_without_affinity_each_connection_picks_again() -> None:
    kernel = NodeKernel(["pod-a", "pod-b", "pod-c"], random.Random(1))
    pods = {kernel.packet("198.51.100.7", port, 0) for port in range(40_000, 40_060)}
    assert pods == {"pod-a", "pod-b", "pod-c"} and kernel.random_picks == 60


def test_client_ip_affinity_keeps_a_client_on_its_pod_until_the_timeout() -> None:
    kernel = NodeKernel(["pod-a", "pod-b", "pod-c"], random.Random(1), affinity_seconds=100)
    first = kernel.packet("198.51.100.7", 40_000, 0)
    assert {kernel.packet("198.51.100.7", port, 50) for port in range(40_001, 40_030)} == {first}
    assert kernel.random_picks == 1
    kernel.packet("198.51.100.7", 41_000, 151)  # 101 s after the last new connection: a new pick
    assert kernel.random_picks == 2


def test_affinity_to_a_pod_that_left_the_endpoints_picks_again() -> None:
    kernel = NodeKernel(["pod-a", "pod-b"], random.Random(1), affinity_seconds=100)
    first = kernel.packet("198.51.100.7", 40_000, 0)
    kernel.endpoints = [p for p in kernel.endpoints if p != first]
    assert kernel.packet("198.51.100.7", 40_001, 1) != first


def test_the_affinity_demo_shows_stickiness_and_its_expiry() -> None:
    sticky = [line.split()[-1] for line in affinity_demo(10_800)[:-1]]
    assert sticky[0] == sticky[1] != sticky[2]  # same Pod until the timeout, then a new pick
    assert sticky[3] == sticky[4]
    assert affinity_demo(10_800)[-1] == "Pods picked at random: 4 of 18 packets"
    assert affinity_demo(None)[-1] == "Pods picked at random: 6 of 18 packets"


NODES = [Node("node-1", "10.0.0.1", ()), Node("node-2", "10.0.0.2", ("pod-a",))]


def test_cluster_policy_reaches_a_pod_anywhere_but_hides_the_client() -> None:
    assert nodeport("Cluster", "203.0.113.7", NODES[0], NODES) == ("pod-a", "10.0.0.1", 2)
    assert nodeport("Cluster", "203.0.113.7", NODES[1], NODES) == ("pod-a", "10.0.0.2", 1)


def test_local_policy_keeps_the_client_ip_and_drops_where_no_pod_runs() -> None:
    assert nodeport("Local", "203.0.113.7", NODES[1], NODES) == ("pod-a", "203.0.113.7", 1)
    pod, source, _ = nodeport("Local", "203.0.113.7", NODES[0], NODES)
    assert pod == "-" and source.startswith("dropped")
    with pytest.raises(ValueError, match="Cluster or Local"):
        nodeport("local", "203.0.113.7", NODES[1], NODES)
