"""Every snippet section marker is shown on some page, and every include names a real section.

A page shows code with a pymdownx.snippets include inside a fence (`--8<-- "snippets/tcp_ip/framing.py:recv-exactly"`);
the code marks the section with `# --8<-- [start:recv-exactly]` … `# --8<-- [end:recv-exactly]`. A marker that
no page includes is dead weight (DESIGN.md, "Show the code that teaches"): show it on the page that explains
that code, or remove the marker. KNOWN_UNUSED lists the markers that were unused when this check was added;
the content issues show them. The list can only shrink: an entry that a page now includes, or that no
longer exists, fails the check until it is removed from the list, and the list may not grow past its
ceiling.
"""

from __future__ import annotations

import re
from pathlib import Path

MARKER = re.compile(r"--8<--\s*\[(start|end):([A-Za-z0-9_-]+)\]")
INCLUDE = re.compile(r'^\s*-{1,}8<-{1,}\s+"([^"]+)"\s*$')
MARKED_DIRS = ("snippets", "benchmarks")  # where code with section markers lives

# Unused when the check was added (issue 12); issues 14 and 15 put them on their pages.
KNOWN_UNUSED = frozenset(
    {
        "benchmarks/userspace_proxy.py:results",
        "snippets/docker/cgroup_demo.py:cleanup",
        "snippets/docker/cgroup_demo.py:fork-limit",
        "snippets/docker/cgroup_demo.py:limits",
        "snippets/docker/cgroup_demo.py:oom",
        "snippets/docker/cgroup_workloads.py:forks",
        "snippets/docker/cgroup_workloads.py:hog",
        "snippets/docker/cgroups.py:cgroup",
        "snippets/docker/cgroups.py:files",
        "snippets/docker/namespace_demo.py:compare",
        "snippets/docker/namespace_demo.py:host-view",
        "snippets/docker/namespace_demo.py:inside",
        "snippets/docker/namespaces.py:flags",
        "snippets/docker/namespaces.py:look-around",
        "snippets/docker/oci_check.py:descriptor",
        "snippets/docker/oci_check.py:verify",
        "snippets/docker/oci_image.py:build",
        "snippets/docker/oci_image.py:media-types",
        "snippets/docker/oci_image.py:write",
        "snippets/docker/oci_layers.py:apply",
        "snippets/docker/oci_layers.py:files",
        "snippets/docker/oci_layers.py:gzip",
        "snippets/docker/oci_layers.py:tar",
        "snippets/docker/overlay.py:cleanup",
        "snippets/docker/overlay.py:copy-up",
        "snippets/docker/overlay.py:layers",
        "snippets/docker/overlay.py:overlay",
        "snippets/docker/overlay.py:whiteout",
        "snippets/iac/drift.py:detect",
        "snippets/iac/playbook.py:env",
        "snippets/iac/playbook.py:run-playbook",
        "snippets/iac/playbooks/fight.yml:playbook",
        "snippets/iac/stack.py:lint",
        "snippets/iac/stack.py:local-cloud",
        "snippets/iac/stack.py:stack",
        "snippets/iac/templates/app_v2.yaml:template",
        "snippets/iac/templates/fails.yaml:template",
        "snippets/kubernetes_order/api_server.py:admission",
        "snippets/kubernetes_order/api_server.py:bind",
        "snippets/kubernetes_order/api_server.py:store",
        "snippets/kubernetes_order/api_server.py:watch",
        "snippets/kubernetes_order/api_server.py:write",
        "snippets/kubernetes_order/cluster.py:kubectl",
        "snippets/kubernetes_order/cluster.py:loop",
        "snippets/kubernetes_order/cluster.py:mermaid",
        "snippets/kubernetes_order/controllers.py:reconcile-deployment",
        "snippets/kubernetes_order/kubelet.py:kubelet-sync",
        "snippets/kubernetes_order/kubelet.py:runtime",
        "snippets/kubernetes_order/scheduler.py:bind",
        "snippets/kubernetes_order/scheduler.py:filter-score",
    }
)
KNOWN_CEILING = 50  # the list's length now (100 when it was made): it may shrink, never grow


def markers(root: Path) -> tuple[dict[tuple[str, str], int], list[str]]:
    """(file, section) -> line of its start marker, for every marked file; and the problems with markers."""
    found: dict[tuple[str, str], int] = {}
    problems = []
    for top in MARKED_DIRS:
        for path in sorted((root / top).rglob("*")):
            if not path.is_file() or path.suffix in (".json", ".svg", ".pyc"):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            rel = path.relative_to(root).as_posix()
            open_: dict[str, int] = {}
            for number, line in enumerate(text.split("\n"), start=1):
                for kind, name in MARKER.findall(line):
                    if kind == "start":
                        if (rel, name) in found or name in open_:
                            problems.append(f"{rel}:{number}: section {name!r} starts twice")
                        open_[name] = number
                        found[(rel, name)] = number
                    elif open_.pop(name, None) is None:
                        problems.append(f"{rel}:{number}: section {name!r} ends but never started")
            for name, number in open_.items():
                problems.append(f"{rel}:{number}: section {name!r} starts but never ends")
    return found, problems


def includes(docs: Path) -> dict[tuple[str, str | None], str]:
    """(file, section or None for a whole file) -> where a page first includes it."""
    found: dict[tuple[str, str | None], str] = {}
    for page in sorted(docs.rglob("*.md")):
        for number, line in enumerate(page.read_text(encoding="utf-8").split("\n"), start=1):
            if match := INCLUDE.match(line):
                target = match[1]
                file, _, section = target.partition(":")
                key = (file, section if section and not section[0].isdigit() else None)
                found.setdefault(key, f"{page.relative_to(docs.parent).as_posix()}:{number}")
    return found


def snippet_problems(
    root: Path, known_unused: frozenset[str] = KNOWN_UNUSED, ceiling: int = KNOWN_CEILING
) -> list[str]:
    marked, problems = markers(root)
    included = includes(root / "docs")
    for (file, section), where in sorted(included.items(), key=lambda kv: kv[1]):
        if section is not None and (file, section) not in marked:
            problems.append(f"{where}: includes {file}:{section}, but {file} has no section {section!r}")
    unused = {f"{file}:{section}" for (file, section) in marked if (file, section) not in included}
    for name in sorted(unused - known_unused):
        file, section = name.split(":")
        problems.append(
            f"{file}:{marked[(file, section)]}: section {section!r} is on no page: include it where the page explains it, or remove the marker"
        )
    for name in sorted(known_unused - unused):
        problems.append(
            f"tools/checks/snippets.py: KNOWN_UNUSED lists {name}, which is {'now on a page' if name.partition(':')[0] in {f for f, _ in marked} else 'gone'}: remove it from the list"
        )
    if len(known_unused) > ceiling:
        problems.append(
            f"tools/checks/snippets.py: KNOWN_UNUSED has {len(known_unused)} entries, more than its ceiling {ceiling}: show the new sections on a page instead"
        )
    return problems
