"""Site-level: drop the theme's files that no reader of this site ever loads.

Material copies every lunr language file into each language's tree (about 964 KB: `wordcut.js`, Thai and
Hindi segmentation, is 677 KB of it) and the source maps of its bundles (about 1.2 MB). Its search
worker loads only `lunr.stemmer.support`, one `lunr.<lang>` per language other than English and
`lunr.multi` when there are several (material/templates/assets/javascripts/workers/search, which
imports nothing at all for an English-only index). So each tree keeps exactly the files its own
search `lang` needs, and no `.map` (they are read only by a browser's developer tools; the
`sourceMappingURL` comment goes too, so the tools do not ask for a missing file). What remains is
checked against tools/checks/budgets.py's SHELL_BUDGET by tests/site.

The search index leaves out code blocks (`<pre>`: cells, their outputs, included snippets), which were half of
it: a reader searches for what the prose explains, and names in the prose (`recv_exactly()`) stay searchable.

The English tree (site/en/, built second) would carry byte-identical copies of the Korean tree's theme files,
notebooks and shared diagrams; the English pages are pointed at the Korean tree's files and the copies go
(about 480 KB). A reader moving between languages then also reuses the cached files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

SOURCE_MAP_COMMENT = re.compile(r"\n?//# sourceMappingURL=\S+\s*$")


def lunr_files_needed(langs: list[str]) -> set[str]:
    """Paths under assets/javascripts/lunr/ that Material's search worker imports for `langs`."""
    others = [lang for lang in langs if lang != "en"]
    if not others and len(langs) <= 1:
        return set()
    needed = {"min/lunr.stemmer.support.min.js"} | {f"min/lunr.{lang}.min.js" for lang in others}
    needed |= {"tinyseg.js"} if "ja" in langs else set()
    needed |= {"wordcut.js"} if {"hi", "th"} & set(langs) else set()
    return needed | ({"min/lunr.multi.min.js"} if len(langs) > 1 else set())


def search_langs(config: MkDocsConfig) -> list[str]:
    for name, plugin in config.plugins.items():
        if name.endswith("search"):
            return list(plugin.config.lang or ["en"])
    return []


def prune(site_dir: Path, langs: list[str]) -> None:
    """Remove the lunr files that `langs` do not need and every source map under site_dir/assets."""
    lunr = site_dir / "assets" / "javascripts" / "lunr"
    needed = lunr_files_needed(langs)
    if lunr.is_dir():
        for path in sorted(lunr.rglob("*"), reverse=True):
            rel = path.relative_to(lunr).as_posix()
            if path.is_file() and rel not in needed:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    assets = site_dir / "assets"
    for path in assets.rglob("*.map") if assets.is_dir() else ():
        path.unlink()
    for path in assets.rglob("*.js") if assets.is_dir() else ():
        text = path.read_text(encoding="utf-8")
        stripped = SOURCE_MAP_COMMENT.sub("", text)
        if stripped != text:
            path.write_text(stripped, encoding="utf-8")


SHARED_FOLDERS = ("assets", "notebooks", "diagrams")
RELATIVE_REF = re.compile(r'"((?:\.\./)*)((?:assets|notebooks|diagrams)/[^"#?]+)')  # "../notebooks/x.ipynb"
ABSOLUTE_REF = re.compile(r'"(/[^"\s]*?)en/((?:assets|notebooks|diagrams)/[^"#?]+)')  # "/en/assets/x" (404.html)


def share_assets(site_dir: Path) -> int:
    """Files under site_dir/{assets,notebooks,diagrams} with a byte-identical twin in site_dir/.. (the theme,
    every notebook, a diagram drawn once for both languages): site_dir's pages are pointed at the twin and
    the copy goes. Returns how many files were shared."""
    shared = set()
    for folder in SHARED_FOLDERS:
        for path in sorted((site_dir / folder).rglob("*")) if (site_dir / folder).is_dir() else ():
            twin = site_dir.parent / path.relative_to(site_dir)
            if path.is_file() and twin.is_file() and twin.read_bytes() == path.read_bytes():
                shared.add(path.relative_to(site_dir).as_posix())

    def relative(match: re.Match) -> str:
        return f'"{match[1]}../{match[2]}' if match[2] in shared else match[0]

    def absolute(match: re.Match) -> str:
        return f'"{match[1]}{match[2]}' if match[2] in shared else match[0]

    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        moved = ABSOLUTE_REF.sub(absolute, RELATIVE_REF.sub(relative, text))
        if moved != text:
            page.write_text(moved, encoding="utf-8")
    for rel in shared:
        (site_dir / rel).unlink()
    for folder in SHARED_FOLDERS:  # folders left empty
        for path in sorted((site_dir / folder).rglob("*"), reverse=True) if (site_dir / folder).is_dir() else ():
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        if (site_dir / folder).is_dir() and not any((site_dir / folder).iterdir()):
            (site_dir / folder).rmdir()
    return len(shared)


CODE_BLOCK = re.compile(r"<pre[\s>].*?</pre>", re.S)


BLOCK_TAG = re.compile(r"</?(?:p|li|ul|ol|dl|dt|dd|div|br|h[1-6]|table|thead|tbody|tr|td|th|blockquote)\b[^>]*>", re.I)
INLINE_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def search_text(html: str) -> str:
    """What search needs of a section's HTML: its words. Code blocks go (half the index, and nobody
    searches a listing), and so do the tags around the words, 33 KB over both languages; a block
    boundary stays a space so that words of two paragraphs do not run together. Inline code keeps its
    text, and entities stay as they are (Material shows a result's text as HTML). The glossary's search
    pairs (hooks/glossary.py) stay in their <span hidden>: found, never shown."""
    body, hidden, pairs = html.partition("<span hidden>")
    return INLINE_TAG.sub("", BLOCK_TAG.sub(" ", CODE_BLOCK.sub(" ", body))) + hidden + pairs


def drop_code_from_search(site_dir: Path) -> None:
    """Keep only the words of every entry of site_dir/search/search_index.json (if there is one)."""
    index = site_dir / "search" / "search_index.json"
    if not index.is_file():
        return
    data = json.loads(index.read_text(encoding="utf-8"))
    for doc in data["docs"]:
        doc["text"] = search_text(doc.get("text", ""))
    index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def on_post_build(config: MkDocsConfig) -> None:
    site_dir = Path(config.site_dir)
    prune(site_dir, search_langs(config))
    drop_code_from_search(site_dir)
    if site_dir.name == "en":  # tools/build.py: the Korean tree is site/, built first
        share_assets(site_dir)
