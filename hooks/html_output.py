"""What we change in every page's HTML after Material renders it.

1. Validity and accessibility: Material's search is a role="dialog" without a name (axe:
   aria-dialog-name), so it gets an aria-label in the page's language. Material marks its checkbox toggles (drawer, search) autocomplete="off", which HTML allows
   only on text-like inputs; the Nu HTML Checker (tests/site) reports it as an error. Dropping it only
   means Firefox may restore a toggle's state when a reader goes back.
2. Size: drop the indentation MkDocs and Material templates leave in every page (about 5 KB a page).

Only whitespace at the start of a line goes, and never inside <pre> or <textarea>, where it is content.
Inside code blocks, Pygments wraps whitespace in <span class="w"> (no style uses it), names in
<span class="n"> and punctuation in <span class="p"> (both drawn in the code's own colour), and starts
each block with an empty <span></span>: all of them go, their text stays; the page looks the same.
It keeps pages inside the 60 KB budget that tests/site checks.
"""

from __future__ import annotations

import re

KEEP = re.compile(r"(<pre[\s>].*?</pre>|<textarea[\s>].*?</textarea>)", re.S | re.I)
INDENT = re.compile(r"\n[ \t]+")
BLANK_LINES = re.compile(r"\n{2,}")
CHECKBOX_AUTOCOMPLETE = re.compile(r'(<input [^>]*type="checkbox"[^>]*?) autocomplete="off"')
# Material colours .n (names) with --md-code-hl-name-color, the code's own colour, and extra.css gives
# .p (punctuation) that colour too: spans that change nothing on screen.
UNSTYLED_SPAN = re.compile(r'<span class="[wnp]">([^<]*)</span>|<span></span>')


def compact(html: str) -> str:
    parts = KEEP.split(html)
    for i in range(0, len(parts), 2):  # even parts are outside <pre>/<textarea>
        parts[i] = BLANK_LINES.sub("\n", INDENT.sub("\n", parts[i]))
    for i in range(1, len(parts), 2):
        parts[i] = UNSTYLED_SPAN.sub(lambda m: m[1] or "", parts[i])
    return "".join(parts)


SEARCH_DIALOG = re.compile(r'(<div class="md-search"[^>]*role="dialog")(?![^>]*aria-label)')
SEARCH_LABEL = {"ko": "검색", "en": "Search"}


def valid(html: str, language: str = "en") -> str:
    html = SEARCH_DIALOG.sub(rf'\1 aria-label="{SEARCH_LABEL[language]}"', html)
    return CHECKBOX_AUTOCOMPLETE.sub(r"\1", html)


def on_post_page(output: str, page, config) -> str:
    return compact(valid(output, config.theme["language"]))


def on_post_template(output: str, template_name: str, config) -> str:
    return compact(valid(output, config.theme["language"])) if template_name.endswith(".html") else output
