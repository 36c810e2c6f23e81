"""One bilingual glossary (glossary.yml) drives four things:

1. the glossary page of each language: a line `{{ glossary() }}` in docs/*/glossary.md becomes the list;
2. a tooltip (<abbr title>) on the first use of each term on every page, in the page's language;
3. search pairs: a search section that mentions a term in one language also matches the other
   (`Kubernetes` finds the Korean page that says 쿠버네티스), and spacing variants (가상 머신/가상머신);
4. tools/checks.py lints the Korean pages for spellings the glossary marks as discouraged (`avoid`).

Korean particles attach to nouns (서버가, 서버를), so a Korean term also matches when a particle follows;
PARTICLES is the same list the search separator in mkdocs.yml strips (tests/tools checks they agree).
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as etree
from functools import lru_cache
from pathlib import Path

import yaml
from markdown import Extension
from markdown.treeprocessors import Treeprocessor
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

PARTICLES = "에서|에게|으로|까지|부터|보다|처럼|이나|이랑|은|는|이|가|을|를|의|에|로|와|과|도|만|나|랑"
FIELDS = {"en", "ko", "en_def", "ko_def", "page", "avoid"}
REQUIRED = ("en", "ko", "en_def", "ko_def")
SKIP_TAGS = {"code", "pre", "samp", "a", "abbr", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style", "kbd", "summary"}
PLACEHOLDER = "{{ glossary() }}"


def slug(term: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


@lru_cache(maxsize=None)
def load(path: Path, mtime: float = 0.0) -> tuple[dict, ...]:
    """The glossary entries, validated; PluginError names the file and the entry."""
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise PluginError(f"{path.name}: unreadable ({e})") from None
    if not isinstance(entries, list) or not entries:
        raise PluginError(f"{path.name}: expected a non-empty list of terms")
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name} entry {number}"
        if not isinstance(entry, dict):
            raise PluginError(f"{where}: expected a mapping")
        if unknown := set(entry) - FIELDS:
            raise PluginError(f"{where} ({entry.get('en')}): unknown fields {sorted(unknown)}")
        for field in REQUIRED:
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                raise PluginError(f"{where} ({entry.get('en')}): '{field}' must be a non-empty string")
        for key in {slug(entry["en"]), entry["ko"]}:  # cgroup is "cgroup" in both languages
            if key in seen:
                raise PluginError(f"{where}: {key!r} already defined by entry {seen[key]}")
            seen[key] = number
    return tuple(entries)


def term_pattern(term: str, lang: str, exact_spacing: bool = False) -> re.Pattern:
    """A term as a whole word (a hyphen joins words: no CRI in CRI-O, no certificate in client-certificate);
    in Korean a particle may follow (서버가), in English a plural -s.
    Spacing is loose (가상 머신 also matches 가상머신) unless `exact_spacing` (for `avoid` spellings:
    레플리카 셋 must not match 레플리카셋)."""
    words = (r"\s+" if exact_spacing else r"\s*").join(re.escape(w) for w in term.split())
    if lang == "ko":
        return re.compile(rf"(?<![가-힣A-Za-z0-9-])({words})(?=(?:{PARTICLES})?(?![가-힣A-Za-z0-9-]))")
    flags = 0 if term != term.lower() else re.IGNORECASE  # proper nouns keep their case
    return re.compile(rf"(?<![A-Za-z0-9-])({words})(?=s?(?![A-Za-z0-9-]))", flags)  # not CRI in CRI-O


class FirstUseTooltips(Treeprocessor):
    """Wrap the first use of each glossary term on a page in <abbr title="…">."""

    def __init__(self, md, entries: tuple[dict, ...], lang: str):
        super().__init__(md)
        other = "en" if lang == "ko" else "ko"
        terms = sorted(entries, key=lambda e: -len(e[lang]))  # longest first: 혼잡 윈도우 before 윈도우
        self.terms = [(term_pattern(e[lang], lang), f"{e[other]}: {e[lang + '_def']}") for e in terms]

    def run(self, root: etree.Element) -> None:
        pending = list(self.terms)
        self._walk(root, pending)

    def _walk(self, element: etree.Element, pending: list) -> None:
        if element.tag in SKIP_TAGS or "nb-cell" in (element.get("class") or ""):
            return
        element.text = self._mark(element, element.text, pending, index=0)
        for child in list(element):
            self._walk(child, pending)
            child.tail = self._mark(element, child.tail, pending, index=list(element).index(child) + 1)

    def _mark(self, parent: etree.Element, text: str | None, pending: list, index: int) -> str | None:
        if not text or not pending:
            return text
        for number, (pattern, title) in enumerate(pending):
            match = pattern.search(text)
            if match:
                del pending[number]
                abbr = etree.Element("abbr", title=title)
                abbr.text = match[1]
                parent.insert(index, abbr)
                abbr.tail = self._mark(parent, text[match.end(1) :], pending, index + 1)
                return text[: match.start(1)]
        return text


class GlossaryExtension(Extension):
    def __init__(self, entries: tuple[dict, ...], lang: str):
        super().__init__()
        self.entries, self.lang = entries, lang

    def extendMarkdown(self, md) -> None:
        md.treeprocessors.register(FirstUseTooltips(md, self.entries, self.lang), "glossary_tooltips", 4)


def _path(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent / "glossary.yml"


def _entries(config: MkDocsConfig) -> tuple[dict, ...]:
    path = _path(config)
    return load(path, path.stat().st_mtime if path.exists() else 0.0)


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    lang = config.extra["i18n"]["current"]
    config.markdown_extensions.append(GlossaryExtension(_entries(config), lang))
    return config


HEADING = re.compile(r"^#{1,6} (.+?) \{ #([\w-]+) \}\s*$", re.M)


def where_explained(docs_dir: Path, target: str) -> str:
    """Link text for `page.md#anchor`: the page's title and the section's heading ("TCP/IP › 흐름 제어"),
    read from the source, so every "more" link says where it goes (Lighthouse: descriptive link text)."""
    page, _, anchor = target.partition("#")
    source = docs_dir / page
    headings = {id_: text for text, id_ in HEADING.findall(source.read_text(encoding="utf-8"))} if source.is_file() else {}
    title = next(iter(headings.values()), page.removesuffix(".md"))
    return f"{title} › {headings[anchor]}" if anchor in headings and headings[anchor] != title else title


def render(entries: tuple[dict, ...], lang: str, page_url: str, docs_dir: Path | None = None) -> str:
    """The glossary as a definition list, sorted in the page's language, one id per term in both."""
    other = "en" if lang == "ko" else "ko"
    lines = ['<dl class="glossary">']
    for e in sorted(entries, key=lambda e: e[lang].lower()):
        link = ""
        if e.get("page"):
            page, _, anchor = e["page"].partition("#")
            href = get_relative_url(page.removesuffix(".md") + "/", page_url or ".") + (f"#{anchor}" if anchor else "")
            text = where_explained(docs_dir, e["page"]) if docs_dir else e["page"]
            link = f' <a href="{html.escape(href)}">{"→ " + html.escape(text)}</a>'
        counterpart = f' <span lang="{other}">({html.escape(e[other])})</span>' if e[other] != e[lang] else ""
        lines.append(f'<dt id="{slug(e["en"])}">{html.escape(e[lang])}{counterpart}</dt>')
        lines.append(f"<dd>{html.escape(e[lang + '_def'])}{link}</dd>")
    lines.append("</dl>")
    return "\n".join(lines)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files) -> str:
    if PLACEHOLDER not in markdown:
        return markdown
    return markdown.replace(PLACEHOLDER, render(_entries(config), config.extra["i18n"]["current"], page.url, Path(config.docs_dir)))


def search_pairs(text: str, entries: tuple[dict, ...]) -> list[str]:
    """Words to add to a search section so that a term is found in either language and spelling."""
    extra = []
    for e in entries:
        ko, en = term_pattern(e["ko"], "ko").search(text), term_pattern(e["en"], "en").search(text)
        if ko or en:
            for word in (e["ko"], e["ko"].replace(" ", ""), e["en"]):
                if word.lower() not in text.lower() and word not in extra:
                    extra.append(word)
    return extra


def on_post_build(config: MkDocsConfig) -> None:
    index = Path(config.site_dir) / "search" / "search_index.json"
    if not index.is_file():
        raise PluginError(f"{index}: no search index to add the glossary's pairs to")
    data = json.loads(index.read_text(encoding="utf-8"))
    entries = _entries(config)
    for doc in data["docs"]:
        if extra := search_pairs(f"{doc.get('title', '')} {doc.get('text', '')}", entries):
            doc["text"] = f"{doc.get('text', '')} <span hidden>{html.escape(' '.join(extra))}</span>"
    index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
