"""TCP is a reliable, in-order byte stream: what is sent is what arrives.

The sender writes chunks of random sizes; the receiver sees different
boundaries (recv() returns whatever has arrived), yet the bytes and their
order are the same, which the SHA-256 digests on both sides prove.

Shown on docs/*/tcp-ip/, run by notebooks/tcp_ip_stream.ipynb, tested by tests/tcp_ip/.
"""

from __future__ import annotations

import hashlib
import random
import socket
import threading
from dataclasses import dataclass

LOOPBACK = "127.0.0.1"


@dataclass
class TransferResult:
    sent_bytes: int
    received_bytes: int
    digest_matches: bool
    recv_calls_more_than_one: bool  # certain above 64 KiB, the most one recv() asks for
    sha256_prefix: str


@dataclass
class Received:
    size: int = 0
    recv_calls: int = 0
    sha256: str = ""


# --8<-- [start:receiver]
def receive(listener: socket.socket, into: Received) -> None:
    """Accept one connection and read until the sender closes its side."""
    conn, _peer = listener.accept()
    with conn:
        conn.settimeout(5.0)
        digest = hashlib.sha256()
        while chunk := conn.recv(65536):  # b"" only after the sender's FIN
            digest.update(chunk)
            into.size += len(chunk)
            into.recv_calls += 1
    into.sha256 = digest.hexdigest()


# --8<-- [end:receiver]


# --8<-- [start:sender]
def send(address: tuple[str, int], data: bytes, seed: int) -> None:
    """Write data in chunks of random size, then say "no more" with FIN."""
    sizes = random.Random(seed)
    view = memoryview(data)  # slicing a memoryview does not copy
    with socket.create_connection(address, timeout=5.0) as sock:
        offset = 0
        while offset < len(data):
            end = offset + sizes.randint(1, 32 * 1024)
            sock.sendall(view[offset:end])
            offset = end
        sock.shutdown(socket.SHUT_WR)  # the receiver's recv() now returns b""


# --8<-- [end:sender]


def transfer(size: int = 1024 * 1024, seed: int = 7) -> TransferResult:
    """Send size seeded random bytes over loopback and compare digests."""
    if size < 0:
        raise ValueError("size must not be negative")
    data = random.Random(seed).randbytes(size)
    received = Received()
    with socket.create_server((LOOPBACK, 0)) as listener:
        listener.settimeout(5.0)  # never wait forever for a sender that failed
        receiver = threading.Thread(target=receive, args=(listener, received))
        receiver.start()
        try:
            send(listener.getsockname(), data, seed)
        finally:
            receiver.join(10.0)
    sha256 = hashlib.sha256(data).hexdigest()
    return TransferResult(
        sent_bytes=len(data),
        received_bytes=received.size,
        digest_matches=received.sha256 == sha256,
        recv_calls_more_than_one=received.recv_calls > 1,
        sha256_prefix=sha256[:16],
    )
