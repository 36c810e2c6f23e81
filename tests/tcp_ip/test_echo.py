"""Tests for snippets.tcp_ip.echo: a real server on 127.0.0.1, good and bad clients.

What every echo server must do the same way — the lingering close after an error frame (F11) and its
bounds, a half-close mid-frame, idle timeouts — is tested once for all four servers, this one included, in
tests/event_driven/test_servers.py.
"""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from snippets.tcp_ip.echo import EchoError, EchoServer, echo_once
from snippets.tcp_ip.framing import MAX_PAYLOAD, encode_frame, read_frame

pytestmark = pytest.mark.timeout(10)


def connect(server: EchoServer) -> socket.socket:
    return socket.create_connection(server.address, timeout=5)


def test_server_binds_loopback_on_a_free_port() -> None:
    with EchoServer() as server:
        host, port = server.address
        assert host == "127.0.0.1"
        assert port > 0


def test_clients_in_turn_get_their_messages_back() -> None:
    with EchoServer() as server:
        for n in range(3):
            messages = [f"client {n} message {i}".encode() for i in range(3)]
            assert echo_once(server.address, messages) == messages
        assert server.served_connections == 3
    assert server.errors == []


def test_empty_and_largest_payloads_are_echoed() -> None:
    largest = bytes(range(256)) * (MAX_PAYLOAD // 256)
    with EchoServer() as server:
        assert echo_once(server.address, [b"", largest, b""]) == [b"", largest, b""]


def test_no_messages_is_an_orderly_close() -> None:
    with EchoServer() as server:
        assert echo_once(server.address, []) == []
    assert server.errors == []


def test_disconnect_mid_message_does_not_stop_the_server() -> None:
    with EchoServer() as server:
        with connect(server) as broken:
            broken.sendall(struct.pack("!cI", b"D", 100) + bytes(10))
        assert echo_once(server.address, [b"next"]) == [b"next"]
    assert server.errors == ["connection closed after 10 of 100 bytes"]
    assert server.served_connections == 2


def test_silent_client_does_not_block_others() -> None:
    # 2 s, not less: on a busy machine the served client itself may wait that long for a CPU
    with EchoServer(idle_timeout=2.0) as server:
        with connect(server) as silent:
            assert echo_once(server.address, [b"still served"]) == [b"still served"]
            assert silent.recv(1) == b""  # the server gave up on the silent one
    assert server.errors == ["idle for more than 2.0 s"]


def test_oversized_frame_gets_error_and_only_that_connection_closes() -> None:
    with EchoServer() as server, connect(server) as other, connect(server) as bad:
        other.sendall(encode_frame(b"before"))
        assert read_frame(other) == (b"D", b"before")

        bad.sendall(struct.pack("!cI", b"D", 70000))
        assert read_frame(bad) == (b"E", b"frame too large: 70000 > 65536 bytes")
        assert read_frame(bad) is None  # and the server closed it

        other.sendall(encode_frame(b"after"))
        assert read_frame(other) == (b"D", b"after")
    assert server.errors == ["frame too large: 70000 > 65536 bytes"]


def test_unknown_kind_gets_error_frame() -> None:
    with EchoServer() as server, connect(server) as bad:
        bad.sendall(struct.pack("!cI", b"Q", 0))
        assert read_frame(bad) == (b"E", b"unknown frame kind: b'Q'")
        assert read_frame(bad) is None


def test_error_frames_from_a_client_are_echoed_as_data() -> None:
    with EchoServer() as server, connect(server) as client:
        client.sendall(encode_frame(b"not an error", b"E"))
        assert read_frame(client) == (b"D", b"not an error")


def test_echo_once_raises_echo_error_on_error_frame() -> None:
    with EchoServer(max_payload=16) as server:
        with pytest.raises(EchoError, match="frame too large: 17 > 16 bytes"):
            echo_once(server.address, [b"ok", bytes(17)])
        assert echo_once(server.address, [bytes(16)]) == [bytes(16)]


def test_echo_once_only_connects_to_loopback() -> None:
    with pytest.raises(ValueError, match="only connects to 127.0.0.1"):
        echo_once(("192.0.2.1", 7), [b"x"])


def test_max_payload_is_validated() -> None:
    with pytest.raises(ValueError):
        EchoServer(max_payload=MAX_PAYLOAD + 1)
    with pytest.raises(ValueError):
        EchoServer(max_payload=-1)


def test_start_close_and_address_misuse() -> None:
    server = EchoServer()
    with pytest.raises(RuntimeError, match="not started"):
        server.address
    server.close()  # closing a server that never started is harmless
    with EchoServer() as started, pytest.raises(RuntimeError, match="already started"):
        started.start()


def test_close_leaves_no_threads_or_open_connections_behind() -> None:
    before = threading.active_count()
    with EchoServer() as server:
        assert echo_once(server.address, [b"a", b"b"]) == [b"a", b"b"]
        lingering = connect(server)  # still open when the server closes
        lingering.sendall(encode_frame(b"hello"))
        assert read_frame(lingering) == (b"D", b"hello")
    with lingering:
        assert read_frame(lingering) is None  # close() ended this connection too
    assert threading.active_count() == before
    assert not [t for t in threading.enumerate() if t.name.startswith("echo-")]
