"""Length-prefixed framing: how to find messages in a TCP byte stream.

TCP delivers bytes, not messages: one send() may arrive as several recv()s
and two sends as one. Each frame therefore starts with a 5-byte header
(kind, payload length) so the reader knows exactly how many bytes to wait for.

Shown on docs/*/tcp-ip/, run by notebooks/tcp_ip_echo.ipynb, tested by tests/tcp_ip/.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from collections.abc import Iterator

HEADER = struct.Struct("!cI")  # kind: 1 byte, length: uint32, network byte order
MAX_PAYLOAD = 64 * 1024
KINDS = (b"D", b"E")  # data, error
LINGER_SECONDS = 2.0  # after an error frame: how long to wait for the peer's EOF
LINGER_BYTES = 1024 * 1024  # and how much of its input to throw away meanwhile


class FrameError(Exception):
    """A frame is truncated, too large, or of an unknown kind."""


# --8<-- [start:encode]
def encode_frame(payload: bytes, kind: bytes = b"D") -> bytes:
    """Prefix the payload with its kind and length."""
    if kind not in KINDS:
        raise FrameError(f"unknown frame kind: {kind!r}")
    if len(payload) > MAX_PAYLOAD:
        raise FrameError(f"frame too large: {len(payload)} > {MAX_PAYLOAD} bytes")
    return HEADER.pack(kind, len(payload)) + payload


# --8<-- [end:encode]


# --8<-- [start:recv-exactly]
def recv_exactly(sock: socket.socket, n: int) -> bytes:
    """Read exactly n bytes; recv() may return fewer than asked for."""
    chunks: list[bytes] = []
    received = 0
    while received < n:
        chunk = sock.recv(min(n - received, 65536))
        if not chunk:  # b"" means the peer closed its side
            raise FrameError(f"connection closed after {received} of {n} bytes")
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


# --8<-- [end:recv-exactly]


def check_header(kind: bytes, length: int, max_payload: int) -> None:
    if kind not in KINDS:
        raise FrameError(f"unknown frame kind: {kind!r}")
    if length > max_payload:  # refuse before reading: the length is untrusted
        raise FrameError(f"frame too large: {length} > {max_payload} bytes")


# --8<-- [start:read-frame]
def read_frame(sock: socket.socket, max_payload: int = MAX_PAYLOAD) -> tuple[bytes, bytes] | None:
    """Return (kind, payload), or None if the peer closed between frames."""
    if not sock.recv(1, socket.MSG_PEEK):  # look without consuming
        return None  # clean end of stream: no frame was started
    kind, length = HEADER.unpack(recv_exactly(sock, HEADER.size))
    check_header(kind, length, max_payload)
    return kind, recv_exactly(sock, length)


# --8<-- [end:read-frame]


def decode_frames(data: bytes, max_payload: int = MAX_PAYLOAD) -> list[tuple[bytes, bytes]]:
    """Split a complete buffer into (kind, payload) frames."""
    frames: list[tuple[bytes, bytes]] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < HEADER.size:
            raise FrameError(f"truncated header: {len(data) - offset} of {HEADER.size} bytes")
        kind, length = HEADER.unpack_from(data, offset)
        check_header(kind, length, max_payload)
        offset += HEADER.size
        payload = data[offset : offset + length]
        if len(payload) < length:
            raise FrameError(f"truncated payload: {len(payload)} of {length} bytes")
        frames.append((kind, payload))
        offset += length
    return frames


# --8<-- [start:split-frames]
def split_frames(buffer: bytearray, max_payload: int = MAX_PAYLOAD) -> Iterator[tuple[bytes, bytes]]:
    """Yield each complete frame at the front of buffer, removing it; keep a partial one.

    For non-blocking readers: append whatever recv() returned, then iterate.
    Frames before a bad header come out first, then FrameError is raised.
    """
    while len(buffer) >= HEADER.size:
        kind, length = HEADER.unpack_from(buffer)
        check_header(kind, length, max_payload)  # before waiting for the payload
        end = HEADER.size + length
        if len(buffer) < end:
            return  # the rest of this frame has not arrived yet
        payload = bytes(buffer[HEADER.size : end])
        del buffer[:end]
        yield kind, payload


# --8<-- [end:split-frames]


# --8<-- [start:linger]
def close_after_error(sock: socket.socket) -> None:
    """Close so that the peer reads the error frame: FIN first, then read until its EOF.

    close() with input still unread makes the kernel send RST, not FIN (RFC 9293 §3.6.1),
    and a peer still sending gets a write error and may never read the error frame.
    So: shut down our side, throw input away until EOF or LINGER_*, then close.
    """
    deadline = time.monotonic() + LINGER_SECONDS
    discarded = 0
    with contextlib.suppress(OSError):  # TimeoutError included: the peer kept on sending
        sock.shutdown(socket.SHUT_WR)  # FIN after the error frame: "nothing more from me"
        while discarded < LINGER_BYTES and (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            if not (chunk := sock.recv(65536)):
                break  # the peer's EOF: nothing is left unread
            discarded += len(chunk)
    sock.close()


# --8<-- [end:linger]
