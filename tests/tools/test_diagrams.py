"""hooks/diagrams.py: a diagram on a page must be drawn from the notebook output it names, or the build fails."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from hooks import diagrams

MERMAID = "sequenceDiagram\n    a->>b: create Deployment/nginx\n"
SVG = '<svg id="x" width="100%" xmlns="http://www.w3.org/2000/svg" viewBox="-50 -10 400 120"></svg>\n'
LINE = '{{ diagram("demo", "sequence", "요청과 감시 이벤트의 순서") }}'


def project(tmp_path: Path, output: str = MERMAID, drawn_from: str | None = MERMAID, schemes=diagrams.SCHEMES) -> Path:
    """A project with notebooks/demo.ipynb (one cell tagged `sequence`) and SVGs drawn from `drawn_from`."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "diagrams").mkdir()
    cell = {"cell_type": "code", "execution_count": 1, "id": "c1", "metadata": {"tags": ["sequence"]},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": [output]}], "source": ["print(x)"]}
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "notebooks/demo.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    for scheme in schemes:
        svg = SVG if drawn_from is None else SVG.replace("<svg ", f'<svg data-source-sha256="{diagrams.sha256(drawn_from)}" ', 1)
        (tmp_path / f"diagrams/demo.sequence.{scheme}.svg").write_text(svg, encoding="utf-8")
    return tmp_path


def embed(root: Path, line: str = LINE) -> str:
    config = SimpleNamespace(config_file_path=str(root / "mkdocs.yml"), docs_dir=str(root / "docs/ko"),
                             extra={"diagram_labels": {"source": "Mermaid 원문", "open": "원래 크기로 보기", "wide": "옆으로 스크롤됩니다."}})
    page = SimpleNamespace(url="kubernetes-order/", file=SimpleNamespace(src_uri="kubernetes-order.md"))
    return diagrams.on_page_markdown(f"# T\n\n{line}\n", page=page, config=config, files=None)


def test_diagram_shows_both_schemes_sized_with_its_source(tmp_path: Path) -> None:
    md = embed(project(tmp_path))
    assert '<figure class="diagram" data-notebook="demo" data-tag="sequence" markdown>' in md
    for scheme in ("light", "dark"):
        assert f'<img src="../diagrams/demo.sequence.{scheme}.svg" alt="요청과 감시 이벤트의 순서" width="400" height="120"' in md
    assert "```text\nsequenceDiagram\n    a->>b: create Deployment/nginx\n```" in md
    assert "<figcaption>" not in md  # 400 px fits the text column


def test_a_diagram_wider_than_the_text_says_it_scrolls(tmp_path: Path) -> None:
    root = project(tmp_path)
    for svg in (root / "diagrams").glob("*.svg"):
        svg.write_text(svg.read_text(encoding="utf-8").replace("-50 -10 400 120", "-50 -10 1600 120"), encoding="utf-8")
    md = embed(root)
    assert '<figcaption>옆으로 스크롤됩니다. <a class="diagram-light" href="../diagrams/demo.sequence.light.svg">원래 크기로 보기</a>' in md


@pytest.mark.parametrize(
    ("kwargs", "line", "expected"),
    [
        ({"drawn_from": MERMAID.replace("create", "delete")}, LINE, "was drawn from other text than demo.ipynb cell 'sequence' stores now: run `make diagrams`"),
        ({"drawn_from": None}, LINE, "was drawn from other text"),
        ({"schemes": ("light",)}, LINE, "diagrams/demo.sequence.dark.svg does not exist: run `make diagrams`"),
        ({}, LINE.replace('"sequence"', '"other"'), "expected one cell tagged 'other', found 0"),
        ({"output": "hello\n"}, LINE, "the output is not a Mermaid diagram"),
        ({}, '{{ diagram("demo", "sequence") }}', "malformed diagram"),
    ],
)
def test_stale_missing_or_malformed_diagrams_fail_the_build_naming_the_line(tmp_path: Path, kwargs: dict, line: str, expected: str) -> None:
    with pytest.raises(PluginError, match="docs/ko/kubernetes-order.md:3") as error:
        embed(project(tmp_path, **kwargs), line)
    assert expected in str(error.value)


def test_committed_diagrams_match_the_notebooks_they_show() -> None:
    """What the build also checks; here it names every stale diagram at once."""
    from tools.diagrams import ROOT, wanted

    assert [f"{nb}/{tag}: {why}" for nb, tag in wanted() if (why := diagrams.stale(ROOT, nb, tag))] == []


def test_slim_drops_unreferenced_icons_and_data_attributes_but_keeps_what_is_drawn() -> None:
    from tools.diagrams import slim

    svg = ('<svg id="d" data-look="neo"><defs><symbol id="d-computer"><path d="M2 2"></path></symbol></defs>'
           '<defs><marker id="d-arrow"><path d="M0 0"></path></marker></defs>'
           '<defs><symbol id="d-used"><path d="M1 1"></path></symbol></defs><use href="#d-used"></use>'
           '<line marker-end="url(#d-arrow)" data-et="message"></line><text>create</text></svg>')
    assert slim(svg) == ('<svg id="d"><defs><marker id="d-arrow"><path d="M0 0"></path></marker></defs>'
                         '<defs><symbol id="d-used"><path d="M1 1"></path></symbol></defs><use href="#d-used"></use>'
                         '<line marker-end="url(#d-arrow)"></line><text>create</text></svg>')
