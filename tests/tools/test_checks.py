"""The checks themselves can fail: each one, fed a broken input, names the file and the problem."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tools.checks.built import site_problems
from tools.checks.sources import source_problems
from tools.notebooks import problems

PAGE = '# T { #t }\n\n## 하나 { #one }\n\n{{ cell("demo", "step") }}\n\n```python\n--8<-- "snippets/x.py:a"\n```\n'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def docs_with(tmp_path: Path, ko: str, en: str | None) -> Path:
    write(tmp_path / "ko/page.md", ko)
    if en is not None:
        write(tmp_path / "en/page.md", en)
    else:
        (tmp_path / "en").mkdir()
    return tmp_path


def test_identical_structure_passes(tmp_path: Path) -> None:
    assert source_problems(docs_with(tmp_path, PAGE, PAGE.replace("하나", "One"))) == []


def test_a_diagram_drawn_per_language_pairs_by_its_language_suffix(tmp_path: Path) -> None:
    diagram = '{{{{ diagram("demo", "chain-{}", "alt") }}}}\n'
    ko, en = PAGE + diagram.format("ko"), PAGE + diagram.format("en")
    assert source_problems(docs_with(tmp_path / "pair", ko, en)) == []
    found = source_problems(docs_with(tmp_path / "swapped", ko, PAGE + diagram.format("ko")))
    assert any("embeds differ" in p for p in found), found  # the English page shows the Korean picture


@pytest.mark.parametrize(
    ("en", "expected"),
    [
        (None, "docs/ko/page.md: no docs/en/page.md"),
        (
            PAGE.replace("{ #one }", "{ #uno }"),
            "heading 1 differs: docs/ko line 3: ## { #one } vs docs/en line 3: ## { #uno }",
        ),
        (PAGE + "\nA paragraph that\ncontinues here.\n", "docs/en/page.md:11: paragraph wrapped onto the next line"),
        (PAGE.replace("## 하나 { #one }", "## One"), "docs/en/page.md:3: heading without an explicit id"),
        (PAGE.replace('"step"', '"other"'), "embeds differ"),
        (PAGE.replace("x.py:a", "x.py:b"), "includes differ"),
    ],
)
def test_source_differences_are_named(tmp_path: Path, en: str | None, expected: str) -> None:
    found = source_problems(docs_with(tmp_path, PAGE, en))
    assert any(expected in p for p in found), found


def test_the_page_budget_counts_compressed_bytes(tmp_path: Path) -> None:
    """Half a megabyte that compresses to almost nothing is within the budget (it is what a reader downloads)."""
    write(tmp_path / "index.html", html("ko", body="<p>같은 문장이 되풀이됩니다.</p>" * 12_000))
    write(tmp_path / "en/index.html", html("en"))
    for prefix in ("", "en/"):
        write(tmp_path / prefix / "sitemap.xml", SITEMAP)
    assert (tmp_path / "index.html").stat().st_size > 500_000
    assert site_problems(tmp_path) == []


def test_a_page_in_one_language_also_gets_its_own_faults_named(tmp_path: Path) -> None:
    found = source_problems(docs_with(tmp_path, PAGE.replace("## 하나 { #one }", "## 하나"), None))
    assert found == [
        "docs/ko/page.md: no docs/en/page.md (every page exists in both languages)",
        "docs/ko/page.md:3: heading without an explicit id ({ #english-id })",
    ]


def test_headings_inside_code_fences_are_not_headings(tmp_path: Path) -> None:
    page = PAGE + "\n```bash\n# a shell comment\n```\n"
    assert source_problems(docs_with(tmp_path, page, page)) == []


# ~96 KB of hex digits: gzip leaves about half, over the 20 KiB page budget
INCOMPRESSIBLE = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(1500))


def html(lang: str, body: str = "", head: str = "") -> str:
    switcher = '<a class="md-select__link" hreflang="ko" href="/">한국어</a><a class="md-select__link" hreflang="en" href="/en/">English</a>'
    description = '<meta name="description" content="한 페이지">'
    return f'<!doctype html><html lang="{lang}"><head>{description}{head}</head><body>{switcher}{body}</body></html>'


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
<url><loc>http://h/</loc>
<xhtml:link rel="alternate" hreflang="ko" href="http://h/"/>
<xhtml:link rel="alternate" hreflang="en" href="http://h/en/"/>
<xhtml:link rel="alternate" hreflang="x-default" href="http://h/"/></url>
</urlset>"""


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        ("index.html", html("en"), 'site/index.html: <html lang="en">, expected "ko"'),
        ("index.html", html("ko", head='<script src="https://cdn.example/x.js"></script>'), "request another host"),
        ("index.html", html("ko", head='<link rel="stylesheet" href="//fonts.example/css">'), "request another host"),
        ("index.html", html("ko", body='<a href="missing/">x</a>'), "points to a missing file"),
        (
            "index.html",
            html("ko", body='<script src="assets/x.js"></script>'),
            "<script src=assets/x.js> is not deferred",
        ),
        (
            "index.html",
            html("ko", body='<a class="headerlink" href="#" title="Permanent link">¶</a>'),
            'title="Permanent link" is not in Korean',
        ),
        (
            "other/index.html",
            html("ko"),
            "site/index.html, site/other/index.html: the same meta description ('한 페이지')",
        ),
        (
            "index.html",
            html("ko").replace('<meta name="description" content="한 페이지">', ""),
            "site/index.html: no meta description",
        ),
        ("index.html", html("ko", body='<a href="#nowhere">x</a>'), "missing anchor #nowhere"),
        (
            "index.html",
            html("ko", body="<p>표</p><table><tr><td>1</td></tr></table>"),
            '1 <table> not in a <div class="tablewrap"> of its own',
        ),
        ("index.html", html("ko", body=INCOMPRESSIBLE), "bytes of HTML gzip-compressed, over the 20480-byte budget"),
        ("assets/big.js", "x" * 400_001, "site/: 40"),  # theme and assets over SHELL_BUDGET, largest file named
        ("notebooks/big.ipynb", "x" * 30_001, "site/notebooks/big.ipynb: 30001 bytes, over"),
        ("search/search_index.json", "x" * 400_001, "site/search/search_index.json: 400001 bytes, over"),
        ("index.html", html("ko", body='{{ cell("a", "b") }}'), "unprocessed"),
        (
            "en/index.html",
            html("en").replace('hreflang="ko"', 'hreflang="jp"'),
            "language switcher offers ['en', 'jp']",
        ),
        (
            "sitemap.xml",
            SITEMAP.replace('hreflang="en" href="http://h/en/"', 'hreflang="en" href="http://h/en/gone/"'),
            "names http://h/en/gone/, which is not a built page",
        ),
        ("en/sitemap.xml", SITEMAP.replace("x-default", "xx"), "expected ['en', 'ko'] and x-default"),
        (
            "assets/x.css",
            "@font-face { src: url(https://fonts.example/f.woff2) }",
            "site/assets/x.css: loads https://fonts.example",
        ),
    ],
)
def test_site_problems_are_named(tmp_path: Path, file: str, text: str, expected: str) -> None:
    write(
        tmp_path / "index.html",
        html(
            "ko",
            body='<h2 id="ok">ok</h2><a href="#ok">ok</a><a href="https://www.rfc-editor.org/">rfc</a>'
            '<div class="tablewrap"><table><tr><td>1</td></tr></table></div><table class="highlighttable"></table>',
        ),
    )
    write(tmp_path / "en/index.html", html("en"))
    for prefix in ("", "en/"):
        write(tmp_path / prefix / "sitemap.xml", SITEMAP)
    assert site_problems(tmp_path) == []
    write(tmp_path / file, text)
    found = site_problems(tmp_path)
    assert any(expected in p for p in found), found


def notebook(tmp_path: Path, **cell) -> Path:
    base = {
        "cell_type": "code",
        "execution_count": 1,
        "id": "c1",
        "metadata": {"tags": ["step"]},
        "outputs": [],
        "source": ["print(1)"],
    }
    nb = {"cells": [base | cell], "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    return write(tmp_path / "demo.ipynb", json.dumps(nb))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ({"execution_count": None}, "no execution count"),
        ({"execution_count": 3}, "execution count 3, expected 1"),
        ({"metadata": {"tags": ["step"], "execution": {"iopub.status.busy": "2026"}}}, "volatile metadata 'execution'"),
        ({"metadata": {}}, "without a tag"),
        (
            {"outputs": [{"output_type": "error", "ename": "ValueError", "evalue": "", "traceback": []}]},
            "is an error (ValueError)",
        ),
        ({"outputs": [{"output_type": "stream", "name": "stderr", "text": ["warn"]}]}, "has stderr"),
        ({"metadata": {"tags": ["step", "nbval-ignore-output"]}}, "only the `mode` cell"),
        ({"metadata": {"tags": ["step", "nbval-skip"]}}, "tag 'nbval-skip' would let the cell pass unchecked"),
        ({"metadata": {"tags": ["step", "raises-exception"]}}, "tag 'raises-exception' would let"),
    ],
)
def test_notebook_problems_are_named(tmp_path: Path, cell: dict, expected: str) -> None:
    assert problems(notebook(tmp_path)) == []
    found = problems(notebook(tmp_path, **cell))
    assert any(expected in p and "demo.ipynb cell 0" in p for p in found), found


def test_nav_difference_between_languages_is_named(tmp_path: Path) -> None:
    from tools.checks.configs import config_problems

    (tmp_path / "docs/ko").mkdir(parents=True)
    (tmp_path / "docs/en").mkdir(parents=True)
    write(tmp_path / "mkdocs.yml", "site_name: x\ndocs_dir: docs/ko\nnav:\n  - 홈: index.md\n  - a.md\n  - b.md\n")
    write(
        tmp_path / "mkdocs.en.yml",
        "INHERIT: mkdocs.yml\ndocs_dir: docs/en\nnav:\n  - Home: index.md\n  - a.md\n  - b.md\n",
    )
    assert config_problems(tmp_path) == []
    write(
        tmp_path / "mkdocs.en.yml",
        "INHERIT: mkdocs.yml\ndocs_dir: docs/en\nnav:\n  - Home: index.md\n  - b.md\n  - a.md\n",
    )
    assert config_problems(tmp_path) == [
        "nav differs: the same pages in another order: mkdocs.yml ['index.md', 'a.md', 'b.md'] vs mkdocs.en.yml ['index.md', 'b.md', 'a.md']"
    ]
    write(tmp_path / "mkdocs.en.yml", "INHERIT: mkdocs.yml\ndocs_dir: docs/en\nnav:\n  - Home: index.md\n  - a.md\n")
    assert config_problems(tmp_path) == ["nav differs: b.md is in mkdocs.yml's nav, not in mkdocs.en.yml's"]


def test_palette_toggle_names_in_the_wrong_language_are_named(tmp_path: Path) -> None:
    from tools.checks.configs import config_problems

    def palette(*names: str) -> str:
        return "theme:\n  name: material\n  palette:\n" + "".join(
            f"    - scheme: {s}\n      toggle:\n        icon: material/brightness-{i}\n        name: {n}\n"
            for i, (s, n) in enumerate(zip(("default", "slate"), names, strict=False))
        )

    (tmp_path / "docs/ko").mkdir(parents=True)
    (tmp_path / "docs/en").mkdir(parents=True)
    write(
        tmp_path / "mkdocs.yml",
        "site_name: x\ndocs_dir: docs/ko\nnav:\n  - index.md\n" + palette("어두운 테마로 전환", "밝은 테마로 전환"),
    )
    write(
        tmp_path / "mkdocs.en.yml",
        "INHERIT: mkdocs.yml\ndocs_dir: docs/en\n" + palette("Switch to dark mode", "Switch to light mode"),
    )
    assert config_problems(tmp_path) == []
    write(
        tmp_path / "mkdocs.yml",
        "site_name: x\ndocs_dir: docs/ko\nnav:\n  - index.md\n" + palette("Switch to dark mode", "밝은 테마로 전환"),
    )
    assert config_problems(tmp_path) == ["mkdocs.yml: palette toggle name 'Switch to dark mode' is not in Korean"]
    write(tmp_path / "mkdocs.en.yml", "INHERIT: mkdocs.yml\ndocs_dir: docs/en\n" + palette("Switch to dark mode"))
    assert "theme.palette differs between mkdocs.yml and mkdocs.en.yml (only the toggle names may)" in config_problems(
        tmp_path
    )


def test_glossary_lint_names_page_line_and_preferred_spelling(tmp_path: Path) -> None:
    from tools.checks.glossary import glossary_problems

    write(tmp_path / "glossary.yml", "- {en: pod, ko: 파드, en_def: x, ko_def: y, avoid: [팟], page: 'k8s.md#pods'}\n")
    write(
        tmp_path / "docs/ko/k8s.md",
        "# K { #k }\n\n## 파드 { #pods }\n\n파드를 띄웁니다.\n\n```text\n팟 in code is fine\n```\n",
    )
    write(tmp_path / "docs/en/k8s.md", "# K { #k }\n\n## Pods { #pods }\n")
    assert glossary_problems(tmp_path) == []
    write(tmp_path / "docs/ko/k8s.md", "# K { #k }\n\n## 파드 { #pod }\n\n팟을 띄웁니다.\n")
    found = glossary_problems(tmp_path)
    assert "docs/ko/k8s.md:5: '팟' is discouraged, write '파드' (glossary.yml)" in found
    assert "glossary.yml (pod): docs/ko/k8s.md has no heading #pods" in found


def test_glossary_lint_respects_the_spacing_of_an_avoided_spelling(tmp_path: Path) -> None:
    from tools.checks.glossary import glossary_problems

    write(tmp_path / "glossary.yml", "- {en: ReplicaSet, ko: 레플리카셋, en_def: x, ko_def: y, avoid: [레플리카 셋]}\n")
    write(tmp_path / "docs/en/k8s.md", "# K { #k }\n")
    write(tmp_path / "docs/ko/k8s.md", "# K { #k }\n\n레플리카셋이 파드를 만듭니다.\n")
    assert glossary_problems(tmp_path) == []
    write(tmp_path / "docs/ko/k8s.md", "# K { #k }\n\n레플리카 셋이 파드를 만듭니다.\n")
    assert glossary_problems(tmp_path) == [
        "docs/ko/k8s.md:3: '레플리카 셋' is discouraged, write '레플리카셋' (glossary.yml)"
    ]


def test_notebook_from_script_splits_tagged_cells(tmp_path: Path, monkeypatch) -> None:
    import tools.notebooks as nbtools

    monkeypatch.setattr(nbtools, "NOTEBOOK_DIR", tmp_path)
    script = write(tmp_path / "demo.py", "# %% setup\nx = 1\n\n# %% show nbval-ignore-output\nprint(x)\n")
    nb = json.loads(nbtools.from_script(script).read_text(encoding="utf-8"))
    assert [(c["metadata"]["tags"], "".join(c["source"])) for c in nb["cells"]] == [
        (["setup"], "x = 1"),
        (["show", "nbval-ignore-output"], "print(x)"),
    ]
    with pytest.raises(SystemExit, match="exists"):
        nbtools.from_script(script)
    with pytest.raises(SystemExit, match="code before the first"):
        nbtools.from_script(write(tmp_path / "bad.py", "x = 1\n# %% show\nprint(x)\n"))
    with pytest.raises(SystemExit, match=r"typo.py:3: '# %% too_big' is not a cell marker"):
        nbtools.from_script(write(tmp_path / "typo.py", "# %% send\nx = 1\n# %% too_big\nprint(x)\n"))
    with pytest.raises(SystemExit, match="no such file"):
        nbtools.from_script(tmp_path / "missing.py")
