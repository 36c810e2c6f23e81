"""Linux's real congestion window while segments are lost: TCP_INFO read after every write of 4 segments,
in a private network namespace where iptables drops every DROP_EVERY-th segment to the receiver.

`tc netem` is not available on these machines; iptables' `statistic` match is (DESIGN.md). In a network
namespace of its own (unshare(2), CLONE_NEWNET, in a child process so that nothing else sees the rule),
`lo` gets a 1500-byte MTU and one segment per packet (`gso_max_segs 1`: otherwise the kernel hands lo
64 KB super-packets and "every 300th packet" is rarely a loss). The sender uses Linux's `reno` module,
so the run can be set beside the Reno model of snippets/tcp_ip/congestion.py; Linux's default is CUBIC.

What is the same on every run is printed (facts); the numbers differ run to run (ACK timing), so the
chart is drawn from one recorded run (RECORDED), whose samples must satisfy the same facts (tests).
Needs Linux, root (CAP_NET_ADMIN) and the `ip` and `iptables` commands; elsewhere the facts are replayed.

    python -m snippets.tcp_ip.cwnd --record     # run once and rewrite RECORDED
"""

from __future__ import annotations

import ctypes
import json
import platform
import shutil
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import NamedTuple

from snippets.docker.transcript import effective_capabilities

ROOT = Path(__file__).resolve().parents[2]
RECORDED = Path(__file__).resolve().parent / "cwnd_recorded.json"
CAP_NET_ADMIN = 12  # capabilities(7)
CLONE_NEWNET = 0x40000000
INFINITE = 0x7FFFFFFF  # TCP_INFINITE_SSTHRESH: no threshold yet (slow start until the first loss)
DROP_EVERY = 300
WRITES = 600
PER_WRITE = 4  # segments a write: one at a time, a busy machine's sender rarely fills the window; more, and a sample falls mid-recovery
SEGMENT = 1448  # payload of one segment: MTU 1500 - 20 (IP) - 20 (TCP) - 12 (timestamps option)
TCP_INFO = struct.Struct("8B24I")  # struct tcp_info up to tcpi_total_retrans (linux/tcp.h)
CHART_POINTS = 200
# The line's colour in both schemes (Mermaid's default theme draws it too pale to see on white):
# #1e88e5 has 3.7:1 contrast on white and more than 3:1 on the dark theme's background (WCAG 1.4.11).
PLOT_COLOUR = '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#1e88e5"}}}}%%'


class Sample(NamedTuple):
    write: int
    cwnd: int  # segments
    ssthresh: int  # segments; INFINITE before the first loss
    retransmitted: int  # segments, in all


def why_not_live() -> str | None:
    """None if this process can make a network namespace with an iptables rule; otherwise why not."""
    if sys.platform != "linux":
        return f"not Linux ({sys.platform})"
    if not effective_capabilities() >> CAP_NET_ADMIN & 1:
        return "no CAP_NET_ADMIN (not root)"
    if missing := [c for c in ("ip", "iptables") if shutil.which(c) is None]:
        return f"no {' or '.join(missing)} command (Debian: iproute2, iptables)"
    return None


# --8<-- [start:tcp-info]
def tcp_info(sock: socket.socket) -> tuple[int, int, int]:
    """(cwnd, ssthresh, total retransmitted) from the kernel's struct tcp_info for this socket (tcp(7))."""
    fields = TCP_INFO.unpack(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO.size))
    u32 = fields[8:]  # after 8 one-byte fields: rto, ato, snd_mss, ... in linux/tcp.h order
    return u32[18], u32[17], u32[23]  # tcpi_snd_cwnd, tcpi_snd_ssthresh, tcpi_total_retrans


def transfer(algorithm: str, drop_every: int = DROP_EVERY, writes: int = WRITES) -> list[Sample]:
    """In this (already private) network namespace: drop every Nth segment to the receiver, send `writes`
    times PER_WRITE segments, and read the sender's cwnd after every write."""
    subprocess.run(["ip", "link", "set", "lo", "up", "mtu", "1500", "gso_max_segs", "1"], check=True)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = str(listener.getsockname()[1])
        nth = ["-m", "statistic", "--mode", "nth", "--every", str(drop_every), "--packet", str(drop_every - 1)]
        subprocess.run(
            ["iptables", "-A", "INPUT", "-i", "lo", "-p", "tcp", "--dport", port, *nth, "-j", "DROP"], check=True
        )
        sink = threading.Thread(target=_read_all, args=(listener,))
        sink.start()
        samples = []
        with socket.create_connection(listener.getsockname(), timeout=30) as sender:
            sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, algorithm.encode())
            for write in range(1, writes + 1):
                sender.sendall(b"x" * SEGMENT * PER_WRITE)
                samples.append(Sample(write, *tcp_info(sender)))
        sink.join()
    return samples


# --8<-- [end:tcp-info]


def _read_all(listener: socket.socket) -> None:
    connection, _ = listener.accept()
    with connection:
        while connection.recv(1 << 20):
            pass


def run(algorithm: str = "reno") -> list[Sample]:
    """transfer() in a child process that first moves into a network namespace of its own."""
    result = subprocess.run(
        [sys.executable, "-m", "snippets.tcp_ip.cwnd", "--child", algorithm],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"snippets.tcp_ip.cwnd child failed ({result.returncode}): {result.stderr.strip()}")
    return [Sample(*row) for row in json.loads(result.stdout)]


def first_loss(samples: list[Sample]) -> int:
    """Index of the first sample with a threshold: the first loss ended slow start there."""
    first = next((i for i, s in enumerate(samples) if s.ssthresh != INFINITE), None)
    if not first:  # None: no loss; 0: a threshold from the first write on
        raise ValueError("no slow start ended by a loss: nothing to show")
    return first


def facts(samples: list[Sample]) -> str:
    """What every run shows, however busy the machine: Linux's initial window (RFC 6928) and no threshold
    during slow start; the first loss sets one (RFC 5681 §3.2) and the window falls below the peak it had
    reached; segments were sent again. How far cwnd grew, and how fast it falls (Linux cuts it step by step
    during recovery, RFC 6937), depends on ACK timing: even the ratio of ssthresh to the peak read here is
    not the same on every run, so the halving is shown by the recorded chart (and checked there), not here."""
    first = first_loss(samples)
    peak = max(s.cwnd for s in samples[:first])
    return "\n".join(
        [
            f"initial cwnd:              {samples[0].cwnd} segments, no ssthresh (slow start)",
            "at the first loss:         ssthresh set",
            f"after it, cwnd below peak: {'yes' if min(s.cwnd for s in samples[first:]) < peak else 'no'}",
            f"segments retransmitted:    {'more than 0' if samples[-1].retransmitted else 'none'}",
        ]
    )


def record() -> None:
    """Run once and keep the samples the chart is drawn from."""
    samples = run("reno")
    facts(samples)  # a run without the facts is not worth keeping
    text = {
        "recorded_on": f"{platform.system()} {platform.release()} ({platform.machine()}), Python {platform.python_version()}",
        "record_again_with": "python -m snippets.tcp_ip.cwnd --record",
        "algorithm": "reno",
        "drop_every": DROP_EVERY,
        "samples": [list(s) for s in samples],
    }
    RECORDED.write_text(json.dumps(text, separators=(",", ":")) + "\n", encoding="utf-8")


def recorded() -> list[Sample]:
    return [Sample(*row) for row in json.loads(RECORDED.read_text(encoding="utf-8"))["samples"]]


LABELS = {
    "ko": ("리눅스 reno의 실제 cwnd, 300번째 세그먼트마다 손실", "쓰기 횟수(한 번에 세그먼트 4개)", "cwnd(세그먼트)"),
    "en": ("Linux reno's real cwnd, every 300th segment lost", "writes (4 segments each)", "cwnd (segments)"),
}


def chart(samples: list[Sample], lang: str) -> str:
    """The samples as a Mermaid line chart: cwnd after every (len/CHART_POINTS)-th write."""
    title, x_label, y_label = LABELS[lang]
    step = max(1, len(samples) // CHART_POINTS)
    shown = samples[step - 1 :: step]
    top = (max(s.cwnd for s in shown) // 20 + 1) * 20
    return "\n".join(
        [
            PLOT_COLOUR,
            "xychart-beta",
            f'    title "{title}"',
            f'    x-axis "{x_label}" 0 --> {shown[-1].write}',
            f'    y-axis "{y_label}" 0 --> {top}',
            f"    line [{', '.join(str(s.cwnd) for s in shown)}]",
        ]
    )


def show_facts() -> None:
    """The notebook's step: a fresh run's facts."""
    print(facts(run("reno")))


def _child(algorithm: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
    print(json.dumps([list(s) for s in transfer(algorithm)]))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2])
    elif sys.argv[1:] == ["--record"]:
        record()
    else:
        raise SystemExit("usage: python -m snippets.tcp_ip.cwnd --record")
