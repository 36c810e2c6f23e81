"""The three event-driven echo servers on 127.0.0.1: many clients, bad clients, faults, shutdown.

Every test runs against CallbackEchoServer, CoroutineEchoServer and AsyncioEchoServer.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time

import pytest

from snippets.event_driven.clients import SERVERS, fragile, run_clients
from snippets.tcp_ip.echo import EchoError, echo_once
from snippets.tcp_ip.framing import LINGER_BYTES, MAX_PAYLOAD, encode_frame, read_frame

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


def test_an_error_frame_survives_input_the_server_never_reads(server_class) -> None:
    """F11: after its error frame the server must not reset the connection while the client still sends.

    A peer like socat keeps writing the rest of an oversized frame. Closed with input unread, or
    receiving data after close(), the server's kernel answers with RST: the client's next write
    fails and it may never read the error frame. A lingering close reads until the client's EOF.
    """
    with server_class() as server, connect(server) as client:
        client.sendall(struct.pack("!cI", b"D", 70000) + bytes(100))
        assert select.select([client], [], [], 5)[0]  # the error frame is here; read it last
        for _ in range(4):
            client.sendall(bytes(65536))  # the rest of the frame: a reset server fails these
        client.shutdown(socket.SHUT_WR)
        assert read_frame(client) == (b"E", b"frame too large: 70000 > 65536 bytes")
        assert client.recv(1) == b""  # FIN, not RST
    assert server.errors == ["frame too large: 70000 > 65536 bytes"]


def writes_until_reset(sock: socket.socket, chunk: bytes, pause: float) -> int:
    """Send chunk after chunk until the server has closed for good; return how many bytes went out."""
    sent = 0
    for _ in range(1000):  # bounded; the server's limits end it long before
        try:
            sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            return sent
        sent += len(chunk)
        time.sleep(pause)
    raise AssertionError(f"still accepting input after {sent} bytes")


@pytest.mark.parametrize(("chunk", "pause"), [(bytes(65536), 0.0), (b"x", 0.01)], ids=["flood", "trickle"])
def test_the_lingering_close_is_bounded(server_class, chunk: bytes, pause: float) -> None:
    """A client that never sends EOF is closed after LINGER_BYTES (flood) or LINGER_SECONDS (trickle)."""
    with server_class(max_payload=16) as server, connect(server) as client:
        client.sendall(struct.pack("!cI", b"D", 17))
        assert read_frame(client) == (b"E", b"frame too large: 17 > 16 bytes")
        assert read_frame(client) is None  # the server's FIN: it sends nothing more
        assert writes_until_reset(client, chunk, pause) < 2 * LINGER_BYTES + 16 * 1024 * 1024
    assert server.errors == ["frame too large: 17 > 16 bytes"]


def test_half_close_after_frames_gets_every_echo_then_eof(server_class) -> None:
    """EOF from the client ends its requests, not the replies still waiting to be sent."""
    payload = bytes(range(256)) * (MAX_PAYLOAD // 256)
    frames = 64  # 4 MiB: replies are still queued when the EOF arrives

    def send_then_half_close() -> None:
        client.sendall(encode_frame(payload) * frames)
        client.shutdown(socket.SHUT_WR)

    with server_class() as server, socket.socket() as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)  # before connect: no autotuning
        client.settimeout(5)
        client.connect(server.address)
        sender = threading.Thread(target=send_then_half_close)
        sender.start()
        time.sleep(0.2)  # let both directions fill up before reading
        replies = [read_frame(client) for _ in range(frames)]
        assert read_frame(client) is None
        sender.join(5)
    assert replies == [(b"D", payload)] * frames
    assert server.errors == []


def test_half_close_mid_frame_gets_an_error_frame(server_class) -> None:
    """All four servers answer a frame cut short by EOF with the same error frame."""
    with server_class() as server, connect(server) as client:
        client.sendall(struct.pack("!cI", b"D", 100) + bytes(10))
        client.shutdown(socket.SHUT_WR)
        assert read_frame(client) == (b"E", b"connection closed after 10 of 100 bytes")
        assert read_frame(client) is None
    assert server.errors == ["connection closed after 10 of 100 bytes"]


@pytest.mark.parametrize("sent", [b"", b"D\x00\x00"], ids=["silent", "silent-mid-header"])
def test_a_silent_client_is_dropped_after_the_idle_timeout(server_class, sent: bytes) -> None:
    with server_class(idle_timeout=0.3) as server, connect(server) as silent:
        silent.sendall(sent)
        assert echo_once(server.address, [b"still served"]) == [b"still served"]
        assert silent.recv(1) == b""  # the server gave up on the silent one, without an error frame
    assert server.errors == ["idle for more than 0.3 s"]


@pytest.mark.parametrize("name", list(SERVERS))
def test_a_frame_dripping_in_slower_than_the_idle_timeout(name: str) -> None:
    """As the page says: bytes restart the idle clock, except on asyncio, where a whole frame must arrive in time."""
    stream = encode_frame(b"drip" * 4)  # 21 bytes, 50 ms apart: about twice the timeout in all
    with SERVERS[name](idle_timeout=0.5) as server, connect(server) as client:
        try:
            for byte in stream:
                client.sendall(bytes([byte]))
                time.sleep(0.05)
            reply = read_frame(client)
        except (BrokenPipeError, ConnectionResetError):
            reply = None  # closed while bytes were still coming
    if name == "asyncio":
        assert (reply, server.errors) == (None, ["idle for more than 0.5 s"])
    else:
        assert (reply, server.errors) == ((b"D", b"drip" * 4), [])


@pytest.mark.parametrize("name", list(SERVERS))
def test_a_client_that_stops_reading_is_dropped_after_the_idle_timeout(name: str) -> None:
    """Echoes nobody reads must not keep a connection forever: all four servers give up alike."""
    frame = encode_frame(bytes(MAX_PAYLOAD))
    with SERVERS[name](idle_timeout=0.3) as server, socket.socket() as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)  # before connect: no autotuning
        client.settimeout(5)
        client.connect(server.address)
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            for _ in range(1000):  # 64 MiB at most; the server gives up long before
                client.sendall(frame)
    assert server.errors == ["idle for more than 0.3 s"]
