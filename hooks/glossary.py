"""Site-level part of the glossary: search pairs, so a search section that mentions a term in one
language also matches the other (`Kubernetes` finds the Korean page that says 쿠버네티스), and spacing
variants (가상 머신/가상머신). It rewrites the search index after the build, so it needs the whole site.

Tooltips and the glossary list are a Markdown extension (extensions/glossary.py).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from extensions import glossary
from extensions.glossary import term_pattern

__all__ = ["load", "on_post_build", "search_pairs", "term_pattern"]  # tools/checks.py imports load and term_pattern


def load(path: Path, mtime: float = 0.0) -> tuple[dict, ...]:
    """extensions.glossary.load, failing the build the MkDocs way (PluginError names the file and entry)."""
    try:
        return glossary.load(path, mtime)
    except ValueError as e:
        raise PluginError(str(e)) from None


def search_pairs(text: str, entries: tuple[dict, ...]) -> list[str]:
    """Words to add to a search section so that a term is found in either language and spelling, and by
    the other names readers type for it (`aliases`: 순서 번호 for 시퀀스 번호, 핸드셰이킹 for 핸드셰이크)."""
    extra = []
    for e in entries:
        aliases = e.get("aliases", [])
        names = [(e["ko"], "ko"), (e["en"], "en"), *((a, "ko") for a in aliases)]
        if any(term_pattern(name, lang).search(text) for name, lang in names):
            for word in (e["ko"], e["ko"].replace(" ", ""), e["en"], *aliases):
                if word.lower() not in text.lower() and word not in extra:
                    extra.append(word)
    return extra


def on_post_build(config: MkDocsConfig) -> None:
    index = Path(config.site_dir) / "search" / "search_index.json"
    if not index.is_file():
        raise PluginError(f"{index}: no search index to add the glossary's pairs to")
    data = json.loads(index.read_text(encoding="utf-8"))
    path = Path(config.config_file_path).resolve().parent / "glossary.yml"
    entries = load(path, path.stat().st_mtime if path.exists() else 0.0)
    for doc in data["docs"]:
        if extra := search_pairs(f"{doc.get('title', '')} {doc.get('text', '')}", entries):
            doc["text"] = f"{doc.get('text', '')} <span hidden>{html.escape(' '.join(extra))}</span>"
    index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
