"""Diagrams drawn from a notebook's stored output, so a picture cannot drift from the code.

A line on its own in a page:

    {{ diagram("control_plane_order", "sequence", "alt text in the page's language") }}

takes the stored output of the cell tagged `sequence` in notebooks/control_plane_order.ipynb (Mermaid
text the demo printed from its real trace) and shows the SVG that `make diagrams` rendered from exactly
that text with the Mermaid copy pinned in package-lock.json (tools/diagrams.py, headless Chromium).
There is one SVG for the light and one for the dark scheme, in diagrams/; each records the sha256 of
the Mermaid text it was drawn from. The page also offers that text in a collapsed block.

Why SVG files and no Mermaid in the browser: Mermaid's smallest build still loads ~870 KB of
JavaScript for one sequence diagram (measured, mermaid 12.3.0 ESM), more than twice the whole
first-visit budget of a topic page, and Material would fetch it from unpkg.com unless a copy is served.
Drawn once at authoring time, the diagram costs one image and no script.

The build fails, naming the page and line, if the notebook, tag or SVG is missing, if an SVG was drawn
from other text than the cell's current output (run `make diagrams`), or if a line is malformed.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from hooks.notebook_cells import find_cell, output_text

EMBED = re.compile(r'^\{\{ diagram\("(?P<notebook>[a-z0-9_]+)", "(?P<tag>[a-z0-9-]+)", "(?P<alt>[^"<>]+)"\) \}\}$')
LOOKS_LIKE_EMBED = re.compile(r"\{\{\s*diagram\b")
SCHEMES = ("light", "dark")
TEXT_WIDTH = 700  # px: a diagram wider than Material's text column scrolls sideways, and says so
SHA_ATTRIBUTE = re.compile(r'data-source-sha256="([0-9a-f]{64})"')


def root_of(config_file: str) -> Path:
    return Path(config_file).resolve().parent


def source_text(root: Path, notebook: str, tag: str) -> str:
    """The Mermaid text a diagram is drawn from: the cell's stored output."""
    cell = find_cell(root / "notebooks" / f"{notebook}.ipynb", tag)
    text = output_text(cell, f"{notebook}.ipynb cell {tag!r}")
    if not text.lstrip().startswith(("sequenceDiagram", "flowchart", "graph", "stateDiagram")):
        raise ValueError(f"{notebook}.ipynb cell {tag!r}: the output is not a Mermaid diagram")
    return text


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def svg_path(root: Path, notebook: str, tag: str, scheme: str) -> Path:
    return root / "diagrams" / f"{notebook}.{tag}.{scheme}.svg"


def embeds(markdown: str):
    """(line number, notebook, tag, alt) for every diagram line; ValueError for a malformed one."""
    for number, line in enumerate(markdown.split("\n"), start=1):
        match = EMBED.match(line.strip())
        if match:
            yield number, match["notebook"], match["tag"], match["alt"]
        elif LOOKS_LIKE_EMBED.search(line):
            raise ValueError(f'{number}: malformed diagram, write {{{{ diagram("notebook", "tag", "alt text") }}}}: {line.strip()}')


def stale(root: Path, notebook: str, tag: str) -> str | None:
    """Why the committed SVGs do not show the cell's current output, or None if they do."""
    want = sha256(source_text(root, notebook, tag))
    for scheme in SCHEMES:
        path = svg_path(root, notebook, tag, scheme)
        if not path.is_file():
            return f"{path.relative_to(root)} does not exist: run `make diagrams`"
        found = SHA_ATTRIBUTE.search(path.read_text(encoding="utf-8"))
        if not found or found[1] != want:
            return f"{path.relative_to(root)} was drawn from other text than {notebook}.ipynb cell {tag!r} stores now: run `make diagrams`"
    return None


def dimensions(path: Path) -> tuple[int, int]:
    """Width and height from the SVG's viewBox, so the page reserves the space before it loads."""
    box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', path.read_text(encoding="utf-8"))
    if not box:
        raise ValueError(f"{path.name} has no viewBox")
    return round(float(box[1])), round(float(box[2]))


def render(notebook: str, tag: str, alt: str, text: str, hrefs: dict[str, str], size: tuple[int, int], labels: dict) -> str:
    width, height = size
    images = "".join(
        f'<a class="diagram-{scheme}" href="{hrefs[scheme]}" title="{html.escape(labels["open"])}">'
        f'<img src="{hrefs[scheme]}" alt="{html.escape(alt)}" width="{width}" height="{height}" loading="lazy" decoding="async"></a>'
        for scheme in SCHEMES)
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    caption = "".join(f'<a class="diagram-{scheme}" href="{hrefs[scheme]}">{html.escape(labels["open"])}</a>' for scheme in SCHEMES)
    return "\n".join([
        f'<figure class="diagram" data-notebook="{notebook}" data-tag="{tag}" markdown>',
        # a figcaption may only be the first or the last child of a figure (HTML; vnu checks)
        *([f'<figcaption>{html.escape(labels["wide"])} {caption}</figcaption>', ""] if width > TEXT_WIDTH else []),
        images, "",
        f'<details class="diagram-source" markdown><summary>{html.escape(labels["source"])}</summary>', "",
        f"{fence}text", text.rstrip("\n"), fence, "",
        "</details>",
        "</figure>",
    ])


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Serve the committed SVGs in each language under diagrams/."""
    for path in sorted((root_of(config.config_file_path) / "diagrams").glob("*.svg")):
        files.append(File.generated(config, f"diagrams/{path.name}", abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    root = root_of(config.config_file_path)
    where = Path(config.docs_dir, page.file.src_uri).resolve().relative_to(root).as_posix()
    try:
        found = {number: (notebook, tag, alt) for number, notebook, tag, alt in embeds(markdown)}
    except ValueError as e:
        raise PluginError(f"{where}:{e}") from None
    if not found:
        return markdown
    lines = markdown.split("\n")
    for number, (notebook, tag, alt) in found.items():
        try:
            text = source_text(root, notebook, tag)
            problem = stale(root, notebook, tag)
            if problem:
                raise ValueError(problem)
            size = dimensions(svg_path(root, notebook, tag, "light"))
        except ValueError as e:
            raise PluginError(f"{where}:{number}: {e}") from None
        hrefs = {s: get_relative_url(f"diagrams/{notebook}.{tag}.{s}.svg", page.url or ".") for s in SCHEMES}
        lines[number - 1] = render(notebook, tag, alt, text, hrefs, size, config.extra["diagram_labels"])
    return "\n".join(lines)
