"""Diagrams drawn from a notebook's stored output, so a picture cannot drift from the code.

A line on its own in a page:

    {{ diagram("kubernetes_order_deployment", "sequence", "alt text in the page's language") }}

takes the stored output of the cell tagged `sequence` in that notebook (Mermaid text the demo printed
from its real trace) and shows the SVG that `make diagrams` rendered from exactly that text with the
Mermaid copy pinned in package-lock.json (tools/diagrams.py, headless Chromium). There is one SVG for the
light and one for the dark scheme, in diagrams/; each records the sha256 of the Mermaid text it was drawn
from. The page also offers that text in a collapsed block. The images link `diagrams/<name>.svg` next to
the pages (the site-level hook hooks/diagrams.py copies the SVGs there), relative to the page's source.

Why SVG files and no Mermaid in the browser: Mermaid's smallest build still loads ~870 KB of
JavaScript for one sequence diagram (measured, mermaid 12.3.0 ESM), more than twice the whole
first-visit budget of a topic page, and Material would fetch it from unpkg.com unless a copy is served.
Drawn once at authoring time, the diagram costs one image and no script.

The conversion fails (TransformError), naming the page and line, if the notebook, tag or SVG is missing,
if an SVG was drawn from other text than the cell's current output (run `make diagrams`), or if a line is
malformed. Options: base_path (`!relative $config_dir`), notebooks and diagrams (folders under it), labels
(source, open, wide — in the page's language).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from extensions._page import TransformError, fence, labels, to_root, where
from extensions.notebook_cells import find_cell, output_text

# alt text is plain: it goes into Markdown image syntax
EMBED = re.compile(
    r'^\{\{ diagram\("(?P<notebook>[a-z0-9_]+)", "(?P<tag>[a-z0-9-]+)", "(?P<alt>[^"<>\[\]`\\{}]+)"\) \}\}$'
)
LOOKS_LIKE_EMBED = re.compile(r"\{\{\s*diagram\b")
SCHEMES = ("light", "dark")
TEXT_WIDTH = 700  # px: a diagram wider than Material's text column scrolls sideways, and says so
SHA_ATTRIBUTE = re.compile(r'data-source-sha256="([0-9a-f]{64})"')
LABELS = ("source", "open", "wide")
PRIORITY = 34  # with the cell embeds: before snippets and fences


def source_text(root: Path, notebook: str, tag: str) -> str:
    """The Mermaid text a diagram is drawn from: the cell's stored output."""
    cell = find_cell(root / "notebooks" / f"{notebook}.ipynb", tag)
    text = output_text(cell, f"{notebook}.ipynb cell {tag!r}")
    body = re.sub(r"^\s*%%\{.*?\}%%\s*", "", text, flags=re.S)  # a leading %%{init: …}%% directive
    if not body.startswith(("sequenceDiagram", "flowchart", "graph", "stateDiagram", "xychart-beta")):
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
            raise ValueError(
                f'{number}: malformed diagram, write {{{{ diagram("notebook", "tag", "alt text") }}}} '
                f"(alt without quotes, brackets, braces or backslashes): {line.strip()}"
            )


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


def render(notebook: str, tag: str, alt: str, text: str, size: tuple[int, int], words: dict, up: str = "") -> str:
    """Markdown for one diagram. The SVG links are Markdown links relative to the page's source
    (`diagrams/x.svg`, `../diagrams/x.svg` from a subfolder: `up`), so the generator resolves and checks them."""
    width, height = size
    href = {scheme: f"{up}diagrams/{notebook}.{tag}.{scheme}.svg" for scheme in SCHEMES}
    images = "".join(
        f'[![{alt}]({href[s]}){{ width="{width}" height="{height}" loading="lazy" decoding="async" }}]'
        f'({href[s]} "{words["open"]}"){{ .diagram-{s} }}'
        for s in SCHEMES
    )
    caption = "".join(f"[{words['open']}]({href[s]}){{ .diagram-{s} }}" for s in SCHEMES)
    text_fence = fence(text)
    return "\n".join(
        [
            f'<figure class="diagram" data-notebook="{notebook}" data-tag="{tag}" markdown>',
            # a figcaption may only be the first or the last child of a figure (HTML; vnu checks)
            *(
                [f'<figcaption markdown="span">{words["wide"]} {caption}</figcaption>', ""]
                if width > TEXT_WIDTH
                else []
            ),
            images,
            "",
            f'<details class="diagram-source" markdown><summary>{words["source"]}</summary>',
            "",
            f"{text_fence}text",
            text.rstrip("\n"),
            text_fence,
            "",
            "</details>",
            "</figure>",
        ]
    )


class DiagramEmbeds(Preprocessor):
    def __init__(self, md: Markdown, base: Path, words: dict):
        super().__init__(md)
        self.base, self.words = base, words

    def run(self, lines: list[str]) -> list[str]:
        out = []
        for index, line in enumerate(lines):
            match = EMBED.match(line.strip())
            try:
                if not match:
                    if LOOKS_LIKE_EMBED.search(line):
                        list(embeds(line))  # raises, saying how to write it
                    out.append(line)
                    continue
                notebook, tag, alt = match["notebook"], match["tag"], match["alt"]
                text = source_text(self.base, notebook, tag)
                if problem := stale(self.base, notebook, tag):
                    raise ValueError(problem)
                size = dimensions(svg_path(self.base, notebook, tag, "light"))
                out.extend(render(notebook, tag, alt, text, size, self.words, to_root(self.md)).split("\n"))
            except ValueError as e:
                message = str(e).removeprefix("1: ")  # embeds() numbers the one line it was given
                raise TransformError(f"{where(self.md, lines, index, self.base)}: {message}") from None
        return out


class DiagramsExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "base_path": ["", "The project folder, with notebooks/ and diagrams/ (mkdocs.yml: !relative $config_dir)"],
            "labels": [{}, "Words printed on the page: source, open, wide (in the page's language)"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        words = labels(self.getConfig("labels"), LABELS, "extensions.diagrams")
        md.preprocessors.register(
            DiagramEmbeds(md, Path(self.getConfig("base_path") or "."), words), "diagrams", PRIORITY
        )


def makeExtension(**kwargs) -> DiagramsExtension:
    return DiagramsExtension(**kwargs)
