"""Site-level: drop the theme's files that no reader of this site ever loads.

Material copies every lunr language file into each language's tree (about 964 KB: `wordcut.js`, Thai and
Hindi segmentation, is 677 KB of it) and the source maps of its bundles (about 1.2 MB). Its search
worker loads only `lunr.stemmer.support`, one `lunr.<lang>` per language other than English and
`lunr.multi` when there are several (material/templates/assets/javascripts/workers/search, which
imports nothing at all for an English-only index). So each tree keeps exactly the files its own
search `lang` needs, and no `.map` (they are read only by a browser's developer tools; the
`sourceMappingURL` comment goes too, so the tools do not ask for a missing file). What remains is
checked against tools/checks/budgets.py's SITE_BUDGET by tests/site.

The English tree (site/en/, built second) would carry a byte-identical copy of the Korean tree's theme
files; when every one of them has its twin in site/assets/, the English pages are pointed there and the copy
goes (about 330 KB). A reader moving between languages then also reuses the cached files.
"""

from __future__ import annotations

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


RELATIVE_ASSET = re.compile(r'"((?:\.\./)*)assets/')  # "../assets/x" from a page of this tree
ABSOLUTE_ASSET = re.compile(r'"(/[^"\s]*?)en/assets/')  # "/en/assets/x" (404.html, from site_url)


def share_assets(site_dir: Path) -> bool:
    """If site_dir/assets is a byte-identical subset of site_dir/../assets, point site_dir's pages one level
    up for their theme files and remove the copy. False (nothing changed) otherwise."""
    own, shared = site_dir / "assets", site_dir.parent / "assets"
    if not own.is_dir() or not shared.is_dir():
        return False
    files = [p for p in own.rglob("*") if p.is_file()]
    twin = {p: shared / p.relative_to(own) for p in files}
    if not all(t.is_file() and t.read_bytes() == p.read_bytes() for p, t in twin.items()):
        return False
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        moved = ABSOLUTE_ASSET.sub(r'"\1assets/', RELATIVE_ASSET.sub(r'"\1../assets/', text))
        if moved != text:
            page.write_text(moved, encoding="utf-8")
    for path in sorted(own.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    own.rmdir()
    return True


def on_post_build(config: MkDocsConfig) -> None:
    site_dir = Path(config.site_dir)
    prune(site_dir, search_langs(config))
    if site_dir.name == "en":  # tools/build.py: the Korean tree is site/, built first
        share_assets(site_dir)
