"""snippets.tcp_ip.cwnd: struct tcp_info read at the right offsets (a fresh connection's known values), the
facts and the chart on given samples, the recorded run the chart is drawn from, and live (as root, in a
private network namespace with iptables): a fresh lossy run prints the facts the transcript holds."""

from __future__ import annotations

import json
import socket

import pytest

from snippets.tcp_ip import capture, cwnd
from snippets.tcp_ip.cwnd import INFINITE, Sample, chart, facts, first_loss
from tests.docker.conftest import require_live


def test_tcp_info_of_a_fresh_connection_has_the_initial_window_and_no_threshold() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        with socket.create_connection(listener.getsockname(), timeout=5) as client:
            server, _ = listener.accept()
            with server:
                assert cwnd.tcp_info(client) == (10, INFINITE, 0)  # RFC 6928's 10 segments, as Linux starts


def lossy(peak: int = 40, after: int = 20, later: tuple[int, ...] = (21, 22, 11)) -> list[Sample]:
    """Slow start to `peak`, a loss that sets ssthresh to `after` and cuts cwnd to it, then `later` windows."""
    grow = [Sample(i + 1, cw, INFINITE, 0) for i, cw in enumerate(range(10, peak + 1, 10))]
    loss = Sample(len(grow) + 1, after, after, 1)
    rest = [Sample(loss.write + i + 1, cw, min(after, cw), 2) for i, cw in enumerate(later)]
    return [*grow, loss, *rest]


def test_facts_of_a_slow_start_ended_by_a_loss() -> None:
    assert facts(lossy()).splitlines() == [
        "initial cwnd:              10 segments, no ssthresh (slow start)",
        "at the first loss:         ssthresh set",
        "after it, cwnd below peak: yes",
        "segments retransmitted:    more than 0",
    ]
    assert "after it, cwnd below peak: no" in facts(lossy(peak=40, after=40, later=(41, 42)))


@pytest.mark.parametrize(
    "samples",
    [
        [Sample(1, 10, INFINITE, 0), Sample(2, 20, INFINITE, 0)],  # no loss
        [Sample(1, 10, 8, 1), Sample(2, 8, 8, 1)],  # a threshold from the start: no slow start to show
    ],
)
def test_a_run_without_a_slow_start_ended_by_a_loss_is_refused(samples: list[Sample]) -> None:
    with pytest.raises(ValueError, match="no slow start ended by a loss"):
        first_loss(samples)


def test_the_chart_has_at_most_chart_points_and_room_above_the_top() -> None:
    samples = [Sample(i, 10 + i % 37, INFINITE, 0) for i in range(1, 601)]
    lines = chart(samples, "en").splitlines()
    assert lines[0] == cwnd.PLOT_COLOUR and lines[1] == "xychart-beta"
    assert lines[3] == '    x-axis "writes (4 segments each)" 0 --> 600'
    assert lines[4] == '    y-axis "cwnd (segments)" 0 --> 60'  # top 46, rounded up to the next 20
    points = lines[5].removeprefix("    line [").removesuffix("]").split(", ")
    assert len(points) == cwnd.CHART_POINTS and points[0] == str(samples[2].cwnd)  # every 3rd write
    assert '"쓰기 횟수(한 번에 세그먼트 4개)"' in chart(samples, "ko")


def test_the_recorded_run_shows_the_facts_and_reno_halving() -> None:
    """The chart's run: reno's first loss set ssthresh to half the peak (RFC 5681 §3.1, equation 4)."""
    samples = cwnd.recorded()
    first = first_loss(samples)
    peak = max(s.cwnd for s in samples[:first])
    assert 0.45 <= samples[first].ssthresh / peak <= 0.55
    assert min(s.cwnd for s in samples[first:]) == 2  # flow.md: "cwnd falls as low as 2"
    recorded = json.loads((capture.TRANSCRIPTS / "tcp_ip_cwnd.json").read_text(encoding="utf-8"))
    assert facts(samples).splitlines() == recorded["steps"][0]["lines"]


def test_why_not_live_names_what_is_missing(monkeypatch) -> None:
    monkeypatch.setattr(cwnd.sys, "platform", "darwin")
    assert cwnd.why_not_live() == "not Linux (darwin)"
    monkeypatch.setattr(cwnd.sys, "platform", "linux")
    monkeypatch.setattr(cwnd, "effective_capabilities", lambda: 1 << 13)  # CAP_NET_RAW only
    assert cwnd.why_not_live() == "no CAP_NET_ADMIN (not root)"
    monkeypatch.setattr(cwnd, "effective_capabilities", lambda: 1 << 12)
    monkeypatch.setattr(cwnd.shutil, "which", lambda name: None if name == "iptables" else f"/usr/sbin/{name}")
    assert cwnd.why_not_live() == "no iptables command (Debian: iproute2, iptables)"


def test_a_failing_child_says_why(monkeypatch) -> None:
    monkeypatch.setattr(cwnd.sys, "executable", "/bin/false")
    with pytest.raises(RuntimeError, match=r"child failed \(1\)"):
        cwnd.run()


def test_a_fresh_lossy_run_prints_the_recorded_facts() -> None:
    """Live: Linux's reno in a namespace of its own, every 300th segment dropped; the rule stays there."""
    require_live(cwnd.why_not_live)
    recorded = json.loads((capture.TRANSCRIPTS / "tcp_ip_cwnd.json").read_text(encoding="utf-8"))
    for _ in range(3):
        samples = cwnd.run("reno")
        assert len(samples) == cwnd.WRITES
        assert facts(samples).splitlines() == recorded["steps"][0]["lines"]
