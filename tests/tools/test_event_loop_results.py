"""The committed benchmark table and chart of the event-driven pages are drawn from the committed JSON, in both
languages (benchmarks/event_loop.py --render redraws them without measuring)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.event_loop import render_markdown, render_svg

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
DATA = json.loads((RESULTS / "event_loop.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_committed_table_and_chart_match_the_json(lang: str) -> None:
    assert (RESULTS / f"event_loop.{lang}.md").read_text(encoding="utf-8") == render_markdown(DATA, lang)
    assert (RESULTS / f"event_loop.{lang}.svg").read_text(encoding="utf-8") == render_svg(DATA, lang)


def test_the_korean_table_and_chart_say_nothing_in_english_but_names() -> None:
    """Server names in English (asyncio) and units stay; the words around them are Korean."""
    import re

    text = render_markdown(DATA, "ko") + re.sub(r"<[^>]+>", " ", render_svg(DATA, "ko"))
    for phrase in (
        "concurrent clients",
        "round trips",
        "thread per connection",
        "toy loop",
        "median",
        "higher is better",
    ):
        assert phrase not in text
