"""extensions/diagrams.py through Python-Markdown alone: a diagram on a page must be drawn from the notebook
output it names, or the conversion fails naming the line."""

from __future__ import annotations

import json
from pathlib import Path

import markdown
import pytest

from extensions import diagrams
from extensions._page import TransformError

MERMAID = "sequenceDiagram\n    a->>b: create Deployment/nginx\n"
SVG = '<svg id="x" width="100%" xmlns="http://www.w3.org/2000/svg" viewBox="-50 -10 400 120"></svg>\n'
LINE = '{{ diagram("demo", "sequence", "요청과 감시 이벤트의 순서") }}'
LABELS = {"source": "Mermaid 원문", "open": "원래 크기로 보기", "wide": "옆으로 스크롤됩니다."}


def project(tmp_path: Path, output: str = MERMAID, drawn_from: str | None = MERMAID, schemes=diagrams.SCHEMES) -> Path:
    """A project with notebooks/demo.ipynb (one cell tagged `sequence`) and SVGs drawn from `drawn_from`."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "diagrams").mkdir()
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "id": "c1",
        "metadata": {"tags": ["sequence"]},
        "outputs": [{"output_type": "stream", "name": "stdout", "text": [output]}],
        "source": ["print(x)"],
    }
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "notebooks/demo.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    for scheme in schemes:
        svg = (
            SVG
            if drawn_from is None
            else SVG.replace("<svg ", f'<svg data-source-sha256="{diagrams.sha256(drawn_from)}" ', 1)
        )
        (tmp_path / f"diagrams/demo.sequence.{scheme}.svg").write_text(svg, encoding="utf-8")
    return tmp_path


def embed(root: Path, line: str = LINE) -> str:
    extensions = [
        "md_in_html",
        "attr_list",
        "pymdownx.superfences",
        diagrams.DiagramsExtension(base_path=str(root), labels=LABELS),
    ]
    return markdown.Markdown(extensions=extensions, output_format="html").convert(f"# T\n\n{line}\n")


def test_diagram_shows_both_schemes_sized_with_its_source(tmp_path: Path) -> None:
    html = embed(project(tmp_path))
    assert '<figure class="diagram" data-notebook="demo" data-tag="sequence">' in html
    for scheme in ("light", "dark"):
        # the SVG next to the pages, relative to the page's source: the generator resolves and checks it
        assert (
            f'<a class="diagram-{scheme}" href="diagrams/demo.sequence.{scheme}.svg" title="원래 크기로 보기">'
            f'<img alt="요청과 감시 이벤트의 순서" decoding="async" height="120" loading="lazy" '
            f'src="diagrams/demo.sequence.{scheme}.svg" width="400"></a>'
        ) in html
    assert "<summary>Mermaid 원문</summary>" in html
    assert "sequenceDiagram\n    a-&gt;&gt;b: create Deployment/nginx\n</code></pre>" in html
    assert "<figcaption>" not in html  # 400 px fits the text column


def test_a_diagram_wider_than_the_text_says_it_scrolls(tmp_path: Path) -> None:
    root = project(tmp_path)
    for svg in (root / "diagrams").glob("*.svg"):
        svg.write_text(svg.read_text(encoding="utf-8").replace("-50 -10 400 120", "-50 -10 1600 120"), encoding="utf-8")
    html = embed(root)
    assert (
        '<figcaption>옆으로 스크롤됩니다. <a class="diagram-light" href="diagrams/demo.sequence.light.svg">원래 크기로 보기</a>'
        in html
    )
    assert html.index("<figcaption>") < html.index("<img")  # first child of the figure (HTML allows first or last)


@pytest.mark.parametrize(
    ("kwargs", "line", "expected"),
    [
        (
            {"drawn_from": MERMAID.replace("create", "delete")},
            LINE,
            "was drawn from other text than demo.ipynb cell 'sequence' stores now: run `make diagrams`",
        ),
        ({"drawn_from": None}, LINE, "was drawn from other text"),
        ({"schemes": ("light",)}, LINE, "diagrams/demo.sequence.dark.svg does not exist: run `make diagrams`"),
        ({}, LINE.replace('"sequence"', '"other"'), "expected one cell tagged 'other', found 0"),
        ({"output": "hello\n"}, LINE, "the output is not a Mermaid diagram"),
        ({}, '{{ diagram("demo", "sequence") }}', "malformed diagram"),
        ({}, LINE.replace("순서", "[순서]"), "malformed diagram"),
    ],
)
def test_stale_missing_or_malformed_diagrams_fail_naming_the_line(
    tmp_path: Path, kwargs: dict, line: str, expected: str
) -> None:
    with pytest.raises(TransformError, match="^line 3: ") as error:
        embed(project(tmp_path, **kwargs), line)
    assert expected in str(error.value)


def test_a_diagram_without_labels_fails_when_the_extension_loads(tmp_path: Path) -> None:
    with pytest.raises(TransformError, match=r"extensions.diagrams: option labels lacks \['wide'\]"):
        markdown.Markdown(
            extensions=[diagrams.DiagramsExtension(base_path=str(tmp_path), labels={"source": "s", "open": "o"})]
        )


def test_committed_diagrams_match_the_notebooks_they_show() -> None:
    """What the build also checks; here it names every stale diagram at once."""
    from tools.diagrams import ROOT, wanted

    assert [f"{nb}/{tag}: {why}" for nb, tag in wanted() if (why := diagrams.stale(ROOT, nb, tag))] == []


def test_slim_drops_unreferenced_icons_and_data_attributes_but_keeps_what_is_drawn() -> None:
    from tools.diagrams import slim

    svg = (
        '<svg id="d" data-look="neo"><defs><symbol id="d-computer"><path d="M2 2"></path></symbol></defs>'
        '<defs><marker id="d-arrow"><path d="M0 0"></path></marker></defs>'
        '<defs><symbol id="d-used"><path d="M1 1"></path></symbol></defs><use href="#d-used"></use>'
        '<line marker-end="url(#d-arrow)" data-et="message"></line><text>create</text></svg>'
    )
    assert slim(svg) == (
        '<svg id="d"><defs><marker id="d-arrow"><path d="M0 0"></path></marker></defs>'
        '<defs><symbol id="d-used"><path d="M1 1"></path></symbol></defs><use href="#d-used"></use>'
        '<line marker-end="url(#d-arrow)"></line><text>create</text></svg>'
    )


def test_slim_keeps_only_the_css_rules_an_element_of_the_svg_can_match() -> None:
    from tools.diagrams import slim

    css = (
        "#d{fill:#333;}@keyframes dash{to{stroke-dashoffset:0;}}@keyframes pulse{to{opacity:1;}}"
        '#d .actor{fill:#eee;}#d .error-icon{fill:red;}#d rect.note[data-look="neo"]{stroke:#aa3;}'
        '#d .labelText,#d .loopText&gt;tspan{fill:black;}#d [id$="-arrowhead"] path{fill:#333;}'
        "#d .edge-animation-slow{animation:dash 50s linear infinite;}#d .flow{stroke-width:1.5;}"
    )
    svg = (
        f'<svg id="d"><style>{css}</style><rect class="actor" data-look="neo"></rect>'
        '<text class="labelText">a</text><path class="edge-animation-slow"></path></svg>'
    )
    assert slim(svg) == (
        '<svg id="d"><style>@keyframes dash{to{stroke-dashoffset:0;}}#d{fill:#333;}#d .actor{fill:#eee;}'
        '#d .labelText{fill:black;}#d [id$="-arrowhead"] path{fill:#333;}'
        "#d .edge-animation-slow{animation:dash 50s linear infinite;}</style>"
        '<rect class="actor"></rect><text class="labelText">a</text><path class="edge-animation-slow"></path></svg>'
    )


def test_committed_diagrams_are_slim() -> None:
    """`make diagrams` slims what it draws; a committed SVG that is not slim was drawn or edited otherwise."""
    from tools.diagrams import ROOT, slim

    fat = [p.name for p in sorted((ROOT / "diagrams").glob("*.svg")) if slim(t := p.read_text(encoding="utf-8")) != t]
    assert fat == []
