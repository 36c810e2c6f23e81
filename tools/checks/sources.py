"""Checks of the page sources (docs/ko, docs/en): every page in both languages, one paragraph per line,
explicit heading ids, and the same headings, embeds and snippet includes in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from tools.checks.pages import LANGUAGES, outside_fences, structure

PROSE = re.compile(r"^[^\s#|>\-*+0-9<{/!`~\[]")  # a line that starts a paragraph, not markup


def hard_wraps(text: str) -> list[int]:
    """Line numbers where a paragraph continues on the next line (pages keep one paragraph per line)."""
    lines = dict(outside_fences(text))
    return [n for n, line in lines.items() if PROSE.match(line) and n + 1 in lines and PROSE.match(lines[n + 1])]


def source_problems(docs: Path) -> list[str]:
    """Pages missing in a language, headings without an explicit id, and differences in structure."""
    pages = {lang: {p.relative_to(docs / lang).as_posix() for p in (docs / lang).rglob("*.md")} for lang in LANGUAGES}
    found = []
    for lang, other in (("ko", "en"), ("en", "ko")):
        for page in sorted(pages[lang] - pages[other]):
            found.append(f"docs/{lang}/{page}: no docs/{other}/{page} (every page exists in both languages)")
    for lang in LANGUAGES:  # every page, also one whose translation is missing, so all its faults show at once
        for page in sorted(pages[lang]):
            text = (docs / lang / page).read_text(encoding="utf-8")
            for number in hard_wraps(text):
                found.append(
                    f"docs/{lang}/{page}:{number}: paragraph wrapped onto the next line (keep one paragraph per line)"
                )
            for level, id_, number in structure(text)["headings"]:
                if id_ is None and level > 1:
                    found.append(f"docs/{lang}/{page}:{number}: heading without an explicit id ({{ #english-id }})")
    for page in sorted(pages["ko"] & pages["en"]):
        parts = {lang: structure((docs / lang / page).read_text(encoding="utf-8"), lang) for lang in LANGUAGES}
        heads = {lang: [h for h in parts[lang]["headings"] if h[0] > 1] for lang in LANGUAGES}
        for i in range(max(len(heads["ko"]), len(heads["en"]))):
            ko, en = (heads[lang][i] if i < len(heads[lang]) else None for lang in ("ko", "en"))
            if ko is None or en is None or ko[:2] != en[:2]:
                show = {
                    lang: f"line {h[2]}: {'#' * h[0]} {{ #{h[1]} }}" if h else "nothing"
                    for lang, h in (("ko", ko), ("en", en))
                }
                found.append(f"docs/*/{page}: heading {i + 1} differs: docs/ko {show['ko']} vs docs/en {show['en']}")
                break
        for key in ("embeds", "includes"):
            if parts["ko"][key] != parts["en"][key]:
                found.append(
                    f"docs/*/{page}: {key} differ between languages: ko {parts['ko'][key]} vs en {parts['en'][key]}"
                )
    return found
