"""Tests for snippets.tcp_ip.backlog: the accept queue before accept(), its overflow, FIFO accept, cleanup."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.tcp_ip import backlog as backlog_module
from snippets.tcp_ip.backlog import (
    NeverAccepts,
    abort_on_overflow,
    accept_queue,
    capacity,
    dial,
    listen_counters,
)
from snippets.tcp_ip.close import state, wait_for
from tests.fuzzing import fuzz
from tests.peers import need

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("no_leaks")]

TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
NETSTAT = (
    "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPTimeouts\n"
    "TcpExt: 0 7 9 3\n"
    "IpExt: InNoRoutes InTruncatedPkts\n"
    "IpExt: 0 0\n"
)


def field(address: str, port: int) -> str:
    return f"{int.from_bytes(socket.inet_aton(address), sys.byteorder):08X}:{port:04X}"


def row(local: str, remote: str, st_code: str, queues: str) -> str:
    return f"   0: {local} {remote} {st_code} {queues} 00:00000000 00000000  1000  0 1077 1 0000 100 0 0 10 0"


@pytest.fixture
def proc_net_tcp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "tcp"
    monkeypatch.setattr(backlog_module, "PROC_NET_TCP", path)
    return path


def test_accept_queue_is_the_listeners_rx_queue(proc_net_tcp: Path) -> None:
    listen = field("127.0.0.1", 8080)
    proc_net_tcp.write_text(
        "\n".join(
            [
                TCP_HEADER,
                row(field("127.0.0.1", 8081), field("0.0.0.0", 0), "0A", "00000000:00000009"),
                row(listen, field("127.0.0.1", 40000), "01", "00000000:00000005"),  # a connection's bytes
                row(listen, field("0.0.0.0", 0), "0A", "00000002:0000000B"),
            ]
        )
    )
    assert accept_queue(("127.0.0.1", 8080)) == 11
    assert accept_queue(("127.0.0.1", 8081)) == 9
    with pytest.raises(LookupError, match="no listener"):
        accept_queue(("127.0.0.1", 40000))  # an ESTABLISHED row is not a listener


def test_accept_queue_rejects_a_bad_table(proc_net_tcp: Path) -> None:
    proc_net_tcp.write_text(TCP_HEADER + "\n   0: 0100007F:1F90 00000000:0000")
    with pytest.raises(ValueError):
        accept_queue(("127.0.0.1", 8080))


def test_listen_counters_read_the_tcpext_lines() -> None:
    assert listen_counters(NETSTAT) == {"ListenOverflows": 7, "ListenDrops": 9}
    live = listen_counters()
    assert set(live) == {"ListenOverflows", "ListenDrops"}
    assert all(value >= 0 for value in live.values())


@pytest.mark.parametrize(
    "text",
    ["", "IpExt: InNoRoutes\nIpExt: 0\n", "TcpExt: ListenOverflows\nTcpExt: 1\n", "TcpExt: A B\nTcpExt: 1\n"],
)
def test_listen_counters_reject_text_without_them(text: str) -> None:
    with pytest.raises(ValueError):
        listen_counters(text)


@pytest.mark.fuzz
@fuzz(1000)
@given(st.text(max_size=200))
def test_arbitrary_netstat_text_raises_only_value_error(text: str) -> None:
    try:
        counters = listen_counters(text)
    except ValueError:
        return
    assert set(counters) == {"ListenOverflows", "ListenDrops"}


@pytest.mark.parametrize("backlog", [0, 1, 2, 5, 16])
def test_linux_queues_backlog_plus_one_before_accept(backlog: int) -> None:
    assert capacity(backlog) == (backlog + 1, "SYN_SENT")


@pytest.mark.parametrize("backlog", [1, 4])
def test_every_handshake_completes_without_accept(backlog: int) -> None:
    with NeverAccepts(backlog) as server:
        for n in range(1, backlog + 2):
            assert server.knock() == "ESTABLISHED"  # connect() returned: the kernel answered the SYN
            assert accept_queue(server.address) == n
            assert server.waiting("ESTABLISHED") == n  # the server ends exist, though nobody accepted them
            assert server.waiting("SYN_RECV") == 0
        assert [server.retransmissions(n) for n in range(1, backlog + 2)] == [0] * (backlog + 1)
        assert server.accepted == []


def test_the_overflowing_client_stays_in_syn_sent_until_a_slot_frees() -> None:
    if abort_on_overflow() != 0:
        pytest.skip("net.ipv4.tcp_abort_on_overflow=1 answers the overflow with RST instead")
    with NeverAccepts(1) as server:
        assert [server.knock(), server.knock()] == ["ESTABLISHED", "ESTABLISHED"]
        before = listen_counters()
        assert server.knock() == "SYN_SENT"
        after = listen_counters()
        assert after["ListenOverflows"] > before["ListenOverflows"]
        assert after["ListenDrops"] > before["ListenDrops"]
        assert server.waiting("SYN_RECV") == 0  # dropped before the SYN queue: no half-open connection
        # Wait for the first retransmitted SYN (an event, not a time): the queue is still full, so it is dropped too.
        assert wait_for_retransmission(server, 3) >= 1
        assert server.state(3) == "SYN_SENT"
        assert accept_queue(server.address) == 2
        assert server.accept() == 1
        assert accept_queue(server.address) == 1
        assert server.wait_established(3) == "ESTABLISHED"  # the next retransmission gets in
        assert accept_queue(server.address) == 2
        assert server.retransmissions(3) >= 2
        assert [server.accept(), server.accept()] == [2, 3]
        assert accept_queue(server.address) == 0


def wait_for_retransmission(server: NeverAccepts, n: int, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while (count := server.retransmissions(n)) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    return count


def test_accept_returns_connections_in_arrival_order() -> None:
    with NeverAccepts(5) as server:
        for _ in range(4):
            server.knock()
        assert [server.accept(), server.accept()] == [1, 2]
        for _ in range(4):
            assert server.knock() == "ESTABLISHED"  # room for backlog + 1 = 6 again: 2 waiting + 4 new
        assert accept_queue(server.address) == 6
        while accept_queue(server.address):
            server.accept()
        assert server.accepted == [1, 2, 3, 4, 5, 6, 7, 8]


def test_close_closes_every_socket_it_made() -> None:
    server = NeverAccepts(0)
    with server:
        server.knock()
        server.knock()
        server.accept()
        address = server.address
        sockets = [server.listener, *server.clients, *server._conns]
        assert len(sockets) == 4
    assert all(sock.fileno() == -1 for sock in sockets)
    assert state(address, ("0.0.0.0", 0)) == "gone"
    with pytest.raises(LookupError):
        accept_queue(address)


def test_closing_the_listener_resets_the_queued_connections() -> None:
    with NeverAccepts(2) as server:
        server.knock()
        ends = server.clients[0].getsockname(), server.address
        server.listener.close()  # the kernel aborts the connections nobody accepted
        assert wait_for(*ends, "gone") == "gone"
        with pytest.raises(ConnectionResetError):
            server.clients[0].recv(1)


def test_dial_returns_before_the_handshake_and_never_blocks() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = dial(listener.getsockname())
        with client:
            assert client.getblocking() is False
            assert wait_for(client.getsockname(), listener.getsockname(), "ESTABLISHED") == "ESTABLISHED"
            listener.accept()[0].close()


def ss_listener(port: int) -> tuple[int, int]:
    """(Recv-Q, Send-Q) of the listener as iproute2's ss reports them: queue length and its limit."""
    ss = need("tcp_ip", "ss", "apt-get install iproute2")
    out = subprocess.run([ss, "-lntH4", f"sport = :{port}"], capture_output=True, text=True, check=True, timeout=10)
    (line,) = out.stdout.splitlines()
    fields = line.split()
    return int(fields[1]), int(fields[2])


def test_accept_queue_agrees_with_ss() -> None:
    with NeverAccepts(3) as server:
        port = server.address[1]
        seen = [(accept_queue(server.address), 3) == ss_listener(port)]
        for _ in range(5):
            server.knock()  # the fifth is dropped: 4 = backlog + 1 wait
        seen.append((accept_queue(server.address), 3) == ss_listener(port))
        assert accept_queue(server.address) == 4
        server.accept()
        seen.append((accept_queue(server.address), 3) == ss_listener(port))
    assert seen == [True, True, True]


def test_somaxconn_caps_the_backlog() -> None:
    somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    with socket.create_server(("127.0.0.1", 0), backlog=somaxconn + 100) as listener:
        assert ss_listener(listener.getsockname()[1]) == (0, somaxconn)


def test_data_sent_before_accept_waits_in_the_kernel() -> None:
    with NeverAccepts(1) as server:
        assert server.knock() == "ESTABLISHED"
        server.clients[0].sendall(b"early")  # the connection is established: the kernel takes the bytes
        assert server.accept() == 1
        conn = server._conns[0]
        conn.settimeout(5)
        assert conn.recv(16) == b"early"
