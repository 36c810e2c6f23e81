"""A Reno-style congestion window, one row per round trip (a model, not a measurement).

Follows RFC 5681 in units of segments: slow start doubles cwnd each round
until ssthresh, congestion avoidance then adds one segment per round. After a
retransmission timeout, ssthresh = max(FlightSize / 2, 2) and cwnd = 1 (the
loss window); three duplicate ACKs halve it instead. Simplifications: FlightSize
is taken to be cwnd, and fast recovery is one round at cwnd = ssthresh (the
RFC inflates cwnd by one per duplicate ACK, then deflates to ssthresh).

The initial window is 1 segment here for readability. RFC 5681 §3.1 allows up
to 4 segments for small segment sizes, Linux starts at 10 (RFC 6928), and
Linux uses CUBIC (RFC 9438), not Reno, by default.

Shown on docs/*/tcp-ip/, run by notebooks/tcp_ip_congestion.ipynb,
tested by tests/tcp_ip/.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EVENTS = ("timeout", "3dupack")
BAR_WIDTH = 24


@dataclass
class Round:
    round: int
    cwnd: int
    ssthresh: int
    phase: str
    event: str


# --8<-- [start:simulate]
def simulate(
    rounds: int = 16, initial_ssthresh: int = 32, events: dict[int, str] | None = None, initial_cwnd: int = 1
) -> list[Round]:
    """cwnd and ssthresh (in segments) at the start of rounds 1..rounds."""
    events = events or {}
    unknown = {event for event in events.values() if event not in EVENTS}
    if unknown or rounds < 0 or initial_cwnd < 1 or initial_ssthresh < 2:
        raise ValueError(f"need rounds >= 0, initial_cwnd >= 1, initial_ssthresh >= 2 and events from {EVENTS}")
    cwnd, ssthresh, recovering = initial_cwnd, initial_ssthresh, False
    table = []
    for number in range(1, rounds + 1):
        event = events.get(number, "")
        if recovering:
            phase = "fast recovery"
        elif cwnd < ssthresh:
            phase = "slow start"
        else:
            phase = "congestion avoidance"
        table.append(Round(number, cwnd, ssthresh, phase, event))
        recovering = False
        if event == "timeout":
            ssthresh, cwnd = max(cwnd // 2, 2), 1  # start over from one segment
        elif event == "3dupack":
            ssthresh = cwnd = max(cwnd // 2, 2)  # the ACKs still flow: halve only
            recovering = True
        elif cwnd < ssthresh:
            cwnd = min(cwnd * 2, ssthresh)  # +1 per ACK is x2 per round
        else:
            cwnd += 1  # +1/cwnd per ACK is +1 per round
    return table


# --8<-- [end:simulate]


def format_table(rounds: list[Round]) -> str:
    """An aligned text table with a bar of # for cwnd, scaled to fit 80 columns."""
    largest = max((row.cwnd for row in rounds), default=1)
    per_mark = math.ceil(largest / BAR_WIDTH)
    lines = [f"{'round':>5}  {'cwnd':>4}  {'ssthresh':>8}  {'phase':<20}  {'event':<7}"]
    for row in rounds:
        bar = "#" * math.ceil(row.cwnd / per_mark)  # round up: every window shows
        lines.append(f"{row.round:>5}  {row.cwnd:>4}  {row.ssthresh:>8}  {row.phase:<20}  {row.event:<7}  {bar}")
    lines.append(f"(# = {per_mark} segment{'s' if per_mark > 1 else ''})")
    return "\n".join(line.rstrip() for line in lines)
