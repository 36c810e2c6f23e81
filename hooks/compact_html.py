"""Drop the indentation MkDocs and Material templates leave in every page (about 5 KB a page).

Only whitespace at the start of a line goes, and never inside <pre> or <textarea>, where it is content.
It keeps pages inside the 60 KB budget that tests/site checks.
"""

from __future__ import annotations

import re

KEEP = re.compile(r"(<pre[\s>].*?</pre>|<textarea[\s>].*?</textarea>)", re.S | re.I)
INDENT = re.compile(r"\n[ \t]+")
BLANK_LINES = re.compile(r"\n{2,}")


def compact(html: str) -> str:
    parts = KEEP.split(html)
    for i in range(0, len(parts), 2):  # even parts are outside <pre>/<textarea>
        parts[i] = BLANK_LINES.sub("\n", INDENT.sub("\n", parts[i]))
    return "".join(parts)


def on_post_page(output: str, page, config) -> str:
    return compact(output)
