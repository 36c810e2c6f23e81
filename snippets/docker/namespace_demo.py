"""The namespace demo's steps: what a process in new namespaces sees, how the host sees it, and which
of the eight namespace types it has of its own. Builds on namespaces.py (`Container`).

Shown on docs/*/docker-vs-vm.md and docker.md, run by notebooks/docker_namespaces.ipynb, tested by tests/docker/.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from snippets.docker.namespaces import CLONE_NEW, CONTAINER, Container


# --8<-- [start:inside]
def inside() -> None:
    host_release, host_name = os.uname().release, socket.gethostname()
    with Container(CONTAINER) as box:
        view = box.view
        print("PID:", view["pid"])
        print("processes it can see:", view["processes"])
        print("hostname:", view["hostname"], "- the host's is unchanged:", socket.gethostname() == host_name)
        print("network interfaces:", view["interfaces"])
        print("connect to 127.0.0.1:", view["connect"], "(lo is down in a new network namespace)")
        print("kernel release is the host's:", view["release"] == host_release)


# --8<-- [end:inside]


# --8<-- [start:host-view]
def host_view() -> None:
    with Container(CONTAINER) as box:
        status = Path(f"/proc/{box.host_pid}/status").read_text()
        nspid = next(line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:"))
        print("the host lists it as an ordinary process:", Path(f"/proc/{box.host_pid}").is_dir())
        print("its PID on the host is 1:", box.host_pid == 1)
        print("PIDs in /proc/<pid>/status NSpid, outermost first:", len(nspid), "- the innermost is", nspid[-1])


# --8<-- [end:host-view]


# --8<-- [start:compare]
def compare(namespaces: tuple[str, ...] = CONTAINER) -> None:
    """Each of the eight namespace types: does the new process have its own, or the host's?"""
    host = {kind: os.readlink(f"/proc/self/ns/{kind}") for kind in CLONE_NEW}
    with Container(tuple(namespaces)) as box:
        for kind in sorted(CLONE_NEW):
            print(f"{kind:<7}", "own" if box.view["ns"][kind] != host[kind] else "shared with the host")


# --8<-- [end:compare]
