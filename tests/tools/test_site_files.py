"""hooks/site_files.py keeps exactly the search files each language's worker imports, and no source maps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hooks.site_files import drop_code_from_search, lunr_files_needed, prune, share_assets

MATERIAL_LUNR = [
    "min/lunr.ko.min.js",
    "min/lunr.ja.min.js",
    "min/lunr.th.min.js",
    "min/lunr.multi.min.js",
    "min/lunr.stemmer.support.min.js",
    "tinyseg.js",
    "wordcut.js",
]


def tree(root: Path) -> Path:
    for rel in MATERIAL_LUNR:
        path = root / "assets/javascripts/lunr" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("lunr")
    (root / "assets/javascripts/bundle.min.js").write_text("code();\n//# sourceMappingURL=bundle.min.js.map\n")
    (root / "assets/javascripts/bundle.min.js.map").write_text("{}")
    return root


@pytest.mark.parametrize(
    ("langs", "kept"),
    [
        (["en"], set()),
        (["ko", "en"], {"min/lunr.stemmer.support.min.js", "min/lunr.ko.min.js", "min/lunr.multi.min.js"}),
        (["ja"], {"min/lunr.stemmer.support.min.js", "min/lunr.ja.min.js", "tinyseg.js"}),
        (
            ["th", "en"],
            {"min/lunr.stemmer.support.min.js", "min/lunr.th.min.js", "wordcut.js", "min/lunr.multi.min.js"},
        ),
    ],
)
def test_each_language_keeps_what_the_search_worker_imports(tmp_path: Path, langs: list[str], kept: set[str]) -> None:
    assert lunr_files_needed(langs) == kept
    root = tree(tmp_path)
    prune(root, langs)
    lunr = root / "assets/javascripts/lunr"
    assert {p.relative_to(lunr).as_posix() for p in lunr.rglob("*") if p.is_file()} == kept


def test_source_maps_and_their_comments_go(tmp_path: Path) -> None:
    root = tree(tmp_path)
    prune(root, ["en"])
    assert not list(root.rglob("*.map"))
    assert (root / "assets/javascripts/bundle.min.js").read_text() == "code();"


def english_tree(tmp_path: Path, css: str = "body{}") -> Path:
    """site/ with theme files, and site/en/ with a copy of them and three pages that link them."""
    for root in (tmp_path / "site", tmp_path / "site/en"):
        (root / "assets/stylesheets").mkdir(parents=True)
        (root / "assets/stylesheets/main.css").write_text("body{}")
        (root / "assets/w.js").write_text("worker")
    (tmp_path / "site/assets/javascripts/lunr").mkdir(parents=True)
    (tmp_path / "site/assets/javascripts/lunr/lunr.ko.js").write_text("ko")  # the Korean tree has more
    (tmp_path / "site/en/assets/stylesheets/main.css").write_text(css)
    en = tmp_path / "site/en"
    (en / "index.html").write_text('<link href="assets/stylesheets/main.css">')
    (en / "dns").mkdir()
    (en / "dns/index.html").write_text(
        '<link href="../assets/stylesheets/main.css"><script>{"search": "../assets/w.js"}'
    )
    (en / "404.html").write_text('<link href="/site-path/en/assets/stylesheets/main.css">')
    return en


def test_the_english_tree_uses_the_korean_trees_identical_theme_files(tmp_path: Path) -> None:
    en = english_tree(tmp_path)
    assert share_assets(en)
    assert not (en / "assets").exists()
    assert (en / "index.html").read_text() == '<link href="../assets/stylesheets/main.css">'
    assert (en / "dns/index.html").read_text() == (
        '<link href="../../assets/stylesheets/main.css"><script>{"search": "../../assets/w.js"}'
    )
    assert (en / "404.html").read_text() == '<link href="/site-path/assets/stylesheets/main.css">'


def test_a_theme_file_that_differs_keeps_the_english_copy_and_its_links(tmp_path: Path) -> None:
    en = english_tree(tmp_path, css="body{color:red}")
    assert share_assets(en) == 1  # only w.js
    assert (en / "assets/stylesheets/main.css").read_text() == "body{color:red}"
    assert (en / "index.html").read_text() == '<link href="assets/stylesheets/main.css">'


def test_only_the_files_with_a_twin_are_shared(tmp_path: Path) -> None:
    """A notebook served to both languages is shared; a diagram drawn for English only stays in en/."""
    (tmp_path / "site/notebooks").mkdir(parents=True)
    (tmp_path / "site/notebooks/a.ipynb").write_text("{}")
    en = tmp_path / "site/en"
    for rel, text in (("notebooks/a.ipynb", "{}"), ("diagrams/x-en.svg", "<svg/>")):
        (en / rel).parent.mkdir(parents=True, exist_ok=True)
        (en / rel).write_text(text)
    (en / "tcp-ip/flow").mkdir(parents=True)
    page = en / "tcp-ip/flow/index.html"
    page.write_text('<a href="../../notebooks/a.ipynb">a</a><img src="../../diagrams/x-en.svg">')
    assert share_assets(en) == 1
    assert page.read_text() == '<a href="../../../notebooks/a.ipynb">a</a><img src="../../diagrams/x-en.svg">'
    assert not (en / "notebooks").exists() and (en / "diagrams/x-en.svg").is_file()


def test_code_blocks_leave_the_search_index_and_inline_code_stays(tmp_path: Path) -> None:
    index = tmp_path / "search/search_index.json"
    index.parent.mkdir(parents=True)
    text = "<p>Call <code>recv_exactly()</code>.</p> <pre><code>def recv_exactly(sock, n):\n    ...</code></pre> <p>After.</p>"
    index.write_text(json.dumps({"config": {}, "docs": [{"location": "x/", "title": "X", "text": text}]}))
    drop_code_from_search(tmp_path)
    assert json.loads(index.read_text())["docs"][0]["text"] == " Call recv_exactly().     After. "


def test_search_text_keeps_words_apart_across_blocks_and_entities_as_they_are() -> None:
    from hooks.site_files import search_text

    html = '<ul><li>TIME_WAIT</li><li><a href="#x">CLOSE_WAIT</a> &lt;b&gt;</li></ul><p>끝</p><p>다음 <strong>굵게</strong></p>'
    assert search_text(html).split() == ["TIME_WAIT", "CLOSE_WAIT", "&lt;b&gt;", "끝", "다음", "굵게"]
    # the glossary's search pairs, appended by hooks/glossary.py, stay hidden in the results
    assert search_text("<p>파드</p> <span hidden>Pod 팟</span>") == " 파드  <span hidden>Pod 팟</span>"
