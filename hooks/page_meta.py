"""Each page's <meta name="description">: its own lead paragraph, not the site's one description.

Material writes `page.meta.description` when a page has one, else `site_description`, so every page
shared one sentence (search results and link previews could not tell them apart). A page may set
`description:` in front matter; otherwise it is the first paragraph after the title, without Markdown,
cut after the last whole sentence that fits in LIMIT characters (a longer first sentence is cut at a
word, with "…"). tools/checks.py fails when two pages of a language share a description or one has none.
"""

from __future__ import annotations

import html
import re

LIMIT = 160
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
MARKUP = re.compile(r"[`*_]")
# A sentence ends at . ! ? followed by a space (Korean sentences end in 다. / 요. the same way).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def lead(markdown: str) -> str:
    """The first paragraph after the title, as plain text."""
    for block in re.split(r"\n\s*\n", markdown):
        block = block.strip()
        if not block or block.startswith(("#", "{{", "///", "```", "<", "|", "-", "*", ">", "!!!")):
            continue
        text = MARKUP.sub("", LINK.sub(r"\1", " ".join(block.split())))
        return text.strip()
    return ""


def describe(text: str, limit: int = LIMIT) -> str:
    sentences = SENTENCE_END.split(text)
    out = sentences[0]
    if len(out) > limit:
        return out[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    for s in sentences[1:]:
        if len(out) + 1 + len(s) > limit:
            break
        out += " " + s
    return out


def on_page_markdown(markdown: str, page, config, files) -> str:
    if not page.meta.get("description"):
        text = lead(markdown)
        if text:
            # escaped here: Material's template writes it into content="..." as it is
            page.meta["description"] = html.escape(describe(text))
    return markdown
