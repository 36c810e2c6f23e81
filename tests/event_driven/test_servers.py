"""The three event-driven echo servers on 127.0.0.1: many clients, bad clients, faults, shutdown.

Every test runs against CallbackEchoServer, CoroutineEchoServer and AsyncioEchoServer.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from snippets.event_driven.clients import fragile, run_clients
from snippets.tcp_ip.echo import EchoError, echo_once
from snippets.tcp_ip.framing import MAX_PAYLOAD, encode_frame, read_frame

pytestmark = pytest.mark.timeout(10)


def connect(server) -> socket.socket:
    sock = socket.create_connection(server.address, timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def test_binds_loopback_on_a_free_port(server_class) -> None:
    with server_class() as server:
        host, port = server.address
        assert host == "127.0.0.1"
        assert port > 0


def test_a_blocking_client_gets_its_messages_back(server_class) -> None:
    largest = bytes(range(256)) * (MAX_PAYLOAD // 256)
    with server_class() as server:
        messages = [b"hello", b"", largest, b"bye"]
        assert echo_once(server.address, messages) == messages
        assert echo_once(server.address, []) == []
    assert server.errors == []
    assert server.served_connections == 2


def test_two_hundred_clients_at_once(server_class, no_leaks) -> None:
    with server_class() as server:
        summary = run_clients(server, clients=200, messages=5)
        assert server.served_connections == 200
    assert summary.all_echoed
    assert summary.failed == []
    assert summary.server_errors == []


def test_frames_arriving_byte_by_byte(server_class) -> None:
    stream = encode_frame(b"slow") + encode_frame(b"") + encode_frame(b"drip")
    with server_class() as server, connect(server) as client:
        for byte in stream:
            client.sendall(bytes([byte]))
            time.sleep(0.001)  # separate segments, most of the time
        assert [read_frame(client) for _ in range(3)] == [(b"D", b"slow"), (b"D", b""), (b"D", b"drip")]
    assert server.errors == []


def test_many_frames_in_one_send(server_class) -> None:
    messages = [f"pipelined {i}".encode() for i in range(100)]
    with server_class() as server, connect(server) as client:
        client.sendall(b"".join(encode_frame(m) for m in messages))
        assert [read_frame(client) for _ in messages] == [(b"D", m) for m in messages]


def test_a_client_that_reads_late_gets_everything(server_class) -> None:
    """Replies larger than the kernel buffers: the server must keep what send() did not take."""
    payload = bytes(range(256)) * (MAX_PAYLOAD // 256)
    frames = 128  # 8 MiB each way: more than the kernel buffers hold
    with server_class() as server, socket.socket() as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)  # before connect: no autotuning
        client.settimeout(5)
        client.connect(server.address)
        sender = threading.Thread(target=lambda: client.sendall(encode_frame(payload) * frames))
        sender.start()
        time.sleep(0.2)  # let both directions fill up before reading
        replies = [read_frame(client) for _ in range(frames)]
        sender.join(5)
    assert replies == [(b"D", payload)] * frames
    assert server.errors == []


@pytest.mark.parametrize(
    ("sent", "error"),
    [
        (struct.pack("!cI", b"D", 100) + bytes(10), "connection closed after 10 of 100 bytes"),
        (b"D\x00\x00", "connection closed after 3 of 5 bytes"),
    ],
    ids=["mid-payload", "mid-header"],
)
def test_a_client_disconnecting_mid_frame(server_class, sent: bytes, error: str) -> None:
    with server_class() as server:
        with connect(server) as broken:
            broken.sendall(sent)
        assert echo_once(server.address, [b"next"]) == [b"next"]
    assert server.errors == [error]


def test_oversized_frame_gets_error_and_only_that_connection_closes(server_class) -> None:
    with server_class() as server, connect(server) as other, connect(server) as bad:
        other.sendall(encode_frame(b"before"))
        assert read_frame(other) == (b"D", b"before")
        bad.sendall(struct.pack("!cI", b"D", 70000))
        assert read_frame(bad) == (b"E", b"frame too large: 70000 > 65536 bytes")
        assert read_frame(bad) is None
        other.sendall(encode_frame(b"after"))
        assert read_frame(other) == (b"D", b"after")
    assert server.errors == ["frame too large: 70000 > 65536 bytes"]


def test_good_frames_before_a_bad_one_are_echoed_first(server_class) -> None:
    with server_class(max_payload=16) as server, connect(server) as client:
        client.sendall(encode_frame(b"ok") + struct.pack("!cI", b"Q", 0))
        assert read_frame(client) == (b"D", b"ok")
        assert read_frame(client) == (b"E", b"unknown frame kind: b'Q'")
        assert read_frame(client) is None
    with server_class(max_payload=16) as server:
        with pytest.raises(EchoError, match="frame too large: 17 > 16 bytes"):
            echo_once(server.address, [bytes(16), bytes(17)])


def test_a_handler_exception_ends_only_that_connection(server_class) -> None:
    with server_class(handler=fragile) as server, connect(server) as other:
        with connect(server) as victim:
            victim.sendall(encode_frame(b"fine"))
            assert read_frame(victim) == (b"D", b"fine")
            victim.sendall(encode_frame(b"boom"))
            assert read_frame(victim) is None  # closed, no reply
        other.sendall(encode_frame(b"still here"))
        assert read_frame(other) == (b"D", b"still here")
    assert server.errors == ["ValueError in fragile: boom"]


def test_a_reset_connection_is_recorded(server_class) -> None:
    with server_class() as server:
        with connect(server) as rude:
            rude.sendall(encode_frame(b"hi"))
            assert read_frame(rude) == (b"D", b"hi")
            rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        assert echo_once(server.address, [b"next"]) == [b"next"]
    assert server.errors == ["connection error: ConnectionResetError"]


def test_close_ends_open_connections_and_leaves_nothing_behind(server_class, no_leaks) -> None:
    with server_class() as server:
        assert echo_once(server.address, [b"a"]) == [b"a"]
        idle, halfway = connect(server), connect(server)
        idle.sendall(encode_frame(b"hello"))
        assert read_frame(idle) == (b"D", b"hello")
        halfway.sendall(b"D\x00\x00\x00\x09half")
        time.sleep(0.05)
    with idle, halfway:
        assert read_frame(idle) is None
        assert halfway.recv(1) == b""
    names = [t.name for t in threading.enumerate()]
    assert "event-loop" not in names and "asyncio-echo" not in names


def test_start_close_and_address_misuse(server_class, no_leaks) -> None:
    server = server_class()
    with pytest.raises(RuntimeError, match="not started"):
        server.address
    server.close()  # closing a server that never started is harmless
    with server_class() as started, pytest.raises(RuntimeError, match="already started"):
        started.start()
