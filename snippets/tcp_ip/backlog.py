"""The listen backlog: the kernel completes handshakes before the application calls accept().

Builds on close.py, whose reader of /proc/net/tcp this uses. A listener's rx_queue there is the
length of its accept queue (on Linux). Linux admits backlog + 1 connections; once the queue is full,
a further SYN is dropped (tcp_abort_on_overflow=0), the client stays in SYN_SENT and retransmits,
and the kernel counts ListenOverflows and ListenDrops in /proc/net/netstat.

Shown on docs/*/tcp-ip/, run by notebooks/tcp_ip_backlog.ipynb, tested by tests/tcp_ip/.
"""

from __future__ import annotations

import errno
import socket
import struct
import time
from pathlib import Path

from snippets.loopback import LOOPBACK
from snippets.tcp_ip.close import PROC_NET_TCP, Address, count, parse, state, wait_for

PROC_NET_NETSTAT = Path("/proc/net/netstat")
ABORT_ON_OVERFLOW = Path("/proc/sys/net/ipv4/tcp_abort_on_overflow")
TCP_INFO = struct.Struct("=8B24I")  # struct tcp_info up to tcpi_total_retrans (include/uapi/linux/tcp.h)


# --8<-- [start:accept-queue]
def accept_queue(listener: Address) -> int:
    """How many connections wait for accept(): the listener's rx_queue in /proc/net/tcp."""
    text = PROC_NET_TCP.read_text()
    for row, line in zip(parse(text), text.splitlines()[1:], strict=True):
        if row.local == listener and row.state == "LISTEN":
            return int(line.split()[4].split(":")[1], 16)  # field 4 is tx_queue:rx_queue
    raise LookupError(f"no listener on {listener}")


# --8<-- [end:accept-queue]


def listen_counters(text: str | None = None) -> dict[str, int]:
    """ListenOverflows and ListenDrops from the TcpExt lines of /proc/net/netstat."""
    lines = (PROC_NET_NETSTAT.read_text() if text is None else text).splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=False):  # a line of names, then one of numbers
        if names.startswith("TcpExt:") and values.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], map(int, values.split()[1:]), strict=True))
            if {"ListenOverflows", "ListenDrops"} <= table.keys():
                return {name: table[name] for name in ("ListenOverflows", "ListenDrops")}
    raise ValueError("no TcpExt counters in /proc/net/netstat")


def dial(address: Address) -> socket.socket:
    """Start a connect() without waiting for it: the SYN leaves, the call returns at once."""
    sock = socket.socket()
    sock.setblocking(False)
    if (err := sock.connect_ex(address)) not in (0, errno.EINPROGRESS):
        sock.close()
        raise OSError(err, f"connect() failed: {errno.errorcode.get(err, err)}")
    return sock


class NeverAccepts:
    """A listener that calls accept() only when told to; it owns and closes every socket it makes."""

    def __init__(self, backlog: int) -> None:
        self.listener = socket.create_server((LOOPBACK, 0), backlog=backlog)  # listen(backlog)
        self.address = self.listener.getsockname()
        self.clients: list[socket.socket] = []  # client n is self.clients[n - 1]
        self.accepted: list[int] = []  # client numbers, in the order accept() returned them
        self._conns: list[socket.socket] = []

    # --8<-- [start:knock]
    def knock(self, timeout: float = 5.0) -> str:
        """One more client connects; return its state once the kernel has answered its SYN or dropped it."""
        overflows = listen_counters()["ListenOverflows"]
        self.clients.append(dial(self.address))  # connect() without waiting
        deadline = time.monotonic() + timeout
        while (now := self.state(len(self.clients))) == "SYN_SENT" and time.monotonic() < deadline:
            if listen_counters()["ListenOverflows"] > overflows:
                break  # the kernel dropped a SYN: the queue is full
            time.sleep(0.002)
        return now

    # --8<-- [end:knock]

    def state(self, n: int) -> str:
        """Client n's state, as its own kernel sees it (1 is the first client)."""
        return state(self.clients[n - 1].getsockname(), self.address)

    def waiting(self, wanted: str) -> int:
        """How many server ends of this listener's connections are in `wanted` (SYN_RECV, ESTABLISHED)."""
        return count(self.address, wanted)

    def accept(self) -> int:
        """accept() one connection; return the number of the client it belongs to."""
        conn, peer = self.listener.accept()
        self._conns.append(conn)
        ports = [c.getsockname() for c in self.clients]
        self.accepted.append(ports.index(peer) + 1)
        return self.accepted[-1]

    def wait_established(self, n: int, timeout: float = 30.0) -> str:
        """Wait for client n to get in: after a dropped SYN, only its retransmission (about 1 s) can."""
        return wait_for(self.clients[n - 1].getsockname(), self.address, "ESTABLISHED", timeout=timeout)

    def retransmissions(self, n: int) -> int:
        """Client n's tcpi_total_retrans from TCP_INFO: a retransmitted SYN counts too."""
        info = self.clients[n - 1].getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO.size)
        return TCP_INFO.unpack(info)[-1]

    def close(self) -> None:
        for sock in (*self._conns, *self.clients, self.listener):
            sock.close()

    def __enter__(self) -> NeverAccepts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def capacity(backlog: int, limit: int = 64) -> tuple[int, str]:
    """Knock until a client does not get in: (connections queued before accept(), the next client's state)."""
    with NeverAccepts(backlog) as server:
        while (last := server.knock()) == "ESTABLISHED" and len(server.clients) <= limit:
            pass
        return accept_queue(server.address), last


def abort_on_overflow() -> int:
    """net.ipv4.tcp_abort_on_overflow: 0 drops the overflowing handshake, 1 answers it with RST."""
    return int(ABORT_ON_OVERFLOW.read_text())
