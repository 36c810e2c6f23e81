"""Checks of the built site: size budgets (each page, the whole site), <html lang>, Korean labels, deferred scripts, tables in
their own div, language switcher, links and anchors, requests to other hosts, embeds present, meta descriptions, and hreflang
alternates in each language's sitemap.xml."""

from __future__ import annotations

import gzip
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tools.checks.budgets import NOTEBOOK_BUDGET, PAGE_BUDGET, PAGE_GZIP_LEVEL, SEARCH_BUDGET, SHELL_BUDGET
from tools.checks.pages import LANGUAGES, structure

NOT_FETCHED = {"canonical", "alternate", "prev", "next", "author", "license"}  # <link rel> a browser does not load
HANGUL = re.compile(r"[\uac00-\ud7a3]")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str, bool]] = []  # (tag, attribute, value, fetched by the browser)
        self.hreflang: dict[str, str] = {}  # the language switcher: language -> link
        self.embeds = 0
        self.blocking_scripts: list[str] = []  # <script src> without defer/async: the parser stops for it
        self.description: str | None = None  # <meta name="description">
        self.labels: list[str] = []  # words the page shows or reads out: title, aria-label, placeholder, alt
        self.loose_tables = 0  # <table> without a class, not in a div of its own (extensions/tables.py says why)
        self._previous: tuple[str, set[str]] = ("", set())  # the last start tag and its classes

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        for key in ("id", "name"):
            if a.get(key) and tag != "meta":
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key) is not None:
                fetched = key == "src" or (tag == "link" and not set((a.get("rel") or "").split()) <= NOT_FETCHED)
                self.links.append((tag, key, a[key], fetched))
        if tag == "meta" and a.get("name") == "description":
            self.description = a.get("content")
        self.labels += [f'{key}="{a[key]}"' for key in ("title", "aria-label", "placeholder", "alt") if a.get(key)]
        if tag == "script" and a.get("src") and "defer" not in a and "async" not in a and a.get("type") != "module":
            self.blocking_scripts.append(a["src"])
        if tag == "a" and "md-select__link" in (a.get("class") or "").split() and a.get("hreflang"):
            self.hreflang[a["hreflang"]] = a["href"]
        classes = set((a.get("class") or "").split())
        if (tag == "div" and "nb-cell" in classes) or (tag == "figure" and "diagram" in classes):
            self.embeds += 1
        if tag == "table" and "class" not in a and self._previous != ("div", {"tablewrap"}):
            self.loose_tables += 1
        self._previous = (tag, classes)


def _svg_ids(path: Path) -> frozenset[str]:
    return frozenset(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _target(site: Path, page_path: str, url: str) -> tuple[Path, str] | None:
    """The file an internal link points to, and its fragment; None for links off the site."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("mailto:", "data:", "javascript:")):
        return None
    path = unquote(parts.path)
    if not path:
        path = page_path
    elif not path.startswith("/"):
        path = posixpath.join(posixpath.dirname(page_path), path)
    path = posixpath.normpath(path).lstrip("/")
    file = site / path
    if file.is_dir() or path in ("", "."):
        file = file / "index.html"
    return file, parts.fragment


def _sitemap_problems(site: Path, prefix: str) -> list[str]:
    """Every page in a sitemap names its translations (hreflang), and each one is a built page."""
    import xml.etree.ElementTree as ET

    name = f"site/{prefix}sitemap.xml"
    try:
        urls = ET.parse(site / prefix / "sitemap.xml").getroot()
    except (OSError, ET.ParseError) as e:
        return [f"{name}: unreadable ({e})"]
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    found = []
    for url in urls.findall("s:url", ns):
        loc = url.findtext("s:loc", namespaces=ns)
        links = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)}
        if set(links) != set(LANGUAGES) | {"x-default"}:
            found.append(f"{name}: {loc} has hreflang {sorted(links)}, expected {sorted(LANGUAGES)} and x-default")
        for href in links.values():
            path = urlsplit(href).path.lstrip("/")
            if not (site / path / "index.html").is_file() and not (site / path).is_file():
                found.append(f"{name}: {loc} names {href}, which is not a built page")
    if not urls.findall("s:url", ns):
        found.append(f"{name}: no pages listed")
    return found


def _source(docs: Path, lang: str, rel: str) -> Path | None:
    """The Markdown page a built page came from: tcp-ip/index.html <- tcp-ip.md or tcp-ip/index.md."""
    stem = rel.removeprefix("en/").removesuffix("index.html").rstrip("/")
    for candidate in (f"{stem}.md", f"{stem}/index.md") if stem else ("index.md",):
        if (docs / lang / candidate).is_file():
            return docs / lang / candidate
    return None


def _is_content(site: Path, file: Path) -> bool:
    """What comes with the topics: pages (each within PAGE_BUDGET), search indexes (SEARCH_BUDGET), diagrams
    (within a page's FIRST_VISIT_BUDGET) and notebooks (NOTEBOOK_BUDGET); 404 pages count as the shell."""
    rel = file.relative_to(site).as_posix().removeprefix("en/")
    if rel.startswith(("diagrams/", "notebooks/")):
        return True
    return (file.name == "index.html" and rel != "404.html") or file.name == "search_index.json"


def site_problems(site: Path, docs: Path | None = None) -> list[str]:
    """Size budget, <html lang>, language switcher, links and anchors, requests to other hosts, embeds,
    and hreflang alternates in each language's sitemap.xml."""
    found = []
    html_files = sorted(site.rglob("*.html"))
    if not html_files:
        return [f"{site}: no HTML files (did the build run?)"]
    parsed = {f: _parse(f) for f in html_files}
    for file, page in parsed.items():
        rel = file.relative_to(site).as_posix()
        name = f"site/{rel}"
        lang = "en" if rel.startswith("en/") else "ko"
        size = len(gzip.compress(file.read_bytes(), compresslevel=PAGE_GZIP_LEVEL, mtime=0))
        if size > PAGE_BUDGET:
            found.append(f"{name}: {size} bytes of HTML gzip-compressed, over the {PAGE_BUDGET}-byte budget")
        if page.lang != lang:
            found.append(f'{name}: <html lang="{page.lang}">, expected "{lang}"')
        if lang == "ko":  # a label left in English (Material's defaults, config strings) on a Korean page
            for label in sorted(set(page.labels)):
                if not HANGUL.search(label):
                    found.append(f"{name}: {label} is not in Korean")
        for src in page.blocking_scripts:
            found.append(f"{name}: <script src={src}> is not deferred (overrides/main.html defers Material's scripts)")
        if page.loose_tables and not rel.endswith("404.html"):
            found.append(
                f'{name}: {page.loose_tables} <table> not in a <div class="tablewrap"> of its own: Material\'s script'
                " would restyle the whole article at load (extensions.tables in mkdocs.yml wraps them)"
            )
        if rel.endswith("404.html"):
            continue  # links on 404 pages are absolute to SITE_URL, checked on the pages themselves
        if set(page.hreflang) != set(LANGUAGES):
            found.append(f"{name}: language switcher offers {sorted(page.hreflang)}, expected {sorted(LANGUAGES)}")
        for tag, key, url, fetched in page.links:
            parts = urlsplit(url)
            if (parts.scheme in ("http", "https") or url.startswith("//")) and fetched:
                found.append(f"{name}: <{tag} {key}={url}> makes the browser request another host")
                continue
            target = _target(site, "/" + rel, url)
            if target is None:
                continue
            target_file, fragment = target
            if not target_file.is_file():
                found.append(f"{name}: link {url} points to a missing file")
            elif fragment and target_file.suffix == ".html" and fragment not in parsed[target_file].ids:
                found.append(f"{name}: link {url} points to a missing anchor #{fragment}")
            elif fragment and target_file.suffix == ".svg" and fragment not in _svg_ids(target_file):
                found.append(f"{name}: <{tag} {key}={url}> names a symbol the SVG does not have")  # an icon
        for macro in ("cell", "diagram"):
            if f"{{{{ {macro}(" in file.read_text(encoding="utf-8"):
                found.append(f"{name}: an unprocessed {{{{ {macro}(...) }}}} line is on the page")
        source = _source(docs, lang, rel) if docs is not None else None
        if source is not None:
            expected = len(structure(source.read_text(encoding="utf-8"))["embeds"])
            if page.embeds != expected:
                found.append(
                    f"{name}: {page.embeds} notebook cells and diagrams on the page, {expected} in docs/{lang}/{source.name}"
                )
    descriptions: dict[tuple[str, str | None], list[str]] = {}
    for file, page in parsed.items():
        rel = file.relative_to(site).as_posix()
        if not rel.endswith("404.html"):
            descriptions.setdefault(("en" if rel.startswith("en/") else "ko", page.description), []).append(
                f"site/{rel}"
            )
    for (_lang, text), names in sorted(descriptions.items(), key=lambda kv: kv[1]):
        if len(names) > 1 or not text:
            found.append(
                f"{', '.join(names)}: {'the same' if text else 'no'} meta description ({text!r}); hooks/page_meta.py takes the lead paragraph"
            )
    for prefix in LANGUAGES.values():
        found += _sitemap_problems(site, prefix)
    files = [f for f in site.rglob("*") if f.is_file()]
    shell = [f for f in files if not _is_content(site, f)]
    total = sum(f.stat().st_size for f in shell)
    if total > SHELL_BUDGET:
        biggest = sorted(shell, key=lambda f: f.stat().st_size, reverse=True)[:3]
        found.append(
            f"site/: {total} bytes besides pages, search indexes, diagrams and notebooks, over the {SHELL_BUDGET}-byte budget"
            " (largest: "
            + ", ".join(f"{f.relative_to(site).as_posix()} {f.stat().st_size}" for f in biggest)
            + "); hooks/site_files.py prunes what no reader loads"
        )
    for notebook in sorted(site.rglob("*.ipynb")):
        if (size := notebook.stat().st_size) > NOTEBOOK_BUDGET:
            found.append(
                f"site/{notebook.relative_to(site).as_posix()}: {size} bytes, over the {NOTEBOOK_BUDGET}-byte budget"
            )
    for index in sorted(site.rglob("search_index.json")):
        if (size := index.stat().st_size) > SEARCH_BUDGET:
            found.append(
                f"site/{index.relative_to(site).as_posix()}: {size} bytes, over the {SEARCH_BUDGET}-byte budget"
            )
    for css in sorted(site.rglob("*.css")):
        for url in re.findall(
            r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", css.read_text(encoding="utf-8", errors="replace")
        ):
            found.append(f"site/{css.relative_to(site).as_posix()}: loads {url} from another host")
    return found
