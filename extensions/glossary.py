"""One bilingual glossary (glossary.yml) drives, on the pages:

1. the glossary list: a line `{{ glossary() }}` (docs/*/glossary.md) becomes a definition list, sorted in
   the page's language, one id per term in both languages, each linking the section that explains it;
2. a tooltip (<abbr title>) on the first use of each term on every page, in the page's language.

Site-level, in MkDocs only (hooks/glossary.py): search pairs, so a search section that mentions a term in
one language also matches the other. tools/checks.py lints Korean pages for spellings marked `avoid`.

Korean particles attach to nouns (서버가, 서버를), so a Korean term also matches when a particle follows;
PARTICLES is the same list the search separator in mkdocs.yml strips (tests/tools checks they agree).

Options: base_path (the project, with glossary.yml: `!relative $config_dir`), docs_dir (this language's
pages, read for the link text: `!relative $docs_dir`), lang (ko or en).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from functools import cache
from pathlib import Path

import yaml
from markdown import Extension, Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from extensions._page import TransformError, where

PARTICLES = "에서|에게|으로|까지|부터|보다|처럼|이나|이랑|은|는|이|가|을|를|의|에|로|와|과|도|만|나|랑"
FIELDS = {"en", "ko", "en_def", "ko_def", "page", "avoid", "aliases"}
REQUIRED = ("en", "ko", "en_def", "ko_def")
LANGUAGES = ("ko", "en")
SKIP_TAGS = {
    "code",
    "pre",
    "samp",
    "a",
    "abbr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "script",
    "style",
    "kbd",
    "summary",
}
SKIP_CLASSES = ("nb-cell", "glossary")  # notebook cells; the glossary list itself
PLACEHOLDER = "{{ glossary() }}"
LOOKS_LIKE_PLACEHOLDER = re.compile(r"\{\{\s*glossary\b")


def slug(term: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


@cache
def load(path: Path, mtime: float = 0.0) -> tuple[dict, ...]:
    """The glossary entries, validated; ValueError names the file and the entry."""
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ValueError(f"{path.name}: unreadable ({e})") from None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path.name}: expected a non-empty list of terms")
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name} entry {number}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected a mapping")
        if unknown := set(entry) - FIELDS:
            raise ValueError(f"{where} ({entry.get('en')}): unknown fields {sorted(unknown)}")
        for field in REQUIRED:
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                raise ValueError(f"{where} ({entry.get('en')}): '{field}' must be a non-empty string")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise ValueError(f"{where} ({entry.get('en')}): 'aliases' must be a list of non-empty strings")
        for key in {slug(entry["en"]), entry["ko"], *aliases}:  # cgroup is "cgroup" in both languages
            if key in seen:
                raise ValueError(f"{where}: {key!r} already defined by entry {seen[key]}")
            seen[key] = number
    return tuple(entries)


def entries_of(path: Path) -> tuple[dict, ...]:
    """load() cached until the file changes."""
    return load(path, path.stat().st_mtime if path.exists() else 0.0)


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


@cache
def tooltips(path: Path, mtime: float, lang: str) -> tuple[tuple[re.Pattern, str], ...]:
    """(pattern, title) per term, longest first (혼잡 윈도우 before 윈도우): compiled once per glossary
    version, not once per page."""
    other = "en" if lang == "ko" else "ko"
    terms = sorted(load(path, mtime), key=lambda e: -len(e[lang]))
    return tuple((term_pattern(e[lang], lang), f"{e[other]}: {e[lang + '_def']}") for e in terms)


class FirstUseTooltips(Treeprocessor):
    """Wrap the first use of each glossary term on a page in <abbr title="…">."""

    def __init__(self, md: Markdown, terms: tuple[tuple[re.Pattern, str], ...]):
        super().__init__(md)
        self.terms = terms

    def run(self, root: etree.Element) -> None:
        pending = list(self.terms)
        self._walk(root, pending)

    def _walk(self, element: etree.Element, pending: list) -> None:
        classes = (element.get("class") or "").split()
        if element.tag in SKIP_TAGS or any(c in classes for c in SKIP_CLASSES):
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


HEADING = re.compile(r"^#{1,6} (.+?) \{ #([\w-]+) \}\s*$", re.M)


def where_explained(docs_dir: Path, target: str) -> str:
    """Link text for `page.md#anchor`: the page's title and the section's heading ("TCP/IP › 흐름 제어"),
    read from the source, so every "more" link says where it goes (Lighthouse: descriptive link text)."""
    page, _, anchor = target.partition("#")
    source = docs_dir / page
    headings = (
        {id_: text for text, id_ in HEADING.findall(source.read_text(encoding="utf-8"))} if source.is_file() else {}
    )
    title = next(iter(headings.values()), page.removesuffix(".md"))
    return f"{title} › {headings[anchor]}" if anchor in headings and headings[anchor] != title else title


def _text(parent: etree.Element, tag: str, text: str, **attributes: str) -> etree.Element:
    element = etree.SubElement(parent, tag, attributes)
    element.text = AtomicString(text)  # shown as written: no Markdown inside a definition
    return element


def render(entries: tuple[dict, ...], lang: str, docs_dir: Path | None = None) -> etree.Element:
    """The glossary as a definition list, sorted in the page's language, one id per term in both.
    Links are to `page.md#anchor` as glossary.yml says, relative to the docs root: the generator resolves them."""
    other = "en" if lang == "ko" else "ko"
    dl = etree.Element("dl", {"class": "glossary"})
    for e in sorted(entries, key=lambda e: e[lang].lower()):
        dt = _text(dl, "dt", e[lang], id=slug(e["en"]))
        if e[other] != e[lang]:
            _text(dt, "span", f"({e[other]})", lang=other).tail = None
            dt.text = AtomicString(f"{e[lang]} ")
        dd = _text(dl, "dd", e[lang + "_def"])
        if e.get("page"):
            text = where_explained(docs_dir, e["page"]) if docs_dir else e["page"]
            dd.text = AtomicString(f"{e[lang + '_def']} ")
            _text(dd, "a", f"→ {text}", href=e["page"])
    return dl


class GlossaryList(BlockProcessor):
    """The paragraph `{{ glossary() }}` becomes the list."""

    def __init__(self, parser, entries, lang: str, docs_dir: Path | None):
        super().__init__(parser)
        self.entries, self.lang, self.docs_dir = entries, lang, docs_dir

    def test(self, parent: etree.Element, block: str) -> bool:
        return block.strip() == PLACEHOLDER

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        blocks.pop(0)
        parent.append(render(self.entries, self.lang, self.docs_dir))


class MalformedPlaceholder(Preprocessor):
    """A `{{ glossary` that is not the placeholder alone on its line would show as raw text: fail instead."""

    def __init__(self, md: Markdown, base: Path):
        super().__init__(md)
        self.base = base

    def run(self, lines: list[str]) -> list[str]:
        for index, line in enumerate(lines):
            if LOOKS_LIKE_PLACEHOLDER.search(line) and line.strip() != PLACEHOLDER:
                raise TransformError(
                    f"{where(self.md, lines, index, self.base)}: malformed glossary, "
                    f"write {PLACEHOLDER} alone on its line: {line.strip()}"
                )
        return lines


class GlossaryExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "base_path": ["", "The project folder, with glossary.yml (mkdocs.yml: !relative $config_dir)"],
            "docs_dir": ["", "This language's pages, read for the text of 'more' links (!relative $docs_dir)"],
            "lang": ["", "The pages' language: ko or en"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        lang = self.getConfig("lang")
        if lang not in LANGUAGES:
            raise TransformError(f"extensions.glossary: option lang must be one of {LANGUAGES}, not {lang!r}")
        base = Path(self.getConfig("base_path") or ".")
        docs = self.getConfig("docs_dir")
        path = base / "glossary.yml"
        entries = entries_of(path)  # fails early, naming the entry, if glossary.yml is broken
        terms = tooltips(path, path.stat().st_mtime, lang)
        md.preprocessors.register(MalformedPlaceholder(md, base), "glossary_placeholder", 34)
        md.parser.blockprocessors.register(
            GlossaryList(md.parser, entries, lang, Path(docs) if docs else None), "glossary_list", 12
        )
        md.treeprocessors.register(FirstUseTooltips(md, terms), "glossary_tooltips", 4)


def makeExtension(**kwargs) -> GlossaryExtension:
    return GlossaryExtension(**kwargs)
