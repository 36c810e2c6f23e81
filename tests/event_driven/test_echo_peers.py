"""Real raw-TCP peers against the four echo servers on 127.0.0.1: socat 1.7.4 and ncat 7.93.

Each peer pipes bytes from its stdin to the server and the server's bytes to its stdout, and half-closes
the connection (shutdown SHUT_WR) at the end of its stdin: what a real client of the framing protocol does.
Each test asserts what such a peer needs: the complete error frame after an oversized frame, every time;
echoes of a frame that arrives a byte at a time; echoes, then EOF, after a half-close.

In CI (CI=true) a missing peer fails the run; elsewhere these tests skip with one line saying what to install.
"""

from __future__ import annotations

import struct
import subprocess
import time
from collections.abc import Callable

import pytest

from snippets.event_driven.clients import SERVERS
from snippets.tcp_ip.framing import MAX_PAYLOAD, encode_frame
from tests.peers import need

pytestmark = pytest.mark.timeout(60)

INSTALL = "apt-get install socat ncat"
Peer = Callable[[tuple[str, int]], list[str]]  # the server's address -> the peer's command line
PEERS: dict[str, Peer] = {
    # -t: after our EOF, wait up to 5 s for the server's; -T: give up after 10 s without traffic
    "socat": lambda address: ["socat", "-t", "5", "-T", "10", "-", f"TCP:{address[0]}:{address[1]}"],
    # -n: the address is numeric, never look anything up
    "ncat": lambda address: ["ncat", "-n", "-w", "10", address[0], str(address[1])],
}


@pytest.fixture(params=list(PEERS), ids=list(PEERS))
def peer(request: pytest.FixtureRequest) -> Peer:
    name = request.param
    need("echo", name, INSTALL)
    return PEERS[name]


@pytest.fixture(params=list(SERVERS.values()), ids=[name.replace(" ", "-") for name in SERVERS])
def server(request: pytest.FixtureRequest):
    with request.param() as server:
        yield server


def run_peer(peer: Peer, server, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(peer(server.address), input=stdin, capture_output=True, timeout=20, check=False)


def assert_clean_exit(result: subprocess.CompletedProcess[bytes]) -> None:
    """No write error, no reset: the peer saw the server's FIN, not a RST."""
    assert (result.returncode, result.stderr) == (0, b"")


def test_oversized_frame_the_peer_reads_the_complete_error_frame_every_time(peer: Peer, server) -> None:
    """F11: a peer still writing the frame's payload must not be reset before it reads the error frame."""
    errors = []
    for run in range(20):
        length = (70000, 256 * 1024)[run % 2]  # just over the limit; more than the socket buffers take
        result = run_peer(peer, server, struct.pack("!cI", b"D", length) + bytes(length))
        errors.append(f"frame too large: {length} > {MAX_PAYLOAD} bytes")
        assert result.stdout == encode_frame(errors[-1].encode(), b"E"), f"run {run}: {result.stderr!r}"
        assert_clean_exit(result)
    assert server.errors == errors


def test_a_frame_sent_a_byte_at_a_time_is_echoed(peer: Peer, server) -> None:
    frames = encode_frame(b"slow bytes") + encode_frame(b"")
    with subprocess.Popen(peer(server.address), stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for byte in frames:  # 20 bytes over about a second: one write, one segment each
            proc.stdin.write(bytes([byte]))
            proc.stdin.flush()
            time.sleep(0.05)
        proc.stdin.close()  # the peer half-closes; the server echoes, then closes
        echoed = proc.stdout.read()
        assert proc.wait(timeout=20) == 0
    assert echoed == frames
    assert server.errors == []


def test_half_close_after_frames_gets_every_echo_then_eof(peer: Peer, server) -> None:
    largest = bytes(range(256)) * (MAX_PAYLOAD // 256)
    frames = encode_frame(b"hello") + encode_frame(largest) * 4 + encode_frame(b"bye")
    result = run_peer(peer, server, frames)
    assert result.stdout == frames
    assert_clean_exit(result)
    assert server.errors == []


def test_half_close_mid_frame_gets_an_error_frame(peer: Peer, server) -> None:
    """Every server answers a frame cut short by the peer's EOF with the same error frame."""
    result = run_peer(peer, server, encode_frame(b"ok") + struct.pack("!cI", b"D", 100) + bytes(10))
    error = b"connection closed after 10 of 100 bytes"
    assert result.stdout == encode_frame(b"ok") + encode_frame(error, b"E")
    assert_clean_exit(result)
    assert server.errors == [error.decode()]
