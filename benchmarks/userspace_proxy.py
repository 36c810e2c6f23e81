"""What a userspace proxy costs: the toy kube-proxy (snippets/kube_proxy/userspace.py) vs a direct connection.

Not part of `make test`. Run from the repository root (about 15 seconds):

    .venv/bin/python benchmarks/userspace_proxy.py
    .venv/bin/python benchmarks/userspace_proxy.py --render   # redraw the table from the JSON

Three processes, as on a node: the backend "Pod" (this process), the proxy (a spawned
process, like kube-proxy) and the client (another spawned process). Everything is on
127.0.0.1. The client runs on CPU 1, backend and proxy on CPU 0.
Measured, each 7 times, interleaved, median reported:

- throughput: the client sends a bulk payload and half-closes; the backend counts the
  bytes and answers with the count. MB/s = payload / time until the count arrives.
- round trip: 64 bytes out, the same 64 bytes back, on one open connection.
- new connection: connect, one 64-byte round trip, close: the proxy dials a Pod each time.

Results go to benchmarks/results/userspace_proxy.json, .en.md and .ko.md (each page's labels).
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from snippets.kube_proxy.userspace import ServiceProxy  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
LOOPBACK = "127.0.0.1"
MESSAGE = bytes(64)
ROWS = {
    "throughput_mb_s": "bulk transfer, MB/s",
    "round_trip": "round trip on an open connection, p50 / p99 µs",
    "new_connection": "new connection + one round trip, p50 / p99 µs",
}
# The Korean page includes userspace_proxy.ko.md: the same figures under Korean labels.
LABELS = {
    "en": {"head": ("measurement", "direct", "through the userspace proxy"), "rows": ROWS},
    "ko": {
        "head": ("측정 항목", "직접 연결", "유저스페이스 프록시 경유"),
        "rows": {
            "throughput_mb_s": "대량 전송, MB/s",
            "round_trip": "열린 연결의 왕복, p50 / p99 µs",
            "new_connection": "새 연결 + 왕복 한 번, p50 / p99 µs",
        },
    },
}


class Backend:
    """Counts bytes until EOF and answers the count (bulk), or echoes (small messages)."""

    def __init__(self) -> None:
        self.listener = socket.create_server((LOOPBACK, 0), backlog=128)
        self.address = self.listener.getsockname()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _handle(conn: socket.socket) -> None:
        with conn:
            mode = conn.recv(1)
            if mode == b"B":
                total = 0
                while data := conn.recv(262144):
                    total += len(data)
                conn.sendall(total.to_bytes(8, "big"))
            elif mode == b"E":
                while data := conn.recv(65536):
                    conn.sendall(data)


def pin(cpu: int) -> None:
    """Client on one core, backend and proxy on the other: unpinned, runs differed by 4x."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {cpu})


def run_proxy(backend: tuple[str, int], out) -> None:
    """In the proxy process: one Service, one Pod, until told to stop."""
    pin(0)
    with ServiceProxy("10.3.241.152:80", [("pod-a", backend)]) as proxy:
        out.send(proxy.address)
        out.recv()
        out.send(proxy.errors)


def run_client(address: tuple[str, int], bulk_mb: int, round_trips: int, connections: int, out) -> None:
    """In the client process: the three measurements against one address."""
    pin(1)
    payload = bytes(1 << 20)
    with socket.create_connection(address) as sock:
        start = time.perf_counter()
        sock.sendall(b"B")
        for _ in range(bulk_mb):
            sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        count = recv_exactly(sock, 8)
        elapsed = time.perf_counter() - start
    assert int.from_bytes(count, "big") == bulk_mb << 20
    with socket.create_connection(address) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(b"E")
        round_trip = [echo(sock) for _ in range(round_trips)]
    new_connection = []
    for _ in range(connections):
        start = time.perf_counter()
        with socket.create_connection(address) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(b"E")
            echo(sock)
        new_connection.append(time.perf_counter() - start)
    out.send(
        {
            "throughput_mb_s": round((bulk_mb << 20) / elapsed / 1e6),
            "round_trip": percentiles(round_trip),
            "new_connection": percentiles(new_connection),
        }
    )


def echo(sock: socket.socket) -> float:
    start = time.perf_counter()
    sock.sendall(MESSAGE)
    assert recv_exactly(sock, len(MESSAGE)) == MESSAGE
    return time.perf_counter() - start


def recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed early")
        data += chunk
    return data


def percentiles(seconds: list[float]) -> dict[str, float]:
    seconds = sorted(seconds)
    return {
        "p50_us": round(seconds[len(seconds) // 2] * 1e6, 1),
        "p99_us": round(seconds[int(len(seconds) * 0.99)] * 1e6, 1),
    }


def measure(context, address, args) -> dict:
    receiver, sender = context.Pipe(duplex=False)
    client = context.Process(
        target=run_client, args=(address, args.bulk_mb, args.round_trips, args.connections, sender)
    )
    client.start()
    if not receiver.poll(60):
        client.kill()
        raise RuntimeError("the client did not finish in time")
    result = receiver.recv()
    client.join(10)
    return result


def median_run(runs: list[dict]) -> dict:
    def med(key: str, sub: str | None = None) -> float:
        values = [r[key] if sub is None else r[key][sub] for r in runs]
        return statistics.median(values)

    return {
        "throughput_mb_s": med("throughput_mb_s"),
        "round_trip": {p: med("round_trip", p) for p in ("p50_us", "p99_us")},
        "new_connection": {p: med("new_connection", p) for p in ("p50_us", "p99_us")},
    }


def render_markdown(data: dict, lang: str = "en") -> str:
    direct, proxied = data["median"]["direct"], data["median"]["userspace proxy"]
    s, m = data["settings"], data["machine"]

    def cell(result: dict, key: str) -> str:
        if key == "throughput_mb_s":
            return f"{result[key]:,.0f}"
        return f"{result[key]['p50_us']:,.0f} / {result[key]['p99_us']:,.0f}"

    labels = LABELS[lang]
    lines = [
        f"Each cell is the median of {s['runs']} runs; {s['bulk_mb']} MiB bulk transfer, {s['round_trips']:,} round trips "
        f"of 64 bytes, {s['connections']:,} new connections. {m['nproc']} CPUs ({m['cpu']}), "
        f"Python {m['python']}, {m['system']}, {m['date']}.",
        "",
        "<!-- --8<-- [start:results] -->",
        "| {} | {} | {} |".format(*labels["head"]),
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {label} | {cell(direct, key)} | {cell(proxied, key)} |" for key, label in labels["rows"].items()]
    lines += ["<!-- --8<-- [end:results] -->", ""]
    return "\n".join(lines)


def write_markdown(data: dict) -> None:
    """userspace_proxy.en.md and userspace_proxy.ko.md, the same figures under each page's labels."""
    for lang in ("en", "ko"):
        name = f"userspace_proxy.{lang}.md"
        (RESULTS / name).write_text(render_markdown(data, lang))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--bulk-mb", type=int, default=256)
    parser.add_argument("--round-trips", type=int, default=10000)
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--render", action="store_true", help="only redraw the .md from the .json")
    args = parser.parse_args()
    if args.render:
        write_markdown(json.loads((RESULTS / "userspace_proxy.json").read_text()))
        return
    context = multiprocessing.get_context("spawn")
    pin(0)
    backend = Backend()
    to_proxy, proxy_end = context.Pipe()
    proxy = context.Process(target=run_proxy, args=(backend.address, proxy_end))
    proxy.start()
    proxy_address = to_proxy.recv()
    runs: dict[str, list[dict]] = {"direct": [], "userspace proxy": []}
    for run in range(args.runs):
        for name, address in (("direct", backend.address), ("userspace proxy", proxy_address)):
            runs[name].append(measure(context, address, args))
            print(f"run {run + 1} {name}: {runs[name][-1]}", flush=True)
    to_proxy.send("stop")
    errors = to_proxy.recv()
    proxy.join(10)
    if errors:
        raise RuntimeError(f"the proxy recorded errors: {errors[:3]}")
    data = {
        "settings": {k: getattr(args, k) for k in ("runs", "bulk_mb", "round_trips", "connections")},
        "machine": {
            "nproc": os.cpu_count(),
            "cpu": next(
                (
                    line.split(":", 1)[1].strip()
                    for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")
                ),
                platform.processor() or "unknown",
            ),
            "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}",
            "date": datetime.date.today().isoformat(),
        },
        "runs": runs,
        "median": {name: median_run(r) for name, r in runs.items()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "userspace_proxy.json").write_text(json.dumps(data, indent=2) + "\n")
    write_markdown(data)
    print(render_markdown(data))


if __name__ == "__main__":
    main()
