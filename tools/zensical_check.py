"""Build both languages with Zensical and compare every page's main text with the MkDocs build.

    python tools/zensical_check.py      # needs .venv-zensical (`make .venv-zensical/.installed`)

Material for MkDocs 9 reaches end of life on 2027-05-05; its successor Zensical runs Python-Markdown
extensions but no MkDocs hooks. Our page transforms are extensions (extensions/), so every embedded cell,
its output, every diagram, glossary tooltip and the glossary list must come out of Zensical exactly as out
of MkDocs. This check says so page by page, and lists what a move to Zensical would still need:
KNOWN_DIFFERENCES, each a thing Zensical itself lacks, none a thing of ours.

Zensical gets our mkdocs.yml / mkdocs.en.yml in a temp folder, after four adaptation steps, each for something
Zensical lacks:
1. INHERIT is resolved as MkDocs resolves it (mappings merged, lists replaced): Zensical 0.0.73 appends
   lists, which would double nav and the palette;
2. `!relative` and `!ENV` become plain values: Zensical rejects `!relative`;
3. docs_dir is a copy of the language's pages with notebooks/ and diagrams/ beside them, which is what the
   site-level hooks hooks/notebook_cells.py and hooks/diagrams.py do in MkDocs (Zensical runs no hooks);
   Zensical also wants docs_dir and site_dir inside the config's folder;
4. no theme.custom_dir: our templates (overrides/) use what hooks/i18n.py computes (KNOWN_DIFFERENCES).
Nothing else changes: the same extensions with the same options convert the same Markdown.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: tools.build

from tools.build import LANGUAGES, build  # noqa: E402

ZENSICAL_VENV = ROOT / ".venv-zensical"
ZENSICAL = ZENSICAL_VENV / "bin" / "zensical"
INSTALL = "make .venv-zensical/.installed"

# What Zensical 0.0.73 lacks that the published site uses: what a move to Zensical would still need. None of
# it shows in a page's main text, which this check compares; each is why an adaptation step (module docstring) exists, or
# what the site-level hooks (mkdocs.yml `hooks:`) add around the text. Name: reason.
KNOWN_DIFFERENCES = {
    "MkDocs hooks": "Zensical runs none, so nothing of hooks/ happens: the language switch to the same page, hreflang "
    "alternates, per-language site_url and edit links to docs/<lang>/ (i18n.py), each page's meta description (page_meta.py), the notebooks and "
    "SVGs copied into the site (notebook_cells.py, diagrams.py; adaptation step 3 copies them into docs/), glossary terms "
    "of both languages in the search index (glossary.py), translation-drift notices (translations.py), the search "
    "dialog's aria-label, the checkbox autocomplete fix, the page compaction that keeps pages in budget and the theme icons shared from one sprite (html_output.py), "
    "the theme files no reader loads left out of the site (site_files.py)",
    "theme overrides": "overrides/ (language switcher, hreflang in sitemap.xml, 404 page, extra.css) use values "
    'hooks/i18n.py computes (extra.i18n.root_url, alternates); Zensical fails on them ("undefined value (in '
    "sitemap.xml:5)\"), so adaptation step 4 builds with Zensical's own theme",
    "search lang": "Zensical accepts the search plugin's `lang: [ko, en]` but ignores it (only `separator` is used): "
    "no per-language stemming or stop words",
    "INHERIT lists": "Zensical appends the lists of an INHERITed config (nav, palette, plugins would double), where "
    "MkDocs replaces them: adaptation step 1",
    "!relative": "Zensical rejects MkDocs' `!relative $config_dir` YAML tag, which gives our extensions and "
    "pymdownx.snippets the project folder: adaptation step 2",
}


class Main(HTMLParser):
    """What a reader gets in a page's main text (<article>): the text, and the parts our transforms make."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # > 0 inside the article
        self.text: list[str] = []
        self.parts: list[str] = []  # one line per cell, output, diagram image, tooltip, glossary term, link
        self.headerlink_titles: list[str] = []
        self._in: list[str] = []  # open tags inside the article, for nesting
        self._capture: list[tuple[str, list[str], int]] = []  # (kind, text, depth) of an open abbr/samp/code

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "article":
            self.depth += 1
        if not self.depth:
            return
        if tag not in ("img", "br", "hr", "input", "meta", "link"):
            self._in.append(tag)
        classes = a.get("class", "").split()
        if "nb-cell" in classes:
            self.parts.append(f"cell {a.get('data-notebook')}/{a.get('data-tag')}")
        elif "diagram" in classes and tag == "figure":
            self.parts.append(f"diagram {a.get('data-notebook')}/{a.get('data-tag')}")
        elif tag == "img":
            self.parts.append(f"  img {a.get('src')} alt={a.get('alt')!r} {a.get('width')}x{a.get('height')}")
        elif tag == "a" and "headerlink" in classes:
            self.headerlink_titles.append(a.get("title", ""))
        elif tag == "a" and "md-content__button" in classes:
            pass  # the theme's "edit this page", not the page's text; its target is hooks/i18n.py's (KNOWN_DIFFERENCES)
        elif tag == "a" and a.get("href"):
            self.parts.append(f"  link {a['href']}")
        elif tag == "dt" and a.get("id"):
            self.parts.append(f"term #{a['id']}")
        elif tag == "abbr":
            self._capture.append((f"tooltip title={a.get('title')!r}", [], len(self._in)))
        elif tag == "samp" or (tag == "code" and self._in[-2:-1] == ["pre"]):
            self._capture.append(("output" if tag == "samp" else "code", [], len(self._in)))

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if self._capture and self._capture[-1][2] == len(self._in):
            kind, text, _ = self._capture.pop()
            self.parts.append(
                f"  {kind}: {''.join(text)!r}" if kind in ("code", "output") else f"{kind} {''.join(text)!r}"
            )
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag == "article":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)
            for _, text, _ in self._capture:
                text.append(data)


def main_text(path: Path) -> Main:
    page = Main()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _missing_target(site: Path, page: Path, href: str) -> str | None:
    """`href` if it is a link within the site to a file the site does not have."""
    path = href.split("#")[0].split("?")[0]
    if not path or ":" in path or path.startswith("/"):
        return None  # a link within the page, to another host, or root-relative (language switch)
    target = (page.parent / path).resolve()
    if target.is_dir():
        target = target / "index.html"
    return None if target.is_file() and target.is_relative_to(site.resolve()) else href


SHARED = re.compile(r"^en/(assets|notebooks|diagrams)/")  # hooks/site_files.share_assets: the Korean tree's copy


def _resolved(rel: Path, parts: list[str]) -> list[str]:
    """Link and image targets as paths in the site, so that the English pages' links to files they share
    with the Korean tree (MkDocs only: hooks/site_files.py) compare equal to Zensical's links to its own copy."""
    out = []
    for line in parts:
        kind, _, rest = line.strip().partition(" ")
        if kind in ("link", "img") and not rest.startswith(("http:", "https:", "#", "/", "mailto:")):
            target, _, tail = rest.partition(" ")
            path, _, fragment = target.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel.as_posix()), path)) if path else ""
            resolved = SHARED.sub(r"\1/", resolved)
            line = f"  {kind} {resolved}{'#' + fragment if fragment else ''}{' ' + tail if tail else ''}"
        out.append(line)
    return out


def compare(mkdocs_site: Path, zensical_site: Path) -> dict[str, list[str]]:
    """Differences per page (path under the site): in what our transforms made, in the text, in links."""
    found: dict[str, list[str]] = {}
    pages = sorted(p.relative_to(mkdocs_site) for p in mkdocs_site.rglob("index.html"))
    for rel in pages:
        ours, theirs = mkdocs_site / rel, zensical_site / rel
        if not theirs.is_file():
            found[rel.as_posix()] = [f"Zensical built no {rel}"]
            continue
        a, b = main_text(ours), main_text(theirs)
        problems = []
        if not a.parts and not a.text:
            problems.append("no <article> in the MkDocs page: this check would compare nothing")
        parts_a, parts_b = _resolved(rel, a.parts), _resolved(rel, b.parts)
        if parts_a != parts_b:
            problems += [
                "transforms differ:",
                *difflib.unified_diff(parts_a, parts_b, "mkdocs", "zensical", n=1, lineterm=""),
            ]
        text_a, text_b = " ".join("".join(a.text).split()), " ".join("".join(b.text).split())
        if text_a != text_b:
            words = difflib.unified_diff(text_a.split(" "), text_b.split(" "), "mkdocs", "zensical", n=3, lineterm="")
            problems += ["main text differs:", *list(words)[:40]]
        if a.headerlink_titles != b.headerlink_titles:
            problems.append(
                f"heading links' titles differ: {sorted(set(a.headerlink_titles))} vs {sorted(set(b.headerlink_titles))}"
            )
        for line in b.parts:
            if line.startswith(("  link ", "  img ")) and (
                missing := _missing_target(zensical_site, theirs, line.split()[1])
            ):
                problems.append(f"Zensical page links {missing}, which its site does not have")
        if problems:
            found[rel.as_posix()] = problems
    return found


def _plain(value):
    """YAML data with MkDocs' `!relative` placeholders turned into path strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.path.normpath(os.fspath(value))
    return value


def mkdocs_config(path: Path) -> dict:
    """The config as MkDocs reads it (INHERIT, !ENV, !relative), as plain data."""
    from mkdocs.utils.yaml import get_yaml_loader, yaml_load

    placeholder_config = SimpleNamespace(config_file_path=str(path), docs_dir="")
    with path.open("rb") as f:
        config = yaml_load(f, get_yaml_loader(config=placeholder_config))
    placeholder_config.docs_dir = str((path.parent / config.get("docs_dir", "docs")).resolve())
    return _plain(config)


def zensical_project(root: Path, config_name: str, into: Path) -> Path:
    """A folder Zensical can build: the config after the adaptation steps (module docstring) and a copy of
    the pages with the notebooks and SVGs the site-level hooks would add. Returns the config's path."""
    config = mkdocs_config(root / config_name)
    docs = into / "docs"
    shutil.copytree(root / config["docs_dir"], docs)
    for folder in ("notebooks", "diagrams"):
        shutil.copytree(root / folder, docs / folder, ignore=shutil.ignore_patterns("*.md", ".*"))
    config["docs_dir"], config["site_dir"] = "docs", "site"
    config.get("theme", {}).pop("custom_dir", None)
    path = into / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def zensical_build(config: Path) -> Path:
    """Run Zensical on `config`; its site, or RuntimeError with its output if it fails."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}  # our extensions, from this checkout
    result = subprocess.run(
        [str(ZENSICAL), "build", "--clean", "--strict", "-f", str(config)],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    built = config.parent / "site"
    if result.returncode or not (built / "index.html").is_file():
        raise RuntimeError(
            f"zensical build -f {config.name} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return built


def _built(site: Path, root: Path) -> Path:
    build(site, root)
    return site


def build_both(root: Path, work: Path, mkdocs_site: Callable[[], Path] | None = None) -> tuple[Path, Path]:
    """The MkDocs site and the Zensical site (ko at /, en at /en/), built at the same time. `mkdocs_site`
    gives an MkDocs build of `root` made elsewhere (the test suite's shared one); without it, one is built."""
    zensical_site = work / "zensical"
    projects = [zensical_project(root, name, work / f"project-{sub or 'ko'}") for name, sub in LANGUAGES]
    with ThreadPoolExecutor(max_workers=3) as pool:
        built = [pool.submit(zensical_build, config) for config in projects]
        mkdocs_job = pool.submit(mkdocs_site or functools.partial(_built, work / "mkdocs", root))
        mkdocs_site_dir = mkdocs_job.result()
        for (_, sub), job in zip(LANGUAGES, built, strict=True):  # the Korean site first: English goes inside it
            shutil.move(job.result(), zensical_site / sub)
    return mkdocs_site_dir, zensical_site


# Run in Zensical's own Python: does it still lack what KNOWN_DIFFERENCES says? (0.0.73's config module.)
PROBE = r"""
import json, pathlib, sys, tempfile
from zensical import config
folder, found = pathlib.Path(tempfile.mkdtemp()), {}
(folder / "base.yml").write_text("site_name: x\nnav:\n  - a.md\n")
(folder / "child.yml").write_text("INHERIT: base.yml\nnav:\n  - a.md\n")
with (folder / "child.yml").open() as f:
    found["INHERIT lists"] = len(config._yaml_load(f)["nav"]) != 1
(folder / "relative.yml").write_text("site_name: x\nbase: !relative $config_dir\n")
try:
    with (folder / "relative.yml").open() as f:
        config._yaml_load(f)
    found["!relative"] = False
except Exception:
    found["!relative"] = True
found["search lang"] = "lang" in config._PLUGIN_UNSUPPORTED_OPTIONS["search"]
print(json.dumps(found))
"""


def _description(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    start = text.find('<meta name="description" content="')
    return text[start : text.find('"', start + 34)] if start >= 0 else ""


def still_lacking(mkdocs_site: Path, zensical_site: Path) -> dict[str, bool | None]:
    """Each of KNOWN_DIFFERENCES: True while Zensical still lacks it, False once it no longer does (the entry
    is stale), None where no quick probe tells (theme overrides: only a build with them would)."""
    result = subprocess.run(
        [str(ZENSICAL_VENV / "bin" / "python"), "-c", PROBE], capture_output=True, text=True, timeout=60
    )
    if result.returncode:
        raise RuntimeError(f"probing Zensical failed:\n{result.stderr}")
    found = json.loads(result.stdout)
    pages = sorted(p.relative_to(mkdocs_site) for p in mkdocs_site.rglob("index.html"))
    # hooks/page_meta.py gives each page its own description; without hooks every page has the site's
    found["MkDocs hooks"] = any(_description(mkdocs_site / p) != _description(zensical_site / p) for p in pages)
    return {name: found.get(name) for name in KNOWN_DIFFERENCES}


def report(found: dict[str, list[str]]) -> list[str]:
    """Every difference, page by page, as lines (empty when the builds agree)."""
    return [line for page, problems in found.items() for line in (f"{page}:", *(f"  {p}" for p in problems))]


def main() -> int:
    if not ZENSICAL.is_file():
        print(f"no {ZENSICAL}: run `{INSTALL}`", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="zensical-check-") as work:
        sites = build_both(ROOT, Path(work))
        lines, lacking = report(compare(*sites)), still_lacking(*sites)
    state = {True: "still lacking", False: "NO LONGER LACKING: remove the entry", None: "not probed"}
    print("What Zensical lacks (a move to it needs each solved):")
    for name, reason in KNOWN_DIFFERENCES.items():
        print(f"- {name} [{state[lacking[name]]}]: {reason}")
    if lines:
        print("Pages that differ between MkDocs and Zensical:", *lines, sep="\n")
        return 1
    print(
        "Every page's cells, outputs, diagrams, tooltips, glossary terms, links and text are the same in both builds."
    )
    return 1 if False in lacking.values() else 0


if __name__ == "__main__":
    raise SystemExit(main())
