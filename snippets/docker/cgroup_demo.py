"""The cgroup demo's steps: limits, a process over its memory limit, a fork over its pids limit, cleanup.

Builds on cgroups.py (the `Cgroup` and its files) and cgroup_workloads.py (what runs inside). Every step
creates its own cgroup in a `with` block, so a step that fails still removes it.

Shown on docs/*/docker.md, run by notebooks/docker_cgroups.ipynb, tested by tests/docker/.
"""

from __future__ import annotations

import errno
import json
import signal
import subprocess
import time

from snippets.docker.cgroups import Cgroup, MiB, start_inside


def _finish(process: subprocess.Popen, timeout: float = 10) -> tuple[int, dict]:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    if process.returncode > 0 or err:
        raise RuntimeError(f"workload failed ({process.returncode}): {err.strip()}")
    return process.returncode, json.loads(out) if out else {}


def _wait_until_joined(cgroup: Cgroup, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not cgroup.processes():
        if time.monotonic() > deadline:
            raise TimeoutError("the workload did not join the cgroup")
        time.sleep(0.005)


# --8<-- [start:limits]
def limits(memory_mib: int = 32, pids: int = 8) -> None:
    with Cgroup(memory_bytes=memory_mib * MiB, pids=pids) as cgroup:
        print("memory limit:", cgroup.read("memory limit") // MiB, "MiB")
        print("pids limit:", cgroup.read("pids limit"))
        print("processes in it:", len(cgroup.processes()))


# --8<-- [end:limits]


# --8<-- [start:oom]
def oom(memory_mib: int = 32, allocate_mib: int = 128) -> None:
    with Cgroup(memory_bytes=memory_mib * MiB, pids=8) as cgroup:
        returncode, result = _finish(start_inside(cgroup, "hog", str(allocate_mib)))
        print(f"asked for {allocate_mib} MiB under a {memory_mib} MiB limit")
        print("stopped by:", signal.Signals(-returncode).name if returncode < 0 else "nothing")
        print("finished its work:", "allocated_mib" in result)
        print("OOM kills counted by the cgroup:", cgroup.read("oom kills"))


# --8<-- [end:oom]


# --8<-- [start:fork-limit]
def fork_limit(pids: int = 8, forks: int = 20) -> None:
    with Cgroup(memory_bytes=256 * MiB, pids=pids) as cgroup:
        _returncode, result = _finish(start_inside(cgroup, "forks", str(forks)))
        print(f"pids limit {pids}; the workload tried to fork {forks} children")
        print("children forked:", result["forked"], "(the workload itself is the other process)")
        print("the next fork failed with:", result["refused"])
        print("refused forks counted by the cgroup:", cgroup.read("fork refusals"))


# --8<-- [end:fork-limit]


# --8<-- [start:cleanup]
def cleanup() -> None:
    with Cgroup(memory_bytes=32 * MiB, pids=8) as cgroup:
        with start_inside(cgroup, "wait") as process:
            _wait_until_joined(cgroup)
            try:
                cgroup.dirs["memory"].rmdir()
            except OSError as error:
                print("rmdir while a process is inside:", errno.errorcode[error.errno])
            process.stdin.close()  # the workload reads EOF and exits
        print("processes left after it exited:", len(cgroup.processes()))
    print("directories left after the with block:", sum(d.exists() for d in cgroup.dirs.values()))


# --8<-- [end:cleanup]
