"""Every committed diagram is what our pinned Mermaid draws from the notebook output it names.

The build already refuses an SVG drawn from other text (hooks/diagrams.py compares sha256). This test
draws each diagram again in Chromium and compares what a reader sees — every label and every shape —
with the committed SVG, so a hand-edited SVG or a Mermaid upgrade that changes the picture fails here.
Coordinates are not compared: they depend on the fonts of the machine that draws.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from hooks.diagrams import SCHEMES, svg_path
from tools.diagrams import ROOT, draw_all, mermaid_page, wanted

DIAGRAMS = wanted()
pytestmark = pytest.mark.timeout(300)  # a hang, not a slow machine: the first test waits for the site build


def seen(svg: str) -> tuple[list[str], Counter]:
    """The labels in drawing order, and how many of each kind of shape."""
    labels = [t.strip() for t in re.findall(r">([^<>]+)</(?:tspan|text)>", svg) if t.strip()]
    shapes = Counter(re.findall(r"<(rect|line|path|polygon|text)\b", svg))
    return labels, shapes


def test_pages_embed_at_least_one_diagram() -> None:
    assert DIAGRAMS, "no page embeds a diagram: this test would check nothing"


@pytest.mark.parametrize(("notebook", "tag"), DIAGRAMS, ids=[f"{nb}/{tag}" for nb, tag in DIAGRAMS])
def test_committed_svg_is_what_mermaid_draws_now(browser, tmp_path: Path, notebook: str, tag: str) -> None:
    with mermaid_page(browser) as render:
        draw_all(render, notebook, tag, into=tmp_path)
    for scheme in SCHEMES:
        committed = svg_path(ROOT, notebook, tag, scheme).read_text(encoding="utf-8")
        fresh = svg_path(tmp_path, notebook, tag, scheme).read_text(encoding="utf-8")
        assert seen(fresh) == seen(committed), f"diagrams/{notebook}.{tag}.{scheme}.svg: run `make diagrams ALL=1`"
