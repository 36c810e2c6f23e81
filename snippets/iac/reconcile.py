"""Desired state, observed state, a plan, apply: the loop under every IaC tool and Kubernetes controller.

`desired` is what the code declares; the world is what exists, here a dict of resource
name -> properties that this reconciler alone manages (Terraform's state file and a
controller's owner references are how real tools know what is theirs to delete). A plan
is the difference; applying it makes the world match, so planning again finds nothing.
Something that changes the world behind our back (drift) shows up in the next plan.

Shown on docs/*/iac.md, run by notebooks/iac_reconcile.ipynb, tested by tests/iac/.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

State = dict[str, dict]  # resource name -> its properties


@dataclass(frozen=True)
class Change:
    action: str  # "create", "update" or "delete"
    name: str
    before: dict | None
    after: dict | None

    def __str__(self) -> str:
        if self.action == "create":
            return f"+ create {self.name} {self.after}"
        if self.action == "delete":
            return f"- delete {self.name}"
        keys = sorted(self.before.keys() | self.after.keys())
        diffs = [
            f"{k} {self.before.get(k)} -> {self.after.get(k)}" for k in keys if self.before.get(k) != self.after.get(k)
        ]
        return f"~ update {self.name}: " + ", ".join(diffs)


# --8<-- [start:reconcile]
def observe(world: State) -> State:
    return copy.deepcopy(world)  # a real tool calls the API: describe, list, get


def plan(desired: State, observed: State) -> list[Change]:
    changes = []
    for name in sorted(desired.keys() | observed.keys()):
        want, have = desired.get(name), observed.get(name)
        if have is None:
            changes.append(Change("create", name, None, want))
        elif want is None:
            changes.append(Change("delete", name, have, None))
        elif want != have:
            changes.append(Change("update", name, have, want))
    return changes


def apply(world: State, changes: list[Change]) -> None:
    for change in changes:
        if change.action == "delete":
            world.pop(change.name, None)
        else:
            world[change.name] = copy.deepcopy(change.after)


def reconcile(desired: State, world: State) -> list[Change]:
    """One turn of the loop; a controller runs it again on every event and every resync."""
    changes = plan(desired, observe(world))
    apply(world, changes)
    return changes


# --8<-- [end:reconcile]
