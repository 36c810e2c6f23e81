"""Checks of glossary.yml against the pages."""

from __future__ import annotations

from pathlib import Path

from tools.checks.pages import LANGUAGES, outside_fences, structure


def glossary_problems(root: Path) -> list[str]:
    """glossary.yml is valid, its links point to real pages and headings, and no Korean page uses a
    spelling it marks as discouraged (`avoid`)."""
    from extensions.glossary import load, term_pattern

    path = root / "glossary.yml"
    try:
        entries = load(path, path.stat().st_mtime if path.exists() else 0.0)
    except ValueError as e:
        return [str(e)]
    docs = root / "docs"
    found = []
    for e in entries:
        if e.get("page"):
            page, _, anchor = e["page"].partition("#")
            for lang in LANGUAGES:
                source = docs / lang / page
                if not source.is_file():
                    found.append(f"glossary.yml ({e['en']}): page {page} does not exist in docs/{lang}")
                elif anchor and anchor not in {
                    i for _, i, _ in structure(source.read_text(encoding="utf-8"))["headings"]
                }:
                    found.append(f"glossary.yml ({e['en']}): docs/{lang}/{page} has no heading #{anchor}")
    avoid = [
        (term_pattern(bad, "ko", exact_spacing=True), bad, e["ko"]) for e in entries for bad in e.get("avoid") or []
    ]
    for page in sorted((docs / "ko").rglob("*.md")):
        for number, line in outside_fences(page.read_text(encoding="utf-8")):
            for pattern, bad, good in avoid:
                if pattern.search(line):
                    found.append(
                        f"{page.relative_to(root)}:{number}: '{bad}' is discouraged, write '{good}' (glossary.yml)"
                    )
    return found
