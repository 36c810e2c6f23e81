"""A "container" from parts: one process in new PID, mount, UTS and network namespaces.

unshare(2) moves its caller into new namespaces at once, except PID and time namespaces: only the
caller's children are born into those, so the launcher forks and its child is PID 1. The launcher is a
fresh single-threaded `python -S` process, not the notebook, which must stay on the host: unshare(2)
moves only the calling thread, and refuses a new user namespace to a multi-threaded process (EINVAL).
The same from a shell: `unshare --pid --fork --mount-proc --uts --net sh`.

The demo's steps are in namespace_demo.py.
Shown on docs/*/docker-vs-vm.md and docker.md, run by notebooks/docker_namespaces.ipynb, tested by tests/docker/.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from snippets.docker.transcript import why_not_linux_admin

ROOT = Path(__file__).resolve().parents[2]  # the launcher runs `-m snippets.docker.namespaces` from here

# --8<-- [start:flags]
CLONE_NEW = {  # the eight namespace types of namespaces(7), with their unshare(2) flags from <sched.h>
    "cgroup": 0x02000000,
    "ipc": 0x08000000,
    "mnt": 0x00020000,
    "net": 0x40000000,
    "pid": 0x20000000,
    "time": 0x00000080,
    "user": 0x10000000,
    "uts": 0x04000000,
}
CONTAINER = ("mnt", "net", "pid", "uts")
# --8<-- [end:flags]
MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x4000, 0x40000, 0x2, 0x4, 0x8  # <sys/mount.h>
why_not_live = why_not_linux_admin


def _check(result: int) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


# --8<-- [start:enter]
def enter(namespaces: list[str]) -> None:
    """The launcher: unshare, then fork; the child is PID 1 of the new PID namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc.unshare(sum(CLONE_NEW[kind] for kind in namespaces)))
    ready, go = os.pipe()
    child = os.fork()
    if child:  # the launcher itself stays in the host's PID namespace
        print(json.dumps({"host_pid": child}), flush=True)
        os.close(go)  # now PID 1 may write to the same stdout
        os._exit(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
    os.close(go)
    os.read(ready, 1)  # returns at EOF: the launcher's line is out
    if "mnt" in namespaces:
        _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None))  # our mounts stay ours
        if "pid" in namespaces:  # a /proc that shows only the new PID namespace
            _check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None))
    if "uts" in namespaces:
        socket.sethostname("box")
    print(json.dumps(look_around()), flush=True)
    sys.stdin.read()  # stay alive until the host has looked at us


# --8<-- [end:enter]


# --8<-- [start:look-around]
def look_around() -> dict:
    """What a process can see of the machine it runs on."""
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=1).close()
        connect = "connected"
    except OSError as error:
        connect = errno.errorcode.get(error.errno, str(error))
    return {
        "pid": os.getpid(),
        "processes": sorted(int(entry) for entry in os.listdir("/proc") if entry.isdigit()),
        "hostname": socket.gethostname(),
        "interfaces": [name for _index, name in socket.if_nameindex()],
        "connect": connect,
        "release": os.uname().release,
        "ns": {kind: os.readlink(f"/proc/self/ns/{kind}") for kind in CLONE_NEW},
    }


# --8<-- [end:look-around]


class Container:
    """`with Container(kinds) as box:` a process in new namespaces; `box.view` is what it sees."""

    def __init__(self, namespaces: tuple[str, ...] = CONTAINER) -> None:
        unknown = sorted(set(namespaces) - set(CLONE_NEW))
        if unknown or not namespaces:
            raise ValueError(f"namespaces must be some of {sorted(CLONE_NEW)}, got {list(namespaces)}")
        self.namespaces = namespaces
        self.host_pid: int = 0
        self.view: dict = {}

    def __enter__(self) -> Container:
        command = [sys.executable, "-S", "-m", __name__, *self.namespaces]
        self._process = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            for _ in range(2):  # one line from the launcher, then one from PID 1
                line = self._process.stdout.readline()
                if not line:
                    self._process.wait(timeout=5)
                    raise RuntimeError(f"the container did not start: {self._process.stderr.read().strip()}")
                self.view.update(json.loads(line))
        except BaseException:
            self.__exit__()
            raise
        self.host_pid = self.view.pop("host_pid")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._process.stdin.close()  # PID 1 reads EOF and exits; then the launcher does
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()
        self._process.stderr.close()


if __name__ == "__main__":
    enter(sys.argv[1:])
