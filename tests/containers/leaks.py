"""What the container demos of one process left behind: mounts, cgroups, temp dirs, child processes.

Every cgroup, mount and temp dir of snippets/containers is named `infra-notes-<pid>-...`, so tests
running in parallel (pytest -n 2) each see only their own.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import psutil

from snippets.containers.cgroups import CGROUP_ROOT, PREFIX


def leftovers(pid: int | None = None) -> list[str]:
    pid = pid or os.getpid()
    tag = f"{PREFIX}{pid}-"
    mountinfo = Path("/proc/self/mountinfo")
    lines = mountinfo.read_text().splitlines() if mountinfo.exists() else []
    found = [f"mount {line.split()[4]}" for line in lines if tag in line]
    hierarchies = [CGROUP_ROOT, *(d for d in CGROUP_ROOT.iterdir() if d.is_dir())] if CGROUP_ROOT.is_dir() else []
    found += [f"cgroup {d}" for hierarchy in hierarchies for d in hierarchy.glob(f"{tag}*")]
    found += [f"temp dir {d}" for d in Path(tempfile.gettempdir()).glob(f"{tag}*")]
    found += [f"process {p.pid} {p.cmdline()}" for p in psutil.Process(pid).children(recursive=True)]
    return sorted(found)
