"""Tests for snippets.tcp_ip.flow: a paused receiver stops the sender."""

from __future__ import annotations

import socket
import threading

import pytest

from snippets.tcp_ip.flow import FlowResult, demonstrate, drain, fill, writable

pytestmark = pytest.mark.timeout(10)

EXPECTED = FlowResult(
    sender_blocked=True,
    accepted_some_before_block=True,
    writable_while_receiver_paused=False,
    writable_after_drain=True,
    all_bytes_arrived_in_order=True,
)


@pytest.mark.parametrize("attempt", range(3))
def test_paused_receiver_blocks_the_sender(attempt: int) -> None:
    assert demonstrate() == EXPECTED


def test_small_payload_never_blocks() -> None:
    result = demonstrate(size=1000)
    assert not result.sender_blocked
    assert result.accepted_some_before_block
    assert result.writable_while_receiver_paused
    assert result.all_bytes_arrived_in_order


def test_fill_drain_and_writable_on_a_plain_connection() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        sender = socket.create_connection(listener.getsockname(), timeout=5)
        receiver, _ = listener.accept()
    with sender, receiver:
        assert writable(sender, timeout=1.0)
        assert fill(sender, b"abc" * 100) == 300  # fits: nothing blocks
        received = bytearray()
        reader = threading.Thread(target=drain, args=(receiver, received))
        reader.start()
        sender.shutdown(socket.SHUT_WR)
        reader.join(5)
    assert bytes(received) == b"abc" * 100
