"""Our hand-built headers, byte for byte against Scapy's, an independent and widely used implementation.

If a checksum or a field offset were wrong in snippets/tcp_ip/headers.py, the pages would show wrong
bytes that our own parser still accepts; a second implementation catches that.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, TCP

from snippets.tcp_ip.headers import build_ipv4, build_tcp, parse_ipv4, parse_tcp

FLAGS = {"FIN": "F", "SYN": "S", "RST": "R", "PSH": "P", "ACK": "A", "URG": "U"}
addresses = st.sampled_from(["192.0.2.1", "192.0.2.2", "198.51.100.7", "203.0.113.250", "127.0.0.1"])
u16, u32 = st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF)


def scapy_packet(src, dst, sport, dport, seq, ack, flags, window, payload, ttl=64, ident=0x1234) -> bytes:
    tcp = TCP(sport=sport, dport=dport, seq=seq, ack=ack, window=window, flags="".join(FLAGS[f] for f in sorted(flags)))
    return bytes(IP(src=src, dst=dst, id=ident, ttl=ttl, flags="DF") / tcp / payload)


@settings(max_examples=300, deadline=None, database=None)
@given(addresses, addresses, u16, u16, u32, u32, st.sets(st.sampled_from(sorted(FLAGS))), u16, st.binary(max_size=64))
def test_same_bytes_as_scapy(src, dst, sport, dport, seq, ack, flags, window, payload) -> None:
    tcp = build_tcp(src, dst, sport, dport, seq, ack, set(flags), window=window, payload=payload)
    ours = build_ipv4(src, dst, payload_len=len(tcp)) + tcp
    assert ours == scapy_packet(src, dst, sport, dport, seq, ack, flags, window, payload)


def test_the_page_example_matches_scapy_and_parses() -> None:
    src, dst = "192.0.2.1", "192.0.2.2"
    reference = scapy_packet(src, dst, 49152, 80, 1000, 0, {"SYN"}, 65535, b"")
    ip = parse_ipv4(reference)
    tcp = parse_tcp(reference[ip.ihl * 4 :], ip.src, ip.dst)
    assert (ip.checksum_ok, tcp.checksum_ok, tcp.flags, tcp.seq) == (True, True, ("SYN",), 1000)
