"""extensions/notebook_cells.py through Python-Markdown alone: a cell's code and stored output, or a failure
that names the page and line. Also: the configs give each language its own labels."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import markdown
import pytest

from extensions._page import TransformError
from extensions.notebook_cells import NotebookCellsExtension

ROOT = Path(__file__).resolve().parents[2]
LABELS = {"output": "출력", "download": "노트북:", "how": "실행 방법"}
LINE = '{{ cell("demo", "step") }}'


def notebook(root: Path, **cell) -> Path:
    """root/notebooks/demo.ipynb with one code cell tagged `step` that printed 1; `cell` overrides fields."""
    base = {
        "cell_type": "code",
        "execution_count": 1,
        "id": "c1",
        "metadata": {"tags": ["step"]},
        "source": ["print(1)"],
        "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}],
    }
    nb = {"cells": [base | cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = root / "notebooks" / "demo.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def convert(root: Path, text: str, labels: dict = LABELS, extra: tuple = ()) -> str:
    extensions = [
        "md_in_html",
        "attr_list",
        "pymdownx.superfences",
        NotebookCellsExtension(base_path=str(root), labels=labels),
        *extra,
    ]
    return markdown.Markdown(extensions=extensions, output_format="html").convert(text)


def test_embed_shows_code_output_and_links_the_notebook_once(tmp_path: Path) -> None:
    notebook(tmp_path)
    html = convert(tmp_path, f"text\n\n{LINE}\n\n{LINE}\n")
    assert html.count('<div class="nb-cell" data-notebook="demo" data-tag="step">') == 2
    assert html.count('<span class="filename">출력</span><pre><samp tabindex="0">1</samp></pre>') == 2
    assert re.sub("<[^>]+>", "", html).count("print(1)") == 2
    # relative to the page's source, as an author writes them: MkDocs and Zensical resolve them
    assert (
        html.count(
            '<p class="nb-download">노트북: <a download href="notebooks/demo.ipynb">demo.ipynb</a>'
            ' · <a href="index.md#run-the-demos">실행 방법</a></p>'
        )
        == 1
    )


def test_embedded_output_is_escaped_and_survives_markdown(tmp_path: Path) -> None:
    """Output is shown as text: markup in it is escaped, and a blank line inside does not end the block."""
    notebook(
        tmp_path,
        outputs=[
            {
                "output_type": "stream",
                "name": "stdout",
                "text": ["<b>not bold</b> & more\n\n  indented after a blank line\n"],
            }
        ],
    )
    html = convert(tmp_path, f"text\n\n{LINE}\n")
    samp = html.split("<samp", 1)[1].split("</samp>", 1)[0]
    assert samp == ' tabindex="0">&lt;b&gt;not bold&lt;/b&gt; &amp; more\n\n  indented after a blank line'


def test_code_with_backtick_fences_inside_stays_one_block(tmp_path: Path) -> None:
    notebook(tmp_path, source=['print("""\n', "```\n", '""")'])
    html = convert(tmp_path, f"{LINE}\n")
    assert html.count("<pre>") == 2 and "```" in html


@pytest.mark.parametrize(
    ("line", "cell", "expected"),
    [
        ('{{ cell("nope", "step") }}', {}, "notebook nope.ipynb does not exist"),
        ('{{ cell("demo", "nope") }}', {}, "expected one cell tagged 'nope', found 0"),
        (LINE, {"execution_count": None}, "has never run"),
        (LINE, {"outputs": [{"output_type": "error", "ename": "OSError"}]}, "is an error (OSError)"),
        (LINE, {"outputs": [{"output_type": "display_data", "data": {"image/png": "x"}}]}, "cannot be shown as text"),
        (LINE, {"cell_type": "markdown"}, "is not a code cell"),
        ("{{ cell('demo', 'step') }}", {}, "malformed embed"),
        ('see {{ cell("demo", "step") }} inline', {}, "malformed embed"),
        (LINE, {"metadata": {"tags": ["step", "mode", "nbval-ignore-output"]}}, "so no page may show it"),
    ],
)
def test_embed_failures_name_the_line(tmp_path: Path, line: str, cell: dict, expected: str) -> None:
    notebook(tmp_path, **cell)
    with pytest.raises(TransformError, match=r"^line 3: ") as error:
        convert(tmp_path, f"text\n\n{line}\n")
    assert expected in str(error.value)


def test_two_cells_with_the_tag_fail(tmp_path: Path) -> None:
    path = notebook(tmp_path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].append(dict(nb["cells"][0], id="c2"))
    path.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(TransformError, match="expected one cell tagged 'step', found 2"):
        convert(tmp_path, f"{LINE}\n")


class Page(markdown.Extension):
    """What a generator leaves on the Markdown instance about the page being converted."""

    def __init__(self, generator: str, root: Path, source: Path):
        super().__init__()
        self.generator, self.root, self.source = generator, root, source

    def extendMarkdown(self, md) -> None:
        if self.generator == "mkdocs":  # MkDocs 1.6: its link rewriter holds the page's File
            rewriter = SimpleNamespace(file=SimpleNamespace(abs_src_path=str(self.source)), run=lambda root: None)
            md.treeprocessors.register(rewriter, "relpath", 0)
        else:  # Zensical 0.0.x: the rendering context holds the page and the config
            context = SimpleNamespace(
                page=SimpleNamespace(path=self.source.name),
                run=lambda lines: lines,
                config={"root_dir": str(self.root), "docs_dir": "docs/ko"},
            )
            md.preprocessors.register(context, "rendering_context", 0)


@pytest.mark.parametrize("generator", ["mkdocs", "zensical"])
def test_failure_names_the_page_and_its_line_in_the_source_file(tmp_path: Path, generator: str) -> None:
    """The page as converted has lost its front matter and gained a notice; the line number is the file's."""
    notebook(tmp_path)
    source = tmp_path / "docs/ko/page.md"
    source.parent.mkdir(parents=True)
    bad = '{{ cell("demo", "nope") }}'
    source.write_text(f"---\ndescription: x\n---\n# T\n\n{LINE}\n\n{bad}\n", encoding="utf-8")
    converted = f"# T\n\n/// warning | behind\nnotice\n///\n\n{LINE}\n\n{bad}\n"
    with pytest.raises(TransformError, match=r"^docs/ko/page\.md:8: demo\.ipynb: expected one cell tagged 'nope'"):
        convert(tmp_path, converted, extra=(Page(generator, tmp_path, source),))


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"output": "출력", "download": "노트북:"}, "lacks ['how']"),
        (LABELS | {"how": 'say "how"'}, "labels ['how'] may not contain"),
    ],
)
def test_missing_or_unsafe_labels_fail_when_the_extension_loads(tmp_path: Path, labels: dict, expected: str) -> None:
    with pytest.raises(TransformError, match=re.escape(expected)):
        convert(tmp_path, "text\n", labels=labels)


def test_each_language_config_gives_its_own_labels_and_keeps_every_extension() -> None:
    """markdown_extensions is a mapping, so mkdocs.en.yml's INHERIT merges it key by key (a list would be replaced)."""
    from mkdocs.config import load_config

    ko, en = (load_config(str(ROOT / name)) for name in ("mkdocs.yml", "mkdocs.en.yml"))
    assert ko.markdown_extensions == en.markdown_extensions
    assert {"extensions.notebook_cells", "extensions.diagrams", "extensions.glossary", "pymdownx.snippets"} <= set(
        en.markdown_extensions
    )
    for name, keys in (
        ("extensions.notebook_cells", ("output", "download", "how")),
        ("extensions.diagrams", ("source", "open", "wide")),
    ):
        ko_labels, en_labels = ko.mdx_configs[name]["labels"], en.mdx_configs[name]["labels"]
        assert set(ko_labels) == set(en_labels) == set(keys)
        assert all(re.search("[가-힣]", ko_labels[k]) and not re.search("[가-힣]", en_labels[k]) for k in keys), (
            ko_labels,
            en_labels,
        )
    assert (ko.mdx_configs["extensions.glossary"]["lang"], en.mdx_configs["extensions.glossary"]["lang"]) == (
        "ko",
        "en",
    )
    assert Path(en.mdx_configs["extensions.glossary"]["docs_dir"]).resolve() == ROOT / "docs/en"
    for name in ("extensions.notebook_cells", "extensions.diagrams", "extensions.glossary", "pymdownx.snippets"):
        assert Path(en.mdx_configs[name]["base_path"]).resolve() == ROOT
    assert ko.mdx_configs["toc"]["permalink_title"] != en.mdx_configs["toc"]["permalink_title"] == "Permanent link"
