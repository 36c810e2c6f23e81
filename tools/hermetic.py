"""Run a command in a fresh network namespace whose only interface is loopback (`make test` uses it).

    python tools/hermetic.py COMMAND [ARGS...]

As root (CI runs as root), the process unshares its network namespace (unshare(2), CLONE_NEWNET), brings
`lo` up, checks that `lo` is the only interface, sets INFRA_NOTES_HERMETIC=1 and execs the command: a demo
or test that tries to reach anything but 127.0.0.1 fails there at once (no route), instead of quietly
talking to the network. Not root: the command runs in the host's namespace, after one line saying so;
in CI (CI=true) that, or any failure to isolate, is an error.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
import sys

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def isolate() -> None:
    """unshare(CLONE_NEWNET) and bring lo up; OSError if the kernel or our privileges refuse."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(CLONE_NEWNET): {os.strerror(errno)}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(s, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))
    interfaces = sorted(name for _, name in socket.if_nameindex())
    if interfaces != ["lo"]:
        raise OSError(0, f"the new network namespace has interfaces {interfaces}, expected only lo")


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    in_ci = os.environ.get("CI") == "true"
    if os.geteuid() != 0:
        if in_ci:
            raise SystemExit("hermetic: CI must run as root to isolate the tests in a network namespace")
        print("hermetic: not root, so tests run in this machine's network namespace (CI isolates them)", flush=True)
    else:
        try:
            isolate()
        except OSError as e:
            if in_ci:
                raise SystemExit(f"hermetic: cannot isolate the tests: {e}") from None
            print(f"hermetic: cannot isolate ({e}); tests run in this machine's network namespace", flush=True)
        else:
            os.environ["INFRA_NOTES_HERMETIC"] = "1"
            print("hermetic: tests run in a new network namespace with only lo (127.0.0.1)", flush=True)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
