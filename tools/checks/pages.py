"""Reading a page's Markdown source: what lies outside code fences, its headings, embeds and includes.

Shared by the checks of sources, the built site and the glossary.
"""

from __future__ import annotations

import re

LANGUAGES = {"ko": "", "en": "en/"}  # language -> prefix under the site root

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
HEADING_ID = re.compile(r"\{\s*#([A-Za-z0-9_-]+)[^}]*\}\s*$")
EMBED = re.compile(r'^\{\{ (cell|diagram)\("([^"]+)", "([^"]+)"(?:, "[^"]*")?\) \}\}$')  # alt text may differ
INCLUDE = re.compile(r'^\s*-{1,}8<-{1,}\s+"([^"]+)"\s*$')


def outside_fences(text: str):
    """(line number, line) for every line not inside a fenced code block."""
    fence = None
    for number, line in enumerate(text.split("\n"), start=1):
        match = FENCE.match(line)
        if match and (fence is None or match[1][0] == fence[0] and len(match[1]) >= len(fence)):
            fence = None if fence else match[1]
            continue
        if fence is None:
            yield number, line


def structure(text: str, lang: str | None = None) -> dict[str, list]:
    """What must be identical between the two languages of a page, in order. A diagram drawn once per
    language is tagged with the page's language (`chain-ko` on the Korean page, `chain-en` on the English):
    given `lang`, that suffix reads as `-{lang}`, so the pair compares equal and a page showing the other
    language's picture does not. An included file made per language (`event_loop.ko.md` on the Korean page,
    `event_loop.en.md` on the English) pairs the same way."""
    headings, embeds, includes = [], [], []
    for number, line in outside_fences(text):
        if match := HEADING.match(line):
            id_ = HEADING_ID.search(match[2])
            headings.append((len(match[1]), id_[1] if id_ else None, number))
        elif match := EMBED.match(line.strip()):
            tag = match[3]
            if match[1] == "diagram" and lang and tag.endswith(f"-{lang}"):
                tag = tag.removesuffix(f"-{lang}") + "-{lang}"
            embeds.append((match[1], match[2], tag))
    for line in text.split("\n"):  # snippet includes live inside fences
        if match := INCLUDE.match(line):
            path = match[1]
            if lang:  # a file made per language (event_loop.ko.md, event_loop.en.md): its own language's, as diagrams
                path = re.sub(rf"\.{lang}(\.\w+)(?=:|$)", r".{lang}\1", path)
            includes.append(path)
    return {"headings": headings, "embeds": embeds, "includes": includes}
