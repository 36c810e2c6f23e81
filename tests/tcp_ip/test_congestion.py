"""Tests for snippets.tcp_ip.congestion: the Reno-style window model."""

from __future__ import annotations

import pytest

from snippets.tcp_ip.congestion import Round, format_table, simulate


def cwnds(rounds: list[Round]) -> list[int]:
    return [row.cwnd for row in rounds]


def test_slow_start_doubles_up_to_ssthresh_then_adds_one() -> None:
    rounds = simulate(rounds=9, initial_ssthresh=16)
    assert cwnds(rounds) == [1, 2, 4, 8, 16, 17, 18, 19, 20]
    assert [row.phase for row in rounds[:4]] == ["slow start"] * 4
    assert {row.phase for row in rounds[4:]} == {"congestion avoidance"}
    assert [row.round for row in rounds] == list(range(1, 10))
    assert {row.event for row in rounds} == {""}


def test_slow_start_stops_at_ssthresh_that_is_not_a_power_of_two() -> None:
    assert cwnds(simulate(rounds=6, initial_ssthresh=10)) == [1, 2, 4, 8, 10, 11]


def test_timeout_resets_cwnd_to_one_and_halves_ssthresh() -> None:
    rounds = simulate(rounds=10, initial_ssthresh=8, events={6: "timeout"})
    assert cwnds(rounds) == [1, 2, 4, 8, 9, 10, 1, 2, 4, 5]
    assert rounds[5].event == "timeout"
    assert rounds[6].ssthresh == 5
    assert rounds[6].phase == "slow start"
    assert rounds[9].phase == "congestion avoidance"


def test_three_duplicate_acks_halve_cwnd() -> None:
    rounds = simulate(rounds=8, initial_ssthresh=8, events={6: "3dupack"})
    assert cwnds(rounds) == [1, 2, 4, 8, 9, 10, 5, 6]
    assert (rounds[6].ssthresh, rounds[6].phase) == (5, "fast recovery")
    assert rounds[7].phase == "congestion avoidance"


def test_ssthresh_never_drops_below_two() -> None:
    rounds = simulate(rounds=4, events={1: "timeout", 2: "3dupack", 3: "timeout"})
    assert [row.ssthresh for row in rounds] == [32, 2, 2, 2]
    assert cwnds(rounds) == [1, 1, 2, 1]


def test_initial_window_is_a_parameter() -> None:
    assert cwnds(simulate(rounds=3, initial_cwnd=10)) == [10, 20, 32]


def test_zero_rounds() -> None:
    assert simulate(rounds=0) == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"events": {3: "loss"}},
        {"rounds": -1},
        {"initial_cwnd": 0},
        {"initial_ssthresh": 1},
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        simulate(**kwargs)


def test_format_table_is_deterministic_and_fits_80_columns() -> None:
    events = {9: "3dupack", 14: "timeout"}
    table = format_table(simulate(rounds=30, events=events))
    assert table == format_table(simulate(rounds=30, events=dict(events)))
    lines = table.splitlines()
    assert len(lines) == 1 + 30 + 1
    assert max(len(line) for line in lines) <= 80
    assert lines[0].split() == ["round", "cwnd", "ssthresh", "phase", "event"]
    assert lines[9].split()[-2:] == ["3dupack", "#" * 18]  # cwnd 35, 2 segments per #
    assert lines[-1] == "(# = 2 segments)"


def test_format_table_small_windows_use_one_mark_per_segment() -> None:
    table = format_table(simulate(rounds=3))
    assert table.splitlines()[1:] == [
        "    1     1        32  slow start                     #",
        "    2     2        32  slow start                     ##",
        "    3     4        32  slow start                     ####",
        "(# = 1 segment)",
    ]


def test_format_table_caps_huge_windows() -> None:
    table = format_table(simulate(rounds=16, initial_ssthresh=10**6))
    assert max(len(line) for line in table.splitlines()) <= 80
