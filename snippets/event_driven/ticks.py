"""The event loop's ticks, recorded: which sockets select() reported and which callbacks ran in each pass.

Two loopback connections (A and B) send to an echo-less reader on the toy loop (loop.py); the scenario is
driven one tick at a time, after making sure what the next select() will see, so the trace is the same on
every run: A alone, then A and B in one tick, a callback scheduled with call_soon() running in the *next*
tick, a timer firing, and a slow callback making the next timer late (on a clock the demo moves).
"""

from __future__ import annotations

import selectors
import socket
from typing import NamedTuple

from snippets.event_driven.loop import EventLoop
from snippets.tcp_ip.close import connected_pair


class Tick(NamedTuple):
    number: int
    ran: tuple[
        tuple, ...
    ]  # what ran in this pass, in order: ("readable", name, bytes), ("soon",), ("slow",), ("late", at)


class TracingLoop(EventLoop):
    """The toy loop, numbering its passes and keeping those in which something ran."""

    def __init__(self, clock) -> None:
        super().__init__(clock=clock, poll=0.0)
        self.passes = 0
        self.ticks: list[Tick] = []
        self._ran: list[str] = []

    def note(self, *what: object) -> None:
        self._ran.append(what)

    def tick(self) -> None:
        """One pass of the loop: select(), then every callback that is ready."""
        self.passes += 1
        self._ran = []
        self._run_once()
        if self._ran:
            self.ticks.append(Tick(self.passes, tuple(self._ran)))


def _wait_readable(*socks: socket.socket, timeout: float = 5.0) -> None:
    """Until the kernel reports every one of socks readable (a hang limit only), outside the loop."""
    with selectors.DefaultSelector() as sel:
        for sock in socks:
            sel.register(sock, selectors.EVENT_READ)
        waiting = set(socks)
        for _ in range(1000):
            waiting -= {key.fileobj for key, _ in sel.select(timeout / 1000)}
            if not waiting:
                return
    raise TimeoutError(f"{len(waiting)} socket(s) never became readable")


def scenario() -> list[Tick]:
    """Run the scenario and return the ticks in which something ran."""
    now = [0.0]
    loop = TracingLoop(clock=lambda: now[0])
    (a_client, a_server), (b_client, b_server) = connected_pair(), connected_pair()
    try:

        def reader(name: str):
            def on_readable(sock: socket.socket) -> None:
                data = sock.recv(4096)
                loop.note("readable", name, len(data))
                if data == b"later":
                    loop.call_soon(loop.note, "soon")

            return on_readable

        def slow() -> None:
            now[0] += 2.0  # a callback that blocks for 2 s, on the demo's clock
            loop.note("slow")

        loop.add_reader(a_server, reader("A"))
        loop.add_reader(b_server, reader("B"))
        a_client.sendall(b"ping")
        _wait_readable(a_server)
        loop.tick()  # A alone
        a_client.sendall(b"ping")
        _wait_readable(a_server)
        b_client.sendall(b"later")
        _wait_readable(a_server, b_server)
        loop.tick()  # A and B in one pass; B's callback schedules another
        loop.tick()  # ... which runs now, not in the pass that scheduled it
        loop.call_later(1.0, slow)
        loop.call_later(1.5, lambda: loop.note("late", now[0]))
        loop.tick()  # nothing is due yet: no tick recorded
        now[0] = 1.0
        loop.tick()  # the slow timer
        loop.tick()  # the next timer, late
        return loop.ticks
    finally:
        for sock in (a_client, a_server, b_client, b_server):
            sock.close()
        loop.close()


WORDS = {
    "ko": {
        "loop": "이벤트 루프",
        "kernel": "커널(select)",
        "ask": "{n}번째 바퀴: 준비된 소켓은?",
        "ready": "{names} 읽기 가능",
        "none": "준비된 소켓 없음",
        "readable": "{name} 콜백: recv {n}바이트",
        "soon": "지난 바퀴에서 call_soon()으로 예약한 콜백",
        "slow": "1.0초 타이머: 2초 동안 블로킹",
        "late": "1.5초 타이머: {at:.1f}초에야 실행",
    },
    "en": {
        "loop": "event loop",
        "kernel": "kernel (select)",
        "ask": "pass {n}: which sockets are ready?",
        "ready": "{names} readable",
        "none": "no socket ready",
        "readable": "{name}'s callback: recv {n} bytes",
        "soon": "the callback call_soon() scheduled last pass",
        "slow": "timer at 1.0 s: blocks for 2 s",
        "late": "timer at 1.5 s: runs only at {at:.1f} s",
    },
}


def said(event: tuple, words: dict) -> str:
    kind, *rest = event
    if kind == "readable":
        return words["readable"].format(name=rest[0], n=rest[1])
    if kind == "late":
        return words["late"].format(at=rest[0])
    return words[kind]


def table(ticks: list[Tick]) -> str:
    """The ticks as text, one pass a line."""
    return "\n".join(f"pass {t.number}: " + "; ".join(said(e, WORDS["en"]) for e in t.ran) for t in ticks)


def timeline(ticks: list[Tick], lang: str) -> str:
    """The ticks as a Mermaid sequence diagram: each pass asks the kernel what is ready, then runs the
    callbacks one after another on the loop's one thread."""
    words = WORDS[lang]
    lines = ["sequenceDiagram", f"    participant L as {words['loop']}", f"    participant K as {words['kernel']}"]
    for tick in ticks:
        names = [e[1] for e in tick.ran if e[0] == "readable"]
        lines.append(f"    L->>K: {words['ask'].format(n=tick.number)}")
        lines.append(f"    K-->>L: {words['ready'].format(names=', '.join(names)) if names else words['none']}")
        lines += [f"    Note over L: {said(event, words)}" for event in tick.ran]
    return "\n".join(lines)
