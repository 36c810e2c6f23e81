"""Echo round trips per second: a thread per connection, the toy callback loop, asyncio.

Not part of `make test`. Run from the repository root:

    .venv/bin/python benchmarks/event_loop.py            # about 1.5 minutes
    .venv/bin/python benchmarks/event_loop.py --render   # redraw the table and chart from the JSON

Each server runs in this process, pinned to CPU 0. The load comes from a separate
process (spawned: its own interpreter and GIL) pinned to CPU 1, which opens N
connections to 127.0.0.1 and keeps exactly one request in flight on each: send a
frame, wait for its echo, send the next. It busy-polls one epoll set and compares
raw bytes, so it is cheaper per round trip than any server, and since it never
sleeps, no server pays for waking it up. Results go to benchmarks/results/;
benchmarks/README.md explains the method and reads the numbers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import resource
import select
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from snippets.event_driven.async_echo import AsyncioEchoServer  # noqa: E402
from snippets.event_driven.callbacks import CallbackEchoServer  # noqa: E402
from snippets.tcp_ip.echo import EchoServer  # noqa: E402
from snippets.tcp_ip.framing import encode_frame  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
LOOPBACK = "127.0.0.1"
IDLE_TIMEOUT = 60.0  # every server drops a silent client; none may while the load sets up 1,000 connections
SERVERS = {
    "thread per connection": lambda: EchoServer(idle_timeout=IDLE_TIMEOUT),
    "toy loop": lambda: CallbackEchoServer(idle_timeout=IDLE_TIMEOUT),
    "asyncio": lambda: AsyncioEchoServer(idle_timeout=IDLE_TIMEOUT),
}
COLORS = {"thread per connection": "#2f80ed", "toy loop": "#ea580c", "asyncio": "#a855f7"}
DASHES = {"thread per connection": "", "toy loop": "8 4", "asyncio": "2 3"}
PAYLOAD = bytes(64)
# What the table and chart say, per language: the Korean page shows event_loop.ko.{md,svg}, the English one
# event_loop.en.{md,svg}, all drawn from the same event_loop.json.
WORDS = {
    "en": {
        "names": {},
        "clients": "concurrent clients",
        "throughput": "Echo round trips per second, median of {repeats} runs (higher is better):",
        "latency": "Latency of one round trip in the median run, p50 / p99 in ms:",
        "cpu": 'Server CPU in the median run, user + system (1.00 is one core busy all the time; CPU is counted from the load\'s "measuring" message to its result, a little longer than the measured seconds it is divided by, so a busy core can show slightly over 1.00):',
        "runs": "Every run, round trips per second (* other processes used more than {noise:g} of a CPU meanwhile: "
        "not used for the median when a quieter run exists):",
        "runs_unmarked": "Every run, round trips per second (in none did other processes use more than {noise:g} of a CPU):",
        "machine": "{nproc} CPUs ({cpu}), Python {python}, {system}, {date}. {duration:g} s measured per run after "
        "{warmup:g} s of warm-up, {payload}-byte payloads, one request in flight per client; {pinning}.",
        "pinning": {},
        "title": "Echo round trips per second by number of concurrent clients",
        "desc": "Loopback echo benchmark, {nproc} CPUs. {summary}.",
        "point": "{value} at {n}",
        "x_axis": "concurrent clients (log scale)",
        "y_axis": "round trips / s",
    },
    "ko": {
        "names": {"thread per connection": "연결당 스레드", "toy loop": "예제 루프(콜백)", "asyncio": "asyncio"},
        "clients": "동시 연결 수",
        "throughput": "초당 에코 왕복 횟수, {repeats}번 잰 값의 중앙값(클수록 좋음):",
        "latency": "처리량이 중앙값인 실행에서 왕복 한 번의 지연, p50 / p99(ms):",
        "cpu": "처리량이 중앙값인 실행에서 서버의 CPU 사용량, 사용자 + 시스템(1.00은 코어 하나를 계속 쓴 것. CPU 시간은 부하 프로세스가 측정 시작을 알린 때부터 결과를 보낼 때까지 재고 측정 시간으로 나누므로, 코어를 꽉 채우면 1.00을 조금 넘을 수 있음):",
        "runs": "모든 실행의 초당 왕복 횟수(*: 그동안 다른 프로세스가 {noise:g}코어 넘게 써서, 더 조용한 실행이 "
        "있으면 중앙값에 쓰지 않음):",
        "runs_unmarked": "모든 실행의 초당 왕복 횟수(어느 실행에서도 다른 프로세스가 {noise:g}코어 넘게 쓰지 않음):",
        "machine": "vCPU {nproc}개({cpu}), 파이썬 {python}, {system}, {date}. 실행마다 {warmup:g}초 예열 뒤 {duration:g}초 "
        "측정, 페이로드 {payload}바이트, 클라이언트마다 한 번에 요청 하나. {pinning}.",
        "pinning": {
            "server process on CPU 0, load process on CPU 1": "서버 프로세스는 CPU 0, 부하 프로세스는 CPU 1에 고정"
        },
        "title": "동시 연결 수에 따른 초당 에코 왕복 횟수",
        "desc": "루프백 에코 측정, CPU {nproc}개. {summary}.",
        "point": "{n}개일 때 {value}",
        "x_axis": "동시 연결 수(로그 눈금)",
        "y_axis": "초당 왕복 횟수",
    },
}
NOISE = 0.2  # CPU used by other processes during a run (1.0 = a core) above which it is measured again


def load(address: tuple[str, int], clients: int, warmup: float, duration: float, out) -> None:
    """In the load process: N connections, one request in flight on each, for a fixed time."""
    pin(1)
    frame = encode_frame(PAYLOAD)
    socks = {}
    for _ in range(clients):
        sock = socket.create_connection(address, timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        socks[sock.fileno()] = sock
    poller = select.epoll(sizehint=clients)
    received = {fd: bytearray() for fd in socks}
    sent_at = {}
    begin = time.perf_counter()
    measure_from, measure_to = begin + warmup, begin + warmup + duration
    for fd, sock in socks.items():
        poller.register(fd, select.EPOLLIN)
        sent_at[fd] = time.perf_counter()
        sock.send(frame)
    latencies: list[float] = []
    in_flight, cpu_from, cpu_used = clients, None, None
    while in_flight:
        now = time.perf_counter()
        if cpu_from is None and now >= measure_from:
            cpu_from = time.process_time()
            out.send("measuring")  # the server side starts its CPU clock too
        if now > measure_to + 5.0:
            raise RuntimeError(f"{in_flight} echoes still missing 5 s after the end")
        for fd, _events in poller.poll(0):  # busy-poll: see the module docstring
            data = socks[fd].recv(65536)
            if not data:
                raise RuntimeError("the server closed a connection")
            buffer = received[fd]
            buffer += data
            if len(buffer) < len(frame):
                continue
            if buffer != frame:
                raise RuntimeError("an echo did not match its request")
            buffer.clear()
            now = time.perf_counter()
            if measure_from <= now < measure_to:
                latencies.append(now - sent_at[fd])
            if now < measure_to:
                sent_at[fd] = now
                socks[fd].send(frame)  # 69 bytes into an empty send buffer: never partial
            else:
                in_flight -= 1  # the window is over: collect the last echoes, send no more
                if cpu_used is None:
                    cpu_used = time.process_time() - cpu_from
    poller.close()
    for sock in socks.values():
        sock.close()
    latencies.sort()
    out.send(
        {
            "round_trips_per_s": round(len(latencies) / duration),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3),
            "load_cpu": round(cpu_used / duration, 2),  # CPU seconds per second: 1.0 is one core
        }
    )
    out.close()


def measure(server_name: str, clients: int, warmup: float, duration: float) -> dict:
    context = multiprocessing.get_context("spawn")  # no fork of a process full of threads
    receiver, sender = context.Pipe(duplex=False)
    with SERVERS[server_name]() as server:
        process = context.Process(target=load, args=(server.address, clients, warmup, duration, sender))
        process.start()
        sender.close()
        started = _receive(receiver, process, warmup + 60.0)
        cpu_from, busy_from = _cpu_seconds(), _machine_busy()
        result = _receive(receiver, process, duration + 10.0)
        user, system = (round((b - a) / duration, 2) for a, b in zip(cpu_from, _cpu_seconds(), strict=True))
        result.update(server_cpu=round(user + system, 2), server_user_cpu=user, server_system_cpu=system)
        busy = (_machine_busy() - busy_from) / duration
        result["other_cpu"] = round(max(0.0, busy - result["server_cpu"] - result["load_cpu"]), 2)
        process.join(10.0)
        assert started == "measuring"
        errors = list(server.errors)
    if errors:
        raise RuntimeError(f"{server_name} recorded errors: {errors[:3]}")
    return result


def pin(cpu: int) -> None:
    """One core per side: left alone, Linux often wakes both ends of a ping-pong on one core."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {cpu})


def _receive(receiver, process, timeout: float):
    if not receiver.poll(timeout):
        process.kill()
        raise RuntimeError("the load process did not answer in time")
    return receiver.recv()


def _cpu_seconds() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process: the server
    return usage.ru_utime, usage.ru_stime


def _machine_busy() -> float:
    """CPU seconds the whole machine was busy (every process, also outside this benchmark)."""
    try:
        ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        sys.exit(
            f"need {needed} open files per process, but the hard limit is {hard}: "
            f"raise it (ulimit -Hn, or LimitNOFILE) or pass fewer --clients"
        )
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))  # the load process inherits it


def machine() -> dict:
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "date": datetime.date.today().isoformat(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def render_markdown(data: dict, lang: str = "en") -> str:
    words = WORDS[lang]
    names = list(data["results"])
    counts = sorted({int(n) for per in data["results"].values() for n in per})
    settings, m = data["settings"], data["machine"]

    def table(section: str, title: str, cell) -> list[str]:
        # Each table is a named section that pages can include: --8<-- "benchmarks/results/event_loop.en.md:throughput"
        rows = [
            title,
            "",
            f"<!-- --8<-- [start:{section}] -->",
            f"| {words['clients']} | " + " | ".join(words["names"].get(n, n) for n in names) + " |",
            "| ---: | " + " | ".join("---:" for _ in names) + " |",
        ]
        for n in counts:
            rows.append(f"| {n:,} | " + " | ".join(cell(data["results"][name][str(n)]) for name in names) + " |")
        return rows + [f"<!-- --8<-- [end:{section}] -->", ""]

    lines = table(
        "throughput",
        words["throughput"].format(repeats=settings["repeats"]),
        lambda r: f"{r['round_trips_per_s']:,}",
    )
    lines += table("latency", words["latency"], lambda r: f"{r['p50_ms']:.2f} / {r['p99_ms']:.2f}")
    lines += table("cpu", words["cpu"], lambda r: f"{r['server_user_cpu']:.2f} + {r['server_system_cpu']:.2f}")
    marked = any(
        run["other_cpu"] > NOISE for per in data["results"].values() for r in per.values() for run in r["runs"]
    )
    lines += table(
        "runs",
        words["runs" if marked else "runs_unmarked"].format(noise=NOISE),
        lambda r: " · ".join(
            f"{run['round_trips_per_s']:,}" + ("*" if run["other_cpu"] > NOISE else "") for run in r["runs"]
        ),
    )
    lines.append(
        words["machine"].format(
            nproc=m["nproc"],
            cpu=m["cpu"],
            python=m["python"],
            system=m["system"],
            date=m["date"],
            duration=settings["duration_s"],
            warmup=settings["warmup_s"],
            payload=settings["payload_bytes"],
            pinning=words["pinning"].get(settings["pinning"], settings["pinning"]),
        )
    )
    return "\n".join(lines) + "\n"


def render_svg(data: dict, lang: str = "en") -> str:
    """A small line chart; text and axes use currentColor so it reads on light and dark pages."""
    words = WORDS[lang]
    names = list(data["results"])
    counts = sorted({int(n) for per in data["results"].values() for n in per})
    top = max(r["round_trips_per_s"] for per in data["results"].values() for r in per.values())
    step = _nice_step(top / 4)
    ymax = step * -(-top // step)
    width, height, left, right, upper, lower = 600, 300, 84, 172, 20, 50
    plot_w, plot_h = width - left - right, height - upper - lower

    def x(i: int) -> float:
        return left + plot_w * (i + 0.5) / len(counts)

    def y(v: float) -> float:
        return upper + plot_h * (1 - v / ymax)

    summary = "; ".join(
        f"{words['names'].get(name, name)}: "
        + ", ".join(
            words["point"].format(value=f"{data['results'][name][str(n)]['round_trips_per_s']:,}", n=f"{n:,}")
            for n in counts
        )
        for name in names
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-labelledby="evl-title evl-desc" font-family="sans-serif" font-size="12">',
        f'<title id="evl-title">{words["title"]}</title>',
        f'<desc id="evl-desc">{words["desc"].format(nproc=data["machine"]["nproc"], summary=summary)}</desc>',
        '<g fill="none" stroke="currentColor" stroke-width="1">',
        f'<path d="M{left} {upper}V{upper + plot_h}H{left + plot_w}"/>',
    ]
    ticks = [step * k for k in range(int(ymax // step) + 1)]
    out += [f'<path d="M{left - 4} {y(t):.1f}H{left}" />' for t in ticks]
    out.append("</g>")
    out.append('<g fill="currentColor" text-anchor="end">')
    out += [f'<text x="{left - 7}" y="{y(t) + 4:.1f}">{t:,}</text>' for t in ticks]
    out.append("</g>")
    out.append('<g fill="currentColor" text-anchor="middle">')
    out += [f'<text x="{x(i):.1f}" y="{upper + plot_h + 18}">{n:,}</text>' for i, n in enumerate(counts)]
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}">{words["x_axis"]}</text>')
    out.append(f'<text transform="rotate(-90)" x="{-(upper + plot_h / 2):.1f}" y="14">{words["y_axis"]}</text>')
    out.append("</g>")
    markers = ["circle", "square", "diamond"]
    for k, name in enumerate(names):
        color, dash = COLORS.get(name, "currentColor"), DASHES.get(name, "")
        points = [(x(i), y(data["results"][name][str(n)]["round_trips_per_s"])) for i, n in enumerate(counts)]
        path = "M" + "L".join(f"{px:.1f} {py:.1f}" for px, py in points)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2.5"{dash_attr}/>')
        out += [_marker(markers[k % 3], px, py, color) for px, py in points]
        ly = upper + 10 + 22 * k
        lx = left + plot_w + 14
        out.append(f'<path d="M{lx} {ly}h24" stroke="{color}" stroke-width="2.5"{dash_attr}/>')
        out.append(_marker(markers[k % 3], lx + 12, ly, color))
        out.append(f'<text x="{lx + 30}" y="{ly + 4}" fill="currentColor">{words["names"].get(name, name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _marker(shape: str, x: float, y: float, color: str) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}"/>'
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{color}"/>'
    return f'<path d="M{x:.1f} {y - 5:.1f}l5 5-5 5-5-5z" fill="{color}"/>'


def _nice_step(raw: float) -> int:
    magnitude = 10 ** max(0, len(str(int(raw))) - 1)
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def write_outputs(data: dict, results: Path) -> None:
    results.mkdir(parents=True, exist_ok=True)
    (results / "event_loop.json").write_text(json.dumps(data, indent=2) + "\n")
    for lang in (
        WORDS
    ):  # event_loop.en.md on the English page, event_loop.ko.md on the Korean (tools/checks/pages.py pairs them)
        (results / f"event_loop.{lang}.md").write_text(render_markdown(data, lang))
        (results / f"event_loop.{lang}.svg").write_text(render_svg(data, lang))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), default=list(SERVERS))
    parser.add_argument("--duration", type=float, default=2.0, help="seconds measured per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per point; the median is kept")
    parser.add_argument("--warmup", type=float, default=0.5, help="seconds before measuring")
    parser.add_argument("--render", action="store_true", help="only redraw the table and chart from the JSON")
    parser.add_argument("--results", type=Path, default=RESULTS, help="directory for the results (for trials)")
    args = parser.parse_args()
    if args.render:
        write_outputs(json.loads((args.results / "event_loop.json").read_text()), args.results)
        return
    raise_fd_limit(max(args.clients) + 256)
    pin(0)  # before any server thread starts: they inherit it
    data: dict = {
        "machine": machine(),
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "repeats": args.repeats,
            "payload_bytes": len(PAYLOAD),
            "pinning": "server process on CPU 0, load process on CPU 1",
            "command": ".venv/bin/python benchmarks/event_loop.py",
        },
        "results": {},
    }
    runs: dict[tuple[str, int], list[dict]] = {}
    for repeat in range(args.repeats):  # interleaved, so a noisy minute hurts every server alike
        for name in args.servers:
            for clients in args.clients:
                for _attempt in range(2):  # this machine may be shared: measure again if it was busy
                    result = measure(name, clients, args.warmup, args.duration)
                    if result["other_cpu"] <= NOISE:
                        break
                runs.setdefault((name, clients), []).append(result)
                print(
                    f"run {repeat + 1}/{args.repeats} {name:>22} {clients:>5} clients: "
                    f"{result['round_trips_per_s']:>8,} round trips/s, p50 {result['p50_ms']:.2f} ms, "
                    f"p99 {result['p99_ms']:.2f} ms, CPU: server {result['server_user_cpu']:.2f} user "
                    f"+ {result['server_system_cpu']:.2f} system, "
                    f"load {result['load_cpu']:.2f}, other {result['other_cpu']:.2f}",
                    flush=True,
                )
    for (name, clients), results in runs.items():
        quiet = [r for r in results if r["other_cpu"] <= NOISE] or results
        ranked = sorted(quiet, key=lambda r: r["round_trips_per_s"])
        median = dict(ranked[(len(ranked) - 1) // 2])  # of an even count, the lower one
        median["runs"] = results
        data["results"].setdefault(name, {})[str(clients)] = median
    write_outputs(data, args.results)
    print(f"wrote {args.results}/event_loop.json and event_loop.{{en,ko}}.{{md,svg}}")


if __name__ == "__main__":
    main()
