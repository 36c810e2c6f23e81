"""hooks/site_files.py keeps exactly the search files each language's worker imports, and no source maps."""

from __future__ import annotations

from pathlib import Path

import pytest

from hooks.site_files import lunr_files_needed, prune

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
