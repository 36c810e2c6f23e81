"""What the container demos of one process left behind: mounts, cgroups, temp dirs, child processes.

Every cgroup, mount and temp dir of snippets/docker is named `infra-notes-<pid>-...`, so tests
running in parallel (pytest -n 2) each see only their own.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import psutil

from snippets.docker.cgroups import PREFIX, created_by


def leftovers(pid: int | None = None) -> list[str]:
    pid = pid or os.getpid()
    found = created_by(pid)
    found += [f"temp dir {d}" for d in Path(tempfile.gettempdir()).glob(f"{PREFIX}{pid}-*")]
    found += [f"process {p.pid} {p.cmdline()}" for p in psutil.Process(pid).children(recursive=True)]
    return sorted(found)
