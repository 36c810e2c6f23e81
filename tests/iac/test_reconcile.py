"""Tests for snippets.iac.reconcile: plan and apply over a dict world, with hypothesis properties."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.iac.reconcile import Change, apply, observe, plan, reconcile

names = st.sampled_from(["bucket/a", "bucket/b", "queue/jobs", "queue/legacy", "param/mode"])
values = st.integers(0, 3) | st.text(max_size=2)
specs = st.dictionaries(st.sampled_from(["size", "tags", "timeout"]), values, max_size=3)
states = st.dictionaries(names, specs, max_size=5)


def test_first_plan_creates_and_deletes_in_name_order() -> None:
    desired = {"queue/jobs": {"timeout": 30}, "bucket/a": {}}
    world = {"queue/legacy": {"timeout": 10}}
    changes = plan(desired, observe(world))
    assert [(c.action, c.name) for c in changes] == [
        ("create", "bucket/a"),
        ("create", "queue/jobs"),
        ("delete", "queue/legacy"),
    ]
    assert [str(c) for c in changes] == [
        "+ create bucket/a {}",
        "+ create queue/jobs {'timeout': 30}",
        "- delete queue/legacy",
    ]
    assert world == {"queue/legacy": {"timeout": 10}}  # planning changes nothing


def test_update_lists_only_what_differs() -> None:
    change = plan({"q": {"timeout": 60, "delay": 0, "size": 1}}, {"q": {"timeout": 30, "size": 1}})
    assert change == [Change("update", "q", {"timeout": 30, "size": 1}, {"timeout": 60, "delay": 0, "size": 1})]
    assert str(change[0]) == "~ update q: delay None -> 0, timeout 30 -> 60"


def test_drift_is_repaired_by_the_next_turn() -> None:
    desired = {"queue/jobs": {"timeout": 30}}
    world: dict = {}
    assert [c.action for c in reconcile(desired, world)] == ["create"]
    assert reconcile(desired, world) == []
    world["queue/jobs"]["timeout"] = 5
    assert [str(c) for c in reconcile(desired, world)] == ["~ update queue/jobs: timeout 5 -> 30"]
    assert world == desired


@settings(max_examples=300, deadline=None)
@given(desired=states, world=states)
def test_after_apply_the_plan_is_empty(desired, world) -> None:
    wanted, before = copy.deepcopy(desired), copy.deepcopy(world)
    changes = reconcile(desired, world)
    assert world == desired == wanted  # desired is never modified
    assert plan(desired, observe(world)) == []
    differing = {n for n in desired.keys() | before.keys() if desired.get(n) != before.get(n)}
    assert [c.name for c in changes] == sorted(differing)  # one change per differing name, no more


@settings(max_examples=300, deadline=None)
@given(desired=states, world=states)
def test_apply_is_idempotent_and_touches_only_planned_names(desired, world) -> None:
    changes = plan(desired, observe(world))
    once = copy.deepcopy(world)
    apply(once, changes)
    twice = copy.deepcopy(once)
    apply(twice, changes)
    assert once == twice == desired
    untouched = set(world) - {c.name for c in changes}
    assert all(once[n] == world[n] for n in untouched)


@settings(deadline=None)
@given(desired=states)
def test_the_world_does_not_share_objects_with_desired(desired) -> None:
    world: dict = {}
    reconcile(desired, world)
    for spec in world.values():
        spec["changed"] = 1
    assert all("changed" not in spec for spec in desired.values())
