"""What we change in every page's HTML after Material renders it.

1. Validity and accessibility: Material's search is a role="dialog" without a name (axe:
   aria-dialog-name), so it gets an aria-label in the page's language. Material marks its checkbox toggles (drawer, search) autocomplete="off", which HTML allows
   only on text-like inputs; the Nu HTML Checker (tests/site) reports it as an error. Dropping it only
   means Firefox may restore a toggle's state when a reader goes back.
2. Size: drop the indentation MkDocs and Material templates leave in every page (about 5 KB a page).
3. Size: Material inlines its theme icons (logo, search, palette toggles, language, edit, footer arrows)
   in every page, twelve icons and about 3.5 KB a page, 126 KB over the site. Each page instead points at
   one shared file, assets/images/icons.svg, with <svg viewBox><use href="…#id"></svg>: the same path
   drawn in the same box with the same fill (currentcolor, inherited into <use>), one file the browser
   caches. 404 pages keep their inline icons (they are templates without a page, and few).

Only whitespace at the start of a line goes, and never inside <pre> or <textarea>, where it is content.
Inside code blocks, Pygments wraps whitespace in <span class="w"> (no style uses it), names in
<span class="n">, punctuation in <span class="p"> and operators in <span class="o"> (all drawn in the
code's own colour), and starts each block with an empty <span></span>: all of them go, their text stays;
the page looks the same. Operators alone were 3,400 spans, 70 KB over the site.
It helps keep pages inside the 20 KiB gzip budget and the rest of the site inside its own (tools/checks/budgets.py).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

KEEP = re.compile(r"(<pre[\s>].*?</pre>|<textarea[\s>].*?</textarea>)", re.S | re.I)
INDENT = re.compile(r"\n[ \t]+")
BLANK_LINES = re.compile(r"\n{2,}")
CHECKBOX_AUTOCOMPLETE = re.compile(r'(<input [^>]*type="checkbox"[^>]*?) autocomplete="off"')
# Material colours .n (names) with --md-code-hl-name-color, the code's own colour, and extra.css gives
# .p (punctuation) and .o (operators) that colour too: spans that change nothing on screen.
UNSTYLED_SPAN = re.compile(r'<span class="[wnpo]">([^<]*)</span>|<span></span>')


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


ICON = re.compile(r'<svg xmlns="http://www.w3.org/2000/svg" viewBox="(0 0 24 24)">(<path d="[^"]+"/>)</svg>')
SPRITE = "assets/images/icons.svg"
_icons: dict[str, str] = {}  # id -> <path>, every icon this build's pages use


def icon_id(path: str) -> str:
    return "i" + hashlib.sha256(path.encode()).hexdigest()[:8]


def shared_icons(html: str, root: str, icons: dict[str, str]) -> str:
    """Every inline theme icon becomes a <use> of its symbol in the sprite, `root` being the relative way
    from the page to the site root ("" or "../" or "../../"); the icons found go into `icons`."""

    def use(match: re.Match) -> str:
        ident = icon_id(match[2])
        icons[ident] = match[2]
        return f'<svg viewBox="{match[1]}"><use href="{root}{SPRITE}#{ident}"></use></svg>'

    return ICON.sub(use, html)


def sprite(icons: dict[str, str]) -> str:
    """The sprite file: one <symbol> per icon, sorted, so both languages write the same bytes (and
    hooks/site_files.share_assets keeps one copy)."""
    symbols = "".join(f'<symbol id="{i}" viewBox="0 0 24 24">{icons[i]}</symbol>' for i in sorted(icons))
    return f'<svg xmlns="http://www.w3.org/2000/svg">{symbols}</svg>\n'


def on_pre_build(config) -> None:
    _icons.clear()


def on_post_page(output: str, page, config) -> str:
    root = "../" * page.url.count("/")  # use_directory_urls: "tcp-ip/connections/" is two folders down
    return shared_icons(compact(valid(output, config.theme["language"])), root, _icons)


def on_post_build(config) -> None:
    if _icons:
        path = Path(config.site_dir) / SPRITE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sprite(_icons), encoding="utf-8")


def on_post_template(output: str, template_name: str, config) -> str:
    return compact(valid(output, config.theme["language"])) if template_name.endswith(".html") else output
