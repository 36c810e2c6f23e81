"""snippets.tcp_ip.capture: the BPF filter run by a small interpreter on crafted frames, sequence numbers made
relative (also across the 2**32 wrap), the diagram's notes, and live on lo (as root): the sniffer keeps only
its own connection, and a fresh capture prints what the transcript holds (tests/docker/test_transcripts.py
checks the notebook against it in both modes)."""

from __future__ import annotations

import json
import socket
import struct

import pytest

from snippets.tcp_ip import capture
from snippets.tcp_ip.capture import ETHERNET_HEADER, Segment, Trace, mermaid, port_filter, segments
from snippets.tcp_ip.headers import build_ipv4, build_tcp
from tests.docker.conftest import require_live

CLIENT, SERVER = ("127.0.0.1", 40000), ("127.0.0.1", 8080)


def frame(src, dst, flags, seq, ack=0, payload=b"", ethertype=0x0800, protocol=None, fragment=None) -> bytes:
    """An Ethernet-framed IPv4 TCP segment as lo carries it (zero MAC addresses); protocol and fragment
    overwrite the IP header's fields for the filter's cases (its checksum no longer matches: BPF does not look)."""
    tcp = build_tcp(src[0], dst[0], src[1], dst[1], seq=seq, ack=ack, flags=flags, payload=payload)
    ip = bytearray(build_ipv4(src[0], dst[0], len(tcp)))
    if protocol is not None:
        ip[9] = protocol
    if fragment is not None:
        struct.pack_into("!H", ip, 6, fragment)
    return bytes(12) + struct.pack("!H", ethertype) + bytes(ip) + tcp


def run_bpf(program: list[tuple[int, int, int, int]], packet: bytes) -> int:
    """Classic BPF (the opcodes port_filter uses), as the kernel runs it: the bytes to keep, 0 to drop."""
    a = x = pc = 0
    while True:
        code, jt, jf, k = program[pc]
        pc += 1
        if code == 0x28:  # ldh [k]
            a = struct.unpack_from("!H", packet, k)[0]
        elif code == 0x30:  # ldb [k]
            a = packet[k]
        elif code == 0x48:  # ldh [x+k]
            a = struct.unpack_from("!H", packet, x + k)[0]
        elif code == 0xB1:  # ldxb 4*([k]&0xf)
            x = 4 * (packet[k] & 0x0F)
        elif code == 0x15:  # jeq #k
            pc += jt if a == k else jf
        elif code == 0x45:  # jset #k
            pc += jt if a & k else jf
        elif code == 0x06:  # ret #k
            return k
        else:
            raise AssertionError(f"opcode {code:#x} not interpreted")


@pytest.mark.parametrize(
    ("packet", "kept"),
    [
        (frame(CLIENT, SERVER, ("SYN",), 1), True),  # to the port
        (frame(SERVER, CLIENT, ("SYN", "ACK"), 1, 2), True),  # from the port
        (frame(CLIENT, ("127.0.0.1", 8081), ("SYN",), 1), False),  # another connection
        (frame(CLIENT, SERVER, ("SYN",), 1, protocol=17), False),  # UDP (ports in the same place)
        (frame(CLIENT, SERVER, ("SYN",), 1, ethertype=0x86DD), False),  # not IPv4
        (frame(CLIENT, SERVER, ("SYN",), 1, fragment=0x0001), False),  # a later fragment: no TCP header there
        (frame(CLIENT, SERVER, ("SYN",), 1, fragment=0x4000), True),  # don't-fragment bit only: kept
    ],
)
def test_the_filter_keeps_only_tcp_segments_of_the_port(packet: bytes, kept: bool) -> None:
    assert bool(run_bpf(port_filter(8080), packet)) is kept


def test_sequence_numbers_are_relative_to_each_isn_across_the_wrap() -> None:
    near_top = 2**32 - 3  # the client's ISN: its FIN's number wraps past zero
    frames = [
        frame(CLIENT, SERVER, ("SYN",), near_top),
        frame(SERVER, CLIENT, ("SYN", "ACK"), 1000, near_top + 1),
        frame(CLIENT, SERVER, ("ACK",), near_top + 1, 1001),
        frame(CLIENT, SERVER, ("PSH", "ACK"), near_top + 1, 1001, payload=b"hello"),
        frame(CLIENT, SERVER, ("FIN", "ACK"), (near_top + 6) % 2**32, 1001),
    ]
    isn: dict[str, int] = {}
    found = segments(frames[:2], CLIENT, isn) + segments(frames[2:], CLIENT, isn)  # ISNs kept between calls
    assert found == [
        Segment("client", ("SYN",), 0, None, 0),
        Segment("server", ("SYN", "ACK"), 0, 1, 0),
        Segment("client", ("ACK",), 1, 1, 0),
        Segment("client", ("PSH", "ACK"), 1, 1, 5),
        Segment("client", ("FIN", "ACK"), 6, 1, 0),
    ]
    assert [s.label() for s in found[3:]] == ["PSH, ACK seq=1 ack=1 len=5", "FIN, ACK seq=6 ack=1"]


def test_frames_are_read_after_the_ethernet_header() -> None:
    assert ETHERNET_HEADER == 14
    packet = frame(CLIENT, SERVER, ("SYN",), 7)
    assert segments([packet], CLIENT, {})[0].flags == ("SYN",)


def test_the_diagram_notes_a_state_only_where_it_changed() -> None:
    trace = Trace(
        [
            ("segment", Segment("client", ("SYN",), 0, None, 0)),
            ("states", ("connect()", "ESTABLISHED", "ESTABLISHED")),
            ("states", ("recv()", "ESTABLISHED", "ESTABLISHED")),
            ("segment", Segment("server", ("FIN", "ACK"), 1, 7, 0)),
            ("states", ("server close()", "CLOSE_WAIT", "gone")),
        ]
    )
    assert mermaid(trace, "en").splitlines() == [
        "sequenceDiagram",
        "    participant C as client",
        "    participant S as server",
        "    C->>S: SYN seq=0",
        "    Note left of C: ESTABLISHED",
        "    Note right of S: ESTABLISHED",
        "    S->>C: FIN, ACK seq=1 ack=7",
        "    Note left of C: CLOSE_WAIT",
        "    Note right of S: (gone)",
    ]
    assert "participant C as 클라이언트" in mermaid(trace, "ko") and "(사라짐)" in mermaid(trace, "ko")


def test_why_not_live_names_the_missing_capability(monkeypatch) -> None:
    monkeypatch.setattr(capture.sys, "platform", "darwin")
    assert capture.why_not_live() == "not Linux (darwin)"
    monkeypatch.setattr(capture.sys, "platform", "linux")
    monkeypatch.setattr(capture, "effective_capabilities", lambda: 1 << 21)  # CAP_SYS_ADMIN, not CAP_NET_RAW
    assert capture.why_not_live() == "no CAP_NET_RAW (not root)"
    monkeypatch.setattr(capture, "effective_capabilities", lambda: 1 << 13)
    assert capture.why_not_live() is None


def test_the_sniffer_receives_its_own_connection_only() -> None:
    require_live(capture.why_not_live)
    with socket.create_server(("127.0.0.1", 0)) as ours, socket.create_server(("127.0.0.1", 0)) as other:
        port = ours.getsockname()[1]
        with capture.sniffer(port) as sniff:
            capture.frames(sniff)
            for listener in (other, ours, other):
                with socket.create_connection(listener.getsockname(), timeout=5) as client:
                    server, _ = listener.accept()
                    with server:
                        client.sendall(b"x")
                        assert server.recv(1) == b"x"
                        capture.wait_acknowledged(client)
            found = capture.frames(sniff)
    ports = [struct.unpack_from("!HH", f, ETHERNET_HEADER + 20) for f in found]
    assert ports and all(port in pair for pair in ports)
    assert sum(1 for f in found if f[ETHERNET_HEADER + 33] == 0x02) == 1  # one SYN: the one connection


def test_a_fresh_capture_prints_the_recorded_trace() -> None:
    """Ten captures in a row, each the transcript's text: nothing in it depends on the run."""
    require_live(capture.why_not_live)
    recorded = json.loads((capture.TRANSCRIPTS / "tcp_ip_capture.json").read_text(encoding="utf-8"))
    trace_lines = next(s["lines"] for s in recorded["steps"] if s["step"].endswith(":show_trace"))
    for _ in range(10):
        assert capture.table(capture.connection_trace()).splitlines() == trace_lines
