"""The 4-way close as the kernel sees it: TCP states read from /proc/net/tcp.

Builds on echo.py's closing. TIME_WAIT lands on whichever side calls close() first; a server
that never closes its accepted sockets keeps them in CLOSE_WAIT. /proc/net/tcp shows the
reading process's network namespace, so this works the same inside a private one.

Shown on docs/*/tcp-ip/, run by notebooks/tcp_ip_close.ipynb, tested by tests/tcp_ip/.
"""

from __future__ import annotations

import re
import socket
import sys
import time
from pathlib import Path
from typing import NamedTuple

from snippets.loopback import LOOPBACK

PROC_NET_TCP = Path("/proc/net/tcp")
Address = tuple[str, int]


class Row(NamedTuple):
    local: Address
    remote: Address
    state: str


class PileUp(NamedTuple):
    close_wait: int  # the server's, before it calls close()
    recv_saw_eof: bool
    close_wait_after_close: int


def parse_address(field: str) -> Address:
    """'0100007F:1F90' -> ('127.0.0.1', 8080): the address is printed as a number in host byte order."""
    if not re.fullmatch(r"[0-9A-F]{8}:[0-9A-F]{4}", field):
        raise ValueError(f"not an IPv4 address:port field: {field!r}")
    address, port = field.split(":")
    return socket.inet_ntoa(int(address, 16).to_bytes(4, sys.byteorder)), int(port, 16)


STATES = {  # include/net/tcp_states.h
    "01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
    "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
    "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING",
}  # fmt: skip


# --8<-- [start:read-state]
def parse(text: str) -> list[Row]:
    """The rows of /proc/net/tcp after its header line."""
    rows = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4 or fields[3] not in STATES:
            raise ValueError(f"not a /proc/net/tcp row: {line!r}")
        rows.append(Row(parse_address(fields[1]), parse_address(fields[2]), STATES[fields[3]]))  # "06": TIME_WAIT
    return rows


def state(local: Address, remote: Address) -> str:
    """The kernel's state of this connection; 'gone' once it has forgotten it."""
    for row in parse(PROC_NET_TCP.read_text()):
        if row.local == local and row.remote == remote:
            return row.state
    return "gone"


# --8<-- [end:read-state]


def wait_for(local: Address, remote: Address, *expected: str, timeout: float = 5.0) -> str:
    """Poll until the state is one of expected, at most timeout seconds; return the last state read."""
    deadline = time.monotonic() + timeout
    while (now := state(local, remote)) not in expected and time.monotonic() < deadline:
        time.sleep(0.002)
    return now


def connected_pair() -> tuple[socket.socket, socket.socket]:
    """A client socket and the server's accepted socket of one loopback connection."""
    with socket.create_server((LOOPBACK, 0)) as listener:
        client = socket.create_connection(listener.getsockname(), timeout=5)
        server, _ = listener.accept()
    return client, server


def close_walk(first: str) -> list[tuple[str, str, str]]:
    """Close a connection, `first` ("client" or "server") first: (step, client state, server state) per step."""
    if first not in ("client", "server"):
        raise ValueError(f"first must be 'client' or 'server', not {first!r}")
    second = "server" if first == "client" else "client"
    client, server = connected_pair()
    ends = {"client": client, "server": server}
    addresses = {name: (s.getsockname(), s.getpeername()) for name, s in ends.items()}
    steps = []

    def record(step: str, **expected: tuple[str, ...]) -> None:
        found = {name: wait_for(*addresses[name], *expected[name]) for name in ends}
        steps.append((step, found["client"], found["server"]))

    with client, server:
        record("connected", client=("ESTABLISHED",), server=("ESTABLISHED",))
        ends[first].close()  # sends FIN; the peer's kernel ACKs it at once
        record(f"{first} close()", **{first: ("FIN_WAIT2",), second: ("CLOSE_WAIT",)})
        ends[second].close()  # sends FIN; LAST_ACK lasts until the ACK, a moment on loopback
        record(f"{second} close()", **{first: ("TIME_WAIT",), second: ("gone",)})
    return steps


def table(steps: list[tuple[str, str, str]]) -> str:
    """close_walk's steps as aligned columns under a header."""
    rows = [("step", "client", "server"), *steps]
    return "\n".join(f"{step:<16}{client:<13}{server}" for step, client, server in rows)


def count(local: Address, wanted: str) -> int:
    """How many connections with this local address are in state `wanted`."""
    return sum(row.local == local and row.state == wanted for row in parse(PROC_NET_TCP.read_text()))


def wait_count(local: Address, wanted: str, n: int, timeout: float = 5.0) -> int:
    """Poll until `count` is n, at most timeout seconds; return the last count."""
    deadline = time.monotonic() + timeout
    while (now := count(local, wanted)) != n and time.monotonic() < deadline:
        time.sleep(0.002)
    return now


def close_wait_pile_up(n: int = 5) -> PileUp:
    """n clients connect and close; the server accepts each but calls close() only at the end."""
    accepted: list[socket.socket] = []
    with socket.create_server((LOOPBACK, 0), backlog=n) as listener:
        local = listener.getsockname()
        try:
            for _ in range(n):
                socket.create_connection(local, timeout=5).close()  # the client hangs up at once
                accepted.append(listener.accept()[0])
            piled_up = wait_count(local, "CLOSE_WAIT", n)
            saw_eof = all(conn.recv(1) == b"" for conn in accepted)  # the app could have known
        finally:
            for conn in accepted:
                conn.close()
        left = wait_count(local, "CLOSE_WAIT", 0)
    return PileUp(piled_up, saw_eof, left)
