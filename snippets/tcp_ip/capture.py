"""A real packet capture on the loopback interface: the 3-way handshake, five bytes and the 4-way close
of one connection, as the kernel sent them, with each end's state read from /proc/net/tcp between steps.

An AF_PACKET socket bound to `lo` receives a copy of every frame on it (packet(7)); a classic BPF
filter attached to the socket (the language tcpdump compiles `tcp port N` into) lets the kernel keep
only this connection's segments, so a busy machine's other loopback traffic cannot crowd them out.
Sequence and acknowledgment numbers are shown relative to each side's initial sequence number, as
tcpdump and Wireshark do: the ISN is random (RFC 9293 §3.4.1), the offsets are not.

Capturing needs Linux and CAP_NET_RAW (root). Elsewhere the notebook replays what a live run printed
(snippets/docker/transcript.py; tests/tcp_ip/test_capture.py checks a live run against it).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import socket
import struct
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from snippets.docker.transcript import CAP_NET_RAW, effective_capabilities
from snippets.tcp_ip import close
from snippets.tcp_ip.headers import parse_ipv4, parse_tcp

LOOPBACK = "127.0.0.1"
TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"
ETH_P_ALL = 0x0003  # every protocol (linux/if_ether.h)
ETH_P_IP = 0x0800
ETHERNET_HEADER = 14  # lo frames carry an Ethernet header with zero addresses
PACKET_OUTGOING = 4  # sll_pkttype of the copy seen leaving; on lo each frame is also seen arriving
SO_ATTACH_FILTER = 26  # asm-generic/socket.h
FLAG_ORDER = ("SYN", "FIN", "RST", "PSH", "ACK")  # the order tcpdump writes them in
MESSAGE = b"hello"


class Segment(NamedTuple):
    sender: str  # "client" or "server"
    flags: tuple[str, ...]
    seq: int  # relative to the sender's ISN
    ack: int | None  # relative to the receiver's ISN; None without the ACK flag
    length: int

    def label(self) -> str:
        text = f"{', '.join(self.flags)} seq={self.seq}"
        text += f" ack={self.ack}" if self.ack is not None else ""
        return text + (f" len={self.length}" if self.length else "")


def why_not_live() -> str | None:
    """None if this process can capture on lo; otherwise why not."""
    if sys.platform != "linux":
        return f"not Linux ({sys.platform})"
    if not effective_capabilities() >> CAP_NET_RAW & 1:
        return "no CAP_NET_RAW (not root)"
    return None


# --8<-- [start:filter]
def port_filter(port: int) -> list[tuple[int, int, int, int]]:
    """Classic BPF for `tcp port PORT` on IPv4 over Ethernet framing (what `tcpdump -dd` prints for it):
    the kernel runs it on each frame and queues only those it accepts."""
    return [
        (0x28, 0, 0, 12),  # ldh [12]              EtherType
        (0x15, 0, 10, ETH_P_IP),  # jeq #0x800 else drop (jumps count instructions skipped)
        (0x30, 0, 0, 23),  # ldb [23]              IP protocol
        (0x15, 0, 8, socket.IPPROTO_TCP),  # jeq #6 else drop
        (0x28, 0, 0, 20),  # ldh [20]              fragment offset
        (0x45, 6, 0, 0x1FFF),  # jset #0x1fff: a later fragment has no ports: drop
        (0xB1, 0, 0, 14),  # ldxb 4*([14]&0xf)     X = IP header length
        (0x48, 0, 0, 14),  # ldh [x+14]            source port
        (0x15, 2, 0, port),  # jeq #port: accept
        (0x48, 0, 0, 16),  # ldh [x+16]            destination port
        (0x15, 0, 1, port),  # jeq #port else drop
        (0x06, 0, 0, 0xFFFF),  # ret #65535         accept (up to 65535 bytes)
        (0x06, 0, 0, 0),  # ret #0                   drop
    ]


@contextlib.contextmanager
def sniffer(port: int) -> Iterator[socket.socket]:
    """An AF_PACKET socket on lo that receives the frames of TCP port `port` only."""
    program = port_filter(port)
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in program))  # struct sock_filter[]
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    with sock:
        fprog = struct.pack("HL", len(program), ctypes.addressof(code))  # struct sock_fprog: length, pointer
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)  # the kernel copies the program
        sock.bind(("lo", 0))
        sock.setblocking(False)
        yield sock


# --8<-- [end:filter]


def frames(sock: socket.socket) -> list[bytes]:
    """Every frame queued on the sniffer, once each (the arriving copy, not the leaving one)."""
    found = []
    while True:
        try:
            frame, address = sock.recvfrom(65535)
        except BlockingIOError:
            return found
        if address[2] != PACKET_OUTGOING:
            found.append(frame)


# --8<-- [start:relative]
def segments(captured: list[bytes], client: tuple[str, int], isn: dict[str, int]) -> list[Segment]:
    """The captured frames as segments, sequence numbers relative to each side's ISN (its SYN's seq,
    kept in `isn` from one call to the next)."""
    found = []
    for frame in captured:
        ip = parse_ipv4(frame[ETHERNET_HEADER:])
        packet = frame[ETHERNET_HEADER:]
        # verify_checksum=False: lo leaves the TCP checksum to an offload that never happens
        tcp = parse_tcp(packet[ip.ihl * 4 : ip.total_length], ip.src, ip.dst, verify_checksum=False)
        sender = "client" if (ip.src, tcp.sport) == client else "server"
        receiver = "server" if sender == "client" else "client"
        if "SYN" in tcp.flags:
            isn[sender] = tcp.seq
        seq = (tcp.seq - isn[sender]) % 2**32
        ack = (tcp.ack - isn[receiver]) % 2**32 if "ACK" in tcp.flags else None
        flags = tuple(f for f in FLAG_ORDER if f in tcp.flags)
        found.append(Segment(sender, flags, seq, ack, len(tcp.payload)))
    return found


# --8<-- [end:relative]


def unacknowledged(sock: socket.socket) -> int:
    """Bytes sent but not yet acknowledged by the peer (SIOCOUTQ, tcp(7))."""
    return struct.unpack("i", fcntl.ioctl(sock, termios.TIOCOUTQ, b"\0" * 4))[0]


def wait_acknowledged(sock: socket.socket, timeout: float = 5.0) -> None:
    """Until the peer's ACK of everything sent has been processed here, so its frame has been captured."""
    deadline = time.monotonic() + timeout
    while unacknowledged(sock) and time.monotonic() < deadline:
        time.sleep(0.002)


class Trace(NamedTuple):
    events: list[tuple[str, object]]  # ("segment", Segment) or ("states", (step, client state, server state))


def connection_trace() -> Trace:
    """Open a connection, send MESSAGE, close it client first; the segments on lo and the states between."""
    events: list[tuple[str, object]] = []
    with socket.create_server((LOOPBACK, 0)) as listener:
        port = listener.getsockname()[1]
        with sniffer(port) as sniff:
            frames(sniff)  # nothing of ours yet: empties what arrived before the filter
            client = socket.create_connection((LOOPBACK, port), timeout=5)
            server, _ = listener.accept()
            with client, server:
                ends = {"client": (client.getsockname(), client.getpeername())}
                ends["server"] = (server.getsockname(), server.getpeername())
                isn: dict[str, int] = {}

                def step(name: str, client_states: tuple[str, ...], server_states: tuple[str, ...]) -> None:
                    found = (
                        close.wait_for(*ends["client"], *client_states),
                        close.wait_for(*ends["server"], *server_states),
                    )
                    events.extend(("segment", s) for s in segments(frames(sniff), ends["client"][0], isn))
                    events.append(("states", (name, *found)))

                step("connect()", ("ESTABLISHED",), ("ESTABLISHED",))
                client.sendall(MESSAGE)
                received = server.recv(len(MESSAGE))
                wait_acknowledged(client)
                step(f"recv() {len(received)} bytes", ("ESTABLISHED",), ("ESTABLISHED",))
                client.close()
                step("client close()", ("FIN_WAIT2",), ("CLOSE_WAIT",))
                server.close()
                step("server close()", ("TIME_WAIT",), ("gone",))
    return Trace(events)


WORDS = {
    "ko": {"client": "클라이언트", "server": "서버", "gone": "(사라짐)"},
    "en": {"client": "client", "server": "server", "gone": "(gone)"},
}


def mermaid(trace: Trace, lang: str) -> str:
    """The trace as a Mermaid sequence diagram: an arrow per captured segment, the kernel's states as notes."""
    words = WORDS[lang]
    lines = ["sequenceDiagram", f"    participant C as {words['client']}", f"    participant S as {words['server']}"]
    shown = {"C": "", "S": ""}
    for kind, event in trace.events:
        if kind == "segment":
            arrow = "C->>S" if event.sender == "client" else "S->>C"
            lines.append(f"    {arrow}: {event.label()}")
            continue
        _step, *states = event
        for end, side, state in zip("CS", ("left", "right"), states, strict=True):
            if state != shown[end]:  # a note where a state changed
                lines.append(f"    Note {side} of {end}: {words.get(state, state)}")
                shown[end] = state
    return "\n".join(lines)


def table(trace: Trace) -> str:
    """The trace as text: segments as arrows between the two ends, the states read after each step."""
    rows = []
    for kind, event in trace.events:
        if kind == "segment":
            arrow = "client → server" if event.sender == "client" else "client ← server"
            rows.append(f"  {arrow}  {event.label()}")
        else:
            step, client_state, server_state = event
            rows.append(f"{step:<22} client {client_state:<12} server {server_state}")
    return "\n".join(rows)


def show_trace() -> None:
    """The notebook's step: a fresh capture as text."""
    print(table(connection_trace()))


def show_diagram(lang: str) -> None:
    """The notebook's step: a fresh capture as a Mermaid sequence diagram, labelled in `lang`."""
    print(mermaid(connection_trace(), lang))
