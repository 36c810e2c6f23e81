"""Checks over the page sources (docs/ko, docs/en) and the built site, as plain functions.

Each returns a list of problems, each naming the file; tests/site/ asserts the lists are empty, and
tests/tools/ feeds them broken input to prove they can fail.
"""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LANGUAGES = {"ko": "", "en": "en/"}  # language -> prefix under the site root
PAGE_BUDGET = 60 * 1024  # bytes of HTML per page
FIRST_VISIT_BUDGET = 400 * 1024  # bytes (uncompressed) a first visit loads: HTML, CSS, JS, fonts, images; not the search index
BUILD_BUDGET_S = 10  # `mkdocs build`, both languages, on a 2-core machine
NBVAL_BUDGET_S = 30  # the whole nbval run: all notebooks' time divided over make test's workers
NOT_FETCHED = {"canonical", "alternate", "prev", "next", "author", "license"}  # <link rel> a browser does not load

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
HEADING_ID = re.compile(r"\{\s*#([A-Za-z0-9_-]+)[^}]*\}\s*$")
EMBED = re.compile(r'^\{\{ (cell|diagram)\("([^"]+)", "([^"]+)"(?:, "[^"]*")?\) \}\}$')  # alt text may differ
INCLUDE = re.compile(r'^\s*-{1,}8<-{1,}\s+"([^"]+)"\s*$')


# --- Sources ------------------------------------------------------------------------------------


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


def structure(text: str) -> dict[str, list]:
    """What must be identical between the two languages of a page, in order."""
    headings, embeds, includes = [], [], []
    for number, line in outside_fences(text):
        if match := HEADING.match(line):
            id_ = HEADING_ID.search(match[2])
            headings.append((len(match[1]), id_[1] if id_ else None, number))
        elif match := EMBED.match(line.strip()):
            embeds.append((match[1], match[2], match[3]))
    for line in text.split("\n"):  # snippet includes live inside fences
        if match := INCLUDE.match(line):
            includes.append(match[1])
    return {"headings": headings, "embeds": embeds, "includes": includes}


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
                found.append(f"docs/{lang}/{page}:{number}: paragraph wrapped onto the next line (keep one paragraph per line)")
            for level, id_, number in structure(text)["headings"]:
                if id_ is None and level > 1:
                    found.append(f"docs/{lang}/{page}:{number}: heading without an explicit id ({{ #english-id }})")
    for page in sorted(pages["ko"] & pages["en"]):
        parts = {lang: structure((docs / lang / page).read_text(encoding="utf-8")) for lang in LANGUAGES}
        heads = {lang: [h for h in parts[lang]["headings"] if h[0] > 1] for lang in LANGUAGES}
        for i in range(max(len(heads["ko"]), len(heads["en"]))):
            ko, en = (heads[lang][i] if i < len(heads[lang]) else None for lang in ("ko", "en"))
            if ko is None or en is None or ko[:2] != en[:2]:
                show = {lang: f"line {h[2]}: {'#' * h[0]} {{ #{h[1]} }}" if h else "nothing" for lang, h in (("ko", ko), ("en", en))}
                found.append(f"docs/*/{page}: heading {i + 1} differs: docs/ko {show['ko']} vs docs/en {show['en']}")
                break
        for key in ("embeds", "includes"):
            if parts["ko"][key] != parts["en"][key]:
                found.append(f"docs/*/{page}: {key} differ between languages: ko {parts['ko'][key]} vs en {parts['en'][key]}")
    return found


# --- Built site ---------------------------------------------------------------------------------


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
        size = file.stat().st_size
        if size > PAGE_BUDGET:
            found.append(f"{name}: {size} bytes of HTML, over the {PAGE_BUDGET}-byte budget")
        if page.lang != lang:
            found.append(f'{name}: <html lang="{page.lang}">, expected "{lang}"')
        if lang == "ko":  # a label left in English (Material's defaults, config strings) on a Korean page
            for label in sorted(set(page.labels)):
                if not HANGUL.search(label):
                    found.append(f"{name}: {label} is not in Korean")
        for src in page.blocking_scripts:
            found.append(f"{name}: <script src={src}> is not deferred (overrides/main.html defers Material's scripts)")
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
        for macro in ("cell", "diagram"):
            if "{{ %s(" % macro in file.read_text(encoding="utf-8"):
                found.append(f"{name}: an unprocessed {{{{ {macro}(...) }}}} line is on the page")
        source = _source(docs, lang, rel) if docs is not None else None
        if source is not None:
            expected = len(structure(source.read_text(encoding="utf-8"))["embeds"])
            if page.embeds != expected:
                found.append(f"{name}: {page.embeds} notebook cells and diagrams on the page, {expected} in docs/{lang}/{source.name}")
    descriptions: dict[tuple[str, str | None], list[str]] = {}
    for file, page in parsed.items():
        rel = file.relative_to(site).as_posix()
        if not rel.endswith("404.html"):
            descriptions.setdefault(("en" if rel.startswith("en/") else "ko", page.description), []).append(f"site/{rel}")
    for (lang, text), names in sorted(descriptions.items(), key=lambda kv: kv[1]):
        if len(names) > 1 or not text:
            found.append(f"{', '.join(names)}: {'the same' if text else 'no'} meta description ({text!r}); hooks/page_meta.py takes the lead paragraph")
    for lang, prefix in LANGUAGES.items():
        found += _sitemap_problems(site, prefix)
    for css in sorted(site.rglob("*.css")):
        for url in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", css.read_text(encoding="utf-8", errors="replace")):
            found.append(f"site/{css.relative_to(site).as_posix()}: loads {url} from another host")
    return found


def nav_files(nav) -> list[str]:
    """The page paths of a MkDocs nav, in order, without their titles."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [f for value in nav.values() for f in nav_files(value)]
    return [f for item in nav or [] for f in nav_files(item)]


def config_problems(root: Path) -> list[str]:
    """The two language configs list the same pages in the same order, and offer the same colour
    palette, its toggles named in their own language (Material shows the name as the button's label)."""
    from mkdocs.config import load_config

    configs = {name: load_config(str(root / name)) for name in ("mkdocs.yml", "mkdocs.en.yml")}
    navs = {name: nav_files(c.nav) for name, c in configs.items()}
    found = []
    ko, en = navs["mkdocs.yml"], navs["mkdocs.en.yml"]
    for page in [p for p in ko if p not in en]:
        found.append(f"nav differs: {page} is in mkdocs.yml's nav, not in mkdocs.en.yml's")
    for page in [p for p in en if p not in ko]:
        found.append(f"nav differs: {page} is in mkdocs.en.yml's nav, not in mkdocs.yml's")
    if not found and ko != en:
        found.append(f"nav differs: the same pages in another order: mkdocs.yml {ko} vs mkdocs.en.yml {en}")
    palettes = {name: c.theme.get("palette") or [] for name, c in configs.items()}
    unnamed = [[{k: v for k, v in p.items() if k != "toggle"} | {"icon": p.get("toggle", {}).get("icon")} for p in pal] for pal in palettes.values()]
    if unnamed[0] != unnamed[1]:
        found.append("theme.palette differs between mkdocs.yml and mkdocs.en.yml (only the toggle names may)")
    for name, want_hangul in (("mkdocs.yml", True), ("mkdocs.en.yml", False)):
        for p in palettes[name]:
            label = p.get("toggle", {}).get("name", "")
            if bool(HANGUL.search(label)) != want_hangul:
                found.append(f"{name}: palette toggle name {label!r} is not in {'Korean' if want_hangul else 'English'}")
    return found


def glossary_problems(root: Path) -> list[str]:
    """glossary.yml is valid, its links point to real pages and headings, and no Korean page uses a
    spelling it marks as discouraged (`avoid`)."""
    from mkdocs.exceptions import PluginError

    from hooks.glossary import load, term_pattern

    path = root / "glossary.yml"
    try:
        entries = load(path, path.stat().st_mtime if path.exists() else 0.0)
    except PluginError as e:
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
                elif anchor and anchor not in {i for _, i, _ in structure(source.read_text(encoding="utf-8"))["headings"]}:
                    found.append(f"glossary.yml ({e['en']}): docs/{lang}/{page} has no heading #{anchor}")
    avoid = [(term_pattern(bad, "ko", exact_spacing=True), bad, e["ko"]) for e in entries for bad in e.get("avoid") or []]
    for page in sorted((docs / "ko").rglob("*.md")):
        for number, line in outside_fences(page.read_text(encoding="utf-8")):
            for pattern, bad, good in avoid:
                if pattern.search(line):
                    found.append(f"{page.relative_to(root)}:{number}: '{bad}' is discouraged, write '{good}' (glossary.yml)")
    return found
