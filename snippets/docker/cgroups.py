"""cgroups: a child cgroup with a memory limit and a pids limit that the kernel enforces.

cgroups(7): v1 mounts one hierarchy per controller (/sys/fs/cgroup/memory/, /sys/fs/cgroup/pids/, ...);
v2 has one unified hierarchy (/sys/fs/cgroup/) in which each cgroup holds the files of every enabled
controller. The files have different names; `Cgroup` maps them, so the demo prints the same on both.
What runs inside is in cgroup_workloads.py.

Shown on docs/*/docker.md, run by notebooks/docker_cgroups.ipynb, tested by tests/docker/.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from snippets.docker.transcript import why_not_linux_admin

CGROUP_ROOT = Path("/sys/fs/cgroup")
PREFIX = "infra-notes-"  # every cgroup, mount and temp dir of these demos starts with this and our PID
ROOT = Path(__file__).resolve().parents[2]
MiB = 1 << 20
_serial = itertools.count(1)

# --8<-- [start:files]
FILES = {  # concept: (cgroup v1 file, cgroup v2 file)
    "memory limit": ("memory.limit_in_bytes", "memory.max"),
    "pids limit": ("pids.max", "pids.max"),
    "oom kills": ("memory.oom_control", "memory.events"),  # the line "oom_kill N"
    "fork refusals": ("pids.events", "pids.events"),  # the line "max N"
}
# --8<-- [end:files]
KEYS = {"oom kills": "oom_kill", "fork refusals": "max"}  # in files of "key value" lines


def version(root: Path = CGROUP_ROOT) -> int:
    if (root / "cgroup.controllers").exists():
        return 2  # the unified hierarchy is mounted at the root
    if (root / "memory" / "memory.limit_in_bytes").exists() and (root / "pids").is_dir():
        return 1
    raise RuntimeError(f"no cgroup v2 and no v1 memory and pids controllers under {root}")


def why_not_live(root: Path = CGROUP_ROOT) -> str | None:
    if reason := why_not_linux_admin():
        return reason
    try:
        v = version(root)
    except RuntimeError as error:
        return str(error)
    if v == 2 and not {"memory", "pids"} <= set((root / "cgroup.subtree_control").read_text().split()):
        return "cgroup v2 without memory and pids enabled in cgroup.subtree_control"
    writable = [root / "memory", root / "pids"] if v == 1 else [root]
    return None if all(os.access(d, os.W_OK) for d in writable) else f"cannot write to {root}"


# --8<-- [start:cgroup]
class Cgroup:
    """A new cgroup with limits; on exit it kills what is left inside and removes its directories."""

    def __init__(self, memory_bytes: int, pids: int, root: Path = CGROUP_ROOT) -> None:
        self.version = version(root)
        self.memory_bytes, self.pids = memory_bytes, pids
        name = f"{PREFIX}{os.getpid()}-{next(_serial)}"
        if self.version == 1:  # one directory per controller hierarchy
            self.dirs = {"memory": root / "memory" / name, "pids": root / "pids" / name}
        else:  # one directory with the files of both controllers
            self.dirs = {"memory": root / name, "pids": root / name}

    def file(self, concept: str) -> Path:
        name = FILES[concept][self.version - 1]
        return self.dirs[name.split(".")[0]] / name

    def __enter__(self) -> Cgroup:
        try:
            for directory in dict.fromkeys(self.dirs.values()):
                directory.mkdir()
            self.file("memory limit").write_text(str(self.memory_bytes))
            no_swap = self.dirs["memory"] / ("memory.memsw.limit_in_bytes" if self.version == 1 else "memory.swap.max")
            if no_swap.exists():  # without this, a process over the limit is swapped out, not stopped
                no_swap.write_text(str(self.memory_bytes) if self.version == 1 else "0")
            self.file("pids limit").write_text(str(self.pids))
        except BaseException:
            self.remove()
            raise
        return self

    @property
    def join_files(self) -> list[Path]:
        """The cgroup.procs files a process writes its PID into to move into this cgroup."""
        return [directory / "cgroup.procs" for directory in dict.fromkeys(self.dirs.values())]

    # --8<-- [end:cgroup]

    def read(self, concept: str) -> int:
        """A limit (-1 for "max") or a counter, whichever way this version's file holds it."""
        words = self.file(concept).read_text().split()
        if len(words) == 1:
            return -1 if words[0] == "max" else int(words[0])
        return int(dict(zip(words[::2], words[1::2], strict=True))[KEYS[concept]])

    def processes(self) -> list[int]:
        return sorted({int(pid) for path in self.join_files if path.exists() for pid in path.read_text().split()})

    def remove(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while pids := self.processes():
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"processes {pids} stay in the cgroup")
            time.sleep(0.01)
        for directory in dict.fromkeys(self.dirs.values()):
            if directory.exists():
                directory.rmdir()  # rmdir(2), not rm -r: the kernel removes the files with it

    def __exit__(self, *exc_info: object) -> None:
        self.remove()


def start_inside(cgroup: Cgroup, *workload: str) -> subprocess.Popen:
    """`python -S -m snippets.docker.cgroup_workloads`: joins the cgroup, then runs `workload`."""
    command = [
        sys.executable,
        "-S",
        "-m",
        "snippets.docker.cgroup_workloads",
        *map(str, cgroup.join_files),
        "--",
        *workload,
    ]
    return subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def created_by(pid: int, also: str | None = None) -> list[str]:
    """Mounts and cgroups these demos made for process `pid` (named PREFIX + pid) that still exist,
    plus mounts whose path contains `also`. The leak checks of tests/docker and of every notebook
    (tools/pytest_guards.py) both use this, so they follow the naming convention from one place."""
    tag = f"{PREFIX}{pid}-"
    mountinfo = Path("/proc/self/mountinfo")
    lines = mountinfo.read_text().splitlines() if mountinfo.exists() else []
    found = [f"mount {line.split()[4]}" for line in lines if tag in line or (also and also in line)]
    hierarchies = [CGROUP_ROOT, *(d for d in CGROUP_ROOT.iterdir() if d.is_dir())] if CGROUP_ROOT.is_dir() else []
    return found + [f"cgroup {d}" for hierarchy in hierarchies for d in hierarchy.glob(f"{tag}*")]
