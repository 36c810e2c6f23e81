"""What runs inside the cgroup demo: a process that joins a cgroup, then uses memory or processes.

Run as `python -S -m snippets.docker.cgroup_workloads PROCS_FILE... -- hog MIB | forks N | wait`.
Started by cgroups.start_inside(); the demo steps are in cgroup_demo.py.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path


def join(procs_files: list[str]) -> None:
    for procs in procs_files:
        Path(procs).write_text(str(os.getpid()))  # from now on, our memory and forks count there


# --8<-- [start:hog]
def hog(mib: int) -> None:
    chunks = []
    for _ in range(mib):
        chunks.append(b"\x01" * (1 << 20))  # written, so every page is really in use
    print(json.dumps({"allocated_mib": mib}))  # reached only if nothing stopped us


# --8<-- [end:hog]


# --8<-- [start:forks]
def forks(n: int) -> None:
    read_end, write_end = os.pipe()
    children: list[int] = []
    refused = None
    try:
        for _ in range(n):
            pid = os.fork()
            if pid == 0:  # a child waits until the parent closes the pipe, then exits
                os.close(write_end)
                os.read(read_end, 1)
                os._exit(0)
            children.append(pid)
    except BlockingIOError as error:  # fork(2) fails with EAGAIN at pids.max
        refused = errno.errorcode[error.errno]
    finally:
        os.close(write_end)
        for pid in children:
            os.waitpid(pid, 0)
    print(json.dumps({"forked": len(children), "refused": refused}))


# --8<-- [end:forks]


def main(argv: list[str]) -> None:
    split = argv.index("--")
    join(argv[:split])
    name, *args = argv[split + 1 :]
    if name == "hog":
        hog(int(args[0]))
    elif name == "forks":
        forks(int(args[0]))
    elif name == "wait":
        sys.stdin.read()  # until the parent closes our stdin
    else:
        raise SystemExit(f"unknown workload {name!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
