"""Tests for snippets.tcp_ip.close: the /proc/net/tcp parser, both close orders, CLOSE_WAIT piling up."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.tcp_ip.close import (
    PROC_NET_TCP,
    STATES,
    PileUp,
    Row,
    close_wait_pile_up,
    close_walk,
    connected_pair,
    count,
    parse,
    parse_address,
    state,
    table,
    wait_count,
    wait_for,
)
from tests.fuzzing import fuzz
from tests.peers import need

pytestmark = [pytest.mark.timeout(30), pytest.mark.usefixtures("no_leaks")]

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"


def field(address: str, port: int) -> str:
    """How the kernel prints an IPv4 address and port: the address as a number in host byte order."""
    return f"{int.from_bytes(socket.inet_aton(address), sys.byteorder):08X}:{port:04X}"


def line(local: str, remote: str, st_code: str) -> str:
    return f"   0: {local} {remote} {st_code} 00000000:00000000 00:00000000 00000000  1000  0 1077 1 0000 100 0 0 10 0"


def test_states_match_tcp_states_h() -> None:
    codes = [f"{n:02X}" for n in range(1, 12)]
    assert list(STATES) == codes
    assert STATES["01"] == "ESTABLISHED"
    assert (STATES["04"], STATES["05"], STATES["06"]) == ("FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT")
    assert (STATES["08"], STATES["09"], STATES["0A"], STATES["0B"]) == ("CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING")


def test_parse_address_reads_host_byte_order() -> None:
    assert parse_address(field("127.0.0.1", 8080)) == ("127.0.0.1", 8080)
    assert parse_address(field("192.0.2.7", 65535)) == ("192.0.2.7", 65535)
    if sys.byteorder == "little":
        assert parse_address("0100007F:1F90") == ("127.0.0.1", 8080)  # a real line from x86


@pytest.mark.parametrize("bad", ["", "0100007F", "0100007F:1F9", "100007F:1F90", "0100007G:1F90", "-100007F:1F90"])
def test_parse_address_rejects_bad_fields(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_address(bad)


def test_parse_sample_lines() -> None:
    listen = field("127.0.0.1", 8080)
    text = "\n".join(
        [
            HEADER,
            line(listen, field("0.0.0.0", 0), "0A"),
            line(field("127.0.0.1", 40000), listen, "06"),
            line(listen, field("127.0.0.1", 40001), "08"),
        ]
    )
    assert parse(text) == [
        Row(("127.0.0.1", 8080), ("0.0.0.0", 0), "LISTEN"),
        Row(("127.0.0.1", 40000), ("127.0.0.1", 8080), "TIME_WAIT"),
        Row(("127.0.0.1", 8080), ("127.0.0.1", 40001), "CLOSE_WAIT"),
    ]
    assert parse(HEADER) == []


@pytest.mark.parametrize("st_code", ["00", "0C", "6", "XX"])
def test_parse_rejects_unknown_states(st_code: str) -> None:
    with pytest.raises(ValueError, match="not a /proc/net/tcp row"):
        parse(HEADER + "\n" + line(field("127.0.0.1", 1), field("127.0.0.1", 2), st_code))


def test_parse_rejects_truncated_rows() -> None:
    with pytest.raises(ValueError):
        parse(HEADER + "\n   0: 0100007F:1F90 0100007F:9C40")


@pytest.mark.fuzz
@fuzz(2000)
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_value_error(text: str) -> None:
    try:
        rows = parse(HEADER + "\n" + text)
    except ValueError:
        return
    assert all(row.state in STATES.values() for row in rows)


def test_state_and_wait_for_on_a_live_connection() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        assert state(listener.getsockname(), ("0.0.0.0", 0)) == "LISTEN"
        client = socket.create_connection(listener.getsockname(), timeout=5)
        server, _ = listener.accept()
    with client, server:
        ends = client.getsockname(), client.getpeername()
        assert state(*ends) == "ESTABLISHED"
        assert state(server.getsockname(), server.getpeername()) == "ESTABLISHED"
        assert wait_for(*ends, "CLOSE_WAIT", timeout=0.05) == "ESTABLISHED"  # times out, says what it saw
        assert state(client.getpeername(), ("127.0.0.2", 1)) == "gone"


def test_connected_pair_is_one_connection() -> None:
    client, server = connected_pair()
    with client, server:
        assert client.getsockname() == server.getpeername()
        assert client.getpeername() == server.getsockname()


def test_client_closes_first_and_gets_time_wait() -> None:
    assert close_walk("client") == [
        ("connected", "ESTABLISHED", "ESTABLISHED"),
        ("client close()", "FIN_WAIT2", "CLOSE_WAIT"),
        ("server close()", "TIME_WAIT", "gone"),
    ]


def test_server_closes_first_and_gets_time_wait() -> None:
    assert close_walk("server") == [
        ("connected", "ESTABLISHED", "ESTABLISHED"),
        ("server close()", "CLOSE_WAIT", "FIN_WAIT2"),
        ("client close()", "gone", "TIME_WAIT"),
    ]


def test_table_aligns_the_steps_under_a_header() -> None:
    assert table([("connected", "ESTABLISHED", "ESTABLISHED"), ("server close()", "gone", "TIME_WAIT")]) == (
        "step            client       server\n"
        "connected       ESTABLISHED  ESTABLISHED\n"
        "server close()  gone         TIME_WAIT"
    )
    assert table([]) == "step            client       server"


def test_close_walk_rejects_an_unknown_side() -> None:
    with pytest.raises(ValueError, match="first must be"):
        close_walk("both")


@pytest.mark.parametrize("n", [1, 5, 20])
def test_close_wait_piles_up_until_the_app_closes(n: int) -> None:
    assert close_wait_pile_up(n) == PileUp(close_wait=n, recv_saw_eof=True, close_wait_after_close=0)


def test_count_and_wait_count_see_only_their_local_address() -> None:
    client, server = connected_pair()
    with client, server:
        local = server.getsockname()
        client.close()
        assert wait_count(local, "CLOSE_WAIT", 1) == 1
        assert count(local, "ESTABLISHED") == 0
        assert count(("127.0.0.1", 1), "CLOSE_WAIT") == 0
        assert wait_count(local, "CLOSE_WAIT", 2, timeout=0.05) == 1  # times out, says what it saw


def ss_rows(port: int) -> set[Row]:
    """The same connections as iproute2's ss reports them (netlink, not /proc/net/tcp)."""
    ss = need("tcp_ip", "ss", "apt-get install iproute2")
    names = {"ESTAB": "ESTABLISHED", "SYN-RECV": "SYN_RECV", "FIN-WAIT-1": "FIN_WAIT1", "FIN-WAIT-2": "FIN_WAIT2"}
    out = subprocess.run([ss, "-tanH4"], capture_output=True, text=True, check=True, timeout=10).stdout
    rows = set()
    for fields in (text.split() for text in out.splitlines()):
        (la, lp), (ra, rp) = fields[3].rsplit(":", 1), fields[4].rsplit(":", 1)
        local, remote = (la, int(lp)), (ra, 0 if rp == "*" else int(rp))  # a listener's peer is 0.0.0.0:*
        if port in (local[1], remote[1]):
            rows.add(Row(local, remote, names.get(fields[0], fields[0].replace("-", "_"))))
    return rows


def proc_rows(port: int) -> set[Row]:
    return {r for r in parse(PROC_NET_TCP.read_text()) if port in (r.local[1], r.remote[1])}


def test_the_parser_agrees_with_ss() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        client = socket.create_connection(listener.getsockname(), timeout=5)
        server, _ = listener.accept()
        with client, server:
            ends = client.getsockname(), client.getpeername()
            seen = [proc_rows(port) == ss_rows(port)]
            client.close()
            wait_for(*ends, "FIN_WAIT2")
            seen.append(proc_rows(port) == ss_rows(port))
            assert {r.state for r in proc_rows(port)} == {"LISTEN", "FIN_WAIT2", "CLOSE_WAIT"}
        wait_for(*ends, "TIME_WAIT")
        seen.append(proc_rows(port) == ss_rows(port))
        assert "TIME_WAIT" in {r.state for r in proc_rows(port)}
    assert seen == [True, True, True]
