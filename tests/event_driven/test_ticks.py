"""snippets.event_driven.ticks: the recorded passes of the toy loop, and the diagram drawn from them."""

from __future__ import annotations

from snippets.event_driven.ticks import Tick, scenario, table, timeline


def test_each_pass_runs_what_was_ready_before_it_and_nothing_later() -> None:
    ticks = scenario()
    assert [t.number for t in ticks] == [1, 2, 3, 5, 6]  # pass 4: nothing due, nothing ran
    assert ticks[0].ran == (("readable", "A", 4),)
    assert ticks[1].ran == (("readable", "A", 4), ("readable", "B", 5))  # both ready: one pass, in order
    assert ticks[2].ran == (("soon",),)  # scheduled during pass 2, run in pass 3, not in pass 2
    assert ticks[3].ran == (("slow",),) and ticks[4].ran == (("late", 3.0),)  # the slow callback delays the timer


def test_the_text_and_the_diagram_say_the_same_in_each_language() -> None:
    ticks = [Tick(1, (("readable", "A", 4), ("readable", "B", 5))), Tick(3, (("soon",),))]
    assert table(ticks).splitlines() == [
        "pass 1: A's callback: recv 4 bytes; B's callback: recv 5 bytes",
        "pass 3: the callback call_soon() scheduled last pass",
    ]
    assert timeline(ticks, "en").splitlines()[3:] == [
        "    L->>K: pass 1: which sockets are ready?",
        "    K-->>L: A, B readable",
        "    Note over L: A's callback: recv 4 bytes",
        "    Note over L: B's callback: recv 5 bytes",
        "    L->>K: pass 3: which sockets are ready?",
        "    K-->>L: no socket ready",
        "    Note over L: the callback call_soon() scheduled last pass",
    ]
    assert "    K-->>L: A, B 읽기 가능" in timeline(ticks, "ko").splitlines()
