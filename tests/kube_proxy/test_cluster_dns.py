"""Tests for snippets.kube_proxy.cluster_dns: the search list, ndots and the cluster DNS on loopback."""

from __future__ import annotations

import pytest

from snippets.kube_proxy.cluster_dns import ClusterDNS, candidates

pytestmark = pytest.mark.timeout(30)


def test_short_names_try_the_search_list_first() -> None:
    assert candidates("web") == [
        "web.default.svc.cluster.local.",
        "web.svc.cluster.local.",
        "web.cluster.local.",
        "web.",
    ]


def test_names_with_ndots_dots_or_a_final_dot_are_tried_as_they_are_first() -> None:
    assert candidates("a.b.c.d.e.f")[0] == "a.b.c.d.e.f."  # five dots: ndots:5 reached
    assert candidates("a.b.c.d.e")[0] == "a.b.c.d.e.default.svc.cluster.local."
    assert candidates("www.example.test.") == ["www.example.test."]


@pytest.fixture(scope="module")
def dns():
    with ClusterDNS() as server:
        yield server


def test_a_service_name_resolves_to_its_cluster_ip_in_one_query(dns: ClusterDNS) -> None:
    [only] = dns.lookup("web")
    assert (only.name, only.rcode, only.addresses) == ("web.default.svc.cluster.local.", "NOERROR", ("10.96.0.20",))


def test_a_headless_service_resolves_to_its_pods(dns: ClusterDNS) -> None:
    assert dns.lookup("db")[-1].addresses == ("10.244.1.5", "10.244.2.7")


def test_an_outside_name_costs_three_nxdomains_first_unless_it_ends_in_a_dot(dns: ClusterDNS) -> None:
    tries = dns.lookup("www.example.test")
    assert [t.rcode for t in tries] == ["NXDOMAIN"] * 3 + ["NOERROR"]
    assert tries[-1].addresses == ("127.0.0.1",)
    assert [t.name for t in dns.lookup("www.example.test.")] == ["www.example.test."]
    assert dns.cluster.resolver.queries[-3:] == [
        "www.example.test.default.svc.cluster.local. A",
        "www.example.test.svc.cluster.local. A",
        "www.example.test.cluster.local. A",
    ]


def test_the_sequence_diagram_follows_the_queries_in_order(dns: ClusterDNS) -> None:
    from snippets.kube_proxy.cluster_dns import sequence

    lines = sequence(dns.lookup("www.example.test"), "en").split("\n")
    assert lines[0] == "sequenceDiagram"
    asked = [line.strip() for line in lines if "->>" in line and "-->>" not in line]
    assert asked == [
        "P->>C: www.example.test.default.svc.cluster.local. A?",
        "P->>C: www.example.test.svc.cluster.local. A?",
        "P->>C: www.example.test.cluster.local. A?",
        "P->>U: www.example.test. A?",
    ]
    assert lines[-1].strip() == "U-->>P: answer: 127.0.0.1"
    assert "파드(스텁 리졸버)" in sequence(dns.lookup("web"), "ko")
