"""Flow control made visible: a receiver that stops reading stops the sender.

The receiver's buffer fills, it advertises a zero window, the sender's buffer
fills behind it, and a non-blocking send() fails with BlockingIOError (EAGAIN).
When the receiver reads again, the window opens and the sender can continue.
The kernel decides the exact byte counts, so the result holds only booleans.

Shown on docs/*/tcp-ip/, run by notebooks/tcp_ip_flow_control.ipynb, tested by tests/tcp_ip/.
"""

from __future__ import annotations

import random
import select
import socket
import threading
from dataclasses import dataclass

LOOPBACK = "127.0.0.1"
SMALL_BUFFER = 4096  # the kernel rounds it (Linux doubles it); small is all we need


@dataclass
class FlowResult:
    sender_blocked: bool
    accepted_some_before_block: bool
    writable_while_receiver_paused: bool
    writable_after_drain: bool
    all_bytes_arrived_in_order: bool


# --8<-- [start:fill]
def writable(sock: socket.socket, timeout: float) -> bool:
    """Whether select() reports room in the send buffer within timeout seconds."""
    _, ready, _ = select.select([], [sock], [], timeout)
    return bool(ready)


def fill(sender: socket.socket, data: bytes) -> int:
    """Send without blocking until the kernel keeps refusing; return bytes accepted."""
    sender.setblocking(False)
    accepted = 0
    while accepted < len(data):
        try:
            accepted += sender.send(data[accepted : accepted + 1024])
        except BlockingIOError:  # EAGAIN: no room left in the send buffer
            if not writable(sender, timeout=0.2):  # a late ACK may still free some
                break
    return accepted


# --8<-- [end:fill]


# --8<-- [start:drain]
def drain(receiver: socket.socket, into: bytearray) -> None:
    """Read until the sender closes; each read makes room in the window."""
    receiver.settimeout(5.0)
    while chunk := receiver.recv(65536):
        into.extend(chunk)


# --8<-- [end:drain]


def demonstrate(size: int = 256 * 1024, seed: int = 7) -> FlowResult:
    """Fill a paused receiver, check the sender is stuck, then let it drain."""
    payload = random.Random(seed).randbytes(size)  # far more than the buffers hold
    with socket.socket() as listener, socket.socket() as sender:
        # Buffer sizes must be set before the handshake: the window is agreed then.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER)
        sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)
        listener.bind((LOOPBACK, 0))
        listener.listen(1)
        sender.settimeout(5.0)
        sender.connect(listener.getsockname())
        receiver, _peer = listener.accept()
        with receiver:
            accepted = fill(sender, payload)
            paused_writable = writable(sender, timeout=0.2)

            received = bytearray()
            reader = threading.Thread(target=drain, args=(receiver, received))
            reader.start()
            try:
                drained_writable = writable(sender, timeout=5.0)
                sender.settimeout(5.0)  # back to blocking for sendall()
                sender.sendall(payload[accepted:])
                sender.shutdown(socket.SHUT_WR)
            finally:
                reader.join(10.0)

    return FlowResult(
        sender_blocked=accepted < len(payload),
        accepted_some_before_block=accepted > 0,
        writable_while_receiver_paused=paused_writable,
        writable_after_drain=drained_writable,
        all_bytes_arrived_in_order=bytes(received) == payload,
    )
