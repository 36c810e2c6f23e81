"""Tests for snippets.kube_proxy.iptables_model: the statistic chain, seeded."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from snippets.kube_proxy.iptables_model import (
    Outcome,
    chain_probabilities,
    chain_rules,
    distribution,
    iptables_pick,
    pod_names,
    with_dead_pod,
)

pytestmark = pytest.mark.timeout(10)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10])
def test_first_rule_is_one_in_n_and_the_last_always_matches(n: int) -> None:
    probabilities = chain_probabilities(n)
    assert probabilities[0] == pytest.approx(1 / n)
    assert probabilities[-1] == 1.0
    assert probabilities == pytest.approx([1 / (n - i) for i in range(n)])


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_every_endpoint_gets_one_in_n_exactly(n: int) -> None:
    reach, shares = Fraction(1), []
    for i in range(n):
        p = Fraction(1, n - i)  # the exact value behind each --probability
        shares.append(reach * p)
        reach *= 1 - p
    assert shares == [Fraction(1, n)] * n


def test_rules_look_like_iptables_save() -> None:
    assert chain_rules("KUBE-SVC-WEB", 3) == [
        "-A KUBE-SVC-WEB -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-POD-A",
        "-A KUBE-SVC-WEB -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-POD-B",
        "-A KUBE-SVC-WEB -j KUBE-SEP-POD-C",
    ]


def test_distribution_is_deterministic_and_roughly_uniform() -> None:
    counts = distribution(3, 3000, seed=1)
    assert counts == {"pod-a": 1026, "pod-b": 982, "pod-c": 992}
    assert counts == distribution(3, 3000, seed=1)
    assert distribution(3, 3000, seed=2) != counts
    assert all(900 <= c <= 1100 for c in counts.values())


def test_pick_stays_in_range_and_one_endpoint_is_always_it() -> None:
    rng = random.Random(0)
    assert {iptables_pick(4, rng) for _ in range(1000)} == {0, 1, 2, 3}
    assert {iptables_pick(1, rng) for _ in range(10)} == {0}


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="at least one endpoint"):
        chain_probabilities(0)
    with pytest.raises(ValueError, match="pod-z is not one of"):
        with_dead_pod(3, "pod-z", 10, seed=1)
    assert pod_names(30)[-1] == "pod-29"


def test_dead_pod_fails_in_iptables_mode_and_is_skipped_in_userspace() -> None:
    outcome = with_dead_pod(3, "pod-b", 300, seed=1)
    assert outcome["iptables"] == Outcome({"pod-a": 117, "pod-b": 0, "pod-c": 90}, failed=93)
    assert outcome["userspace"] == Outcome({"pod-a": 150, "pod-b": 0, "pod-c": 150}, failed=0)


def test_only_pod_dead_fails_in_both_modes() -> None:
    outcome = with_dead_pod(1, "pod-a", 5, seed=1)
    assert outcome["iptables"].failed == outcome["userspace"].failed == 5
