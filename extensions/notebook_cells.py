"""Embed tagged notebook cells — code and stored output — in a Markdown page.

A line on its own in a page:

    {{ cell("tcp_echo", "server") }}

becomes the code of the cell tagged `server` in notebooks/tcp_echo.ipynb as a Python code block, and
its stored output as program output, `<pre><samp>`, drawn like a code block (light and dark) but not
one: Material's script mounts every `pre > code` (copy button, overflow watcher, forced layouts), which
on a page of 14 cells was a fifth of its main-thread work after the first paint (Lighthouse, mobile).
The output is focusable (tabindex) so a keyboard can scroll a wide one. The first embed of a notebook
on a page also links the .ipynb (`notebooks/<name>.ipynb` next to the pages: the site-level hook
hooks/notebook_cells.py copies the notebooks there) and the home page's section on running the demos.

The build never executes a notebook: it shows what is committed, which nbval re-checks in `make test`.
Everything that could make a page lie fails the conversion (TransformError) and names the page and line:
an unknown notebook or tag, a tag on more than one cell, a cell that never ran, an error output, an
output type we cannot show as text, or a malformed `{{ cell(...) }}` line.

Options (mkdocs.yml, `markdown_extensions`): base_path (the project, with notebooks/: `!relative $config_dir`),
labels (output, download, how — in the page's language), how (where "how to run it" links).
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from extensions._page import TransformError, fence, labels, to_root, where

EMBED = re.compile(r'^\{\{ cell\("(?P<notebook>[a-z0-9_]+)", "(?P<tag>[a-z0-9-]+)"\) \}\}$')
LOOKS_LIKE_EMBED = re.compile(r"\{\{\s*cell\b")
SHOWN_AS_TEXT = ("text/plain",)
LABELS = ("output", "download", "how")
PRIORITY = 35  # before pymdownx.snippets (32): line numbers are still the page's, and before fences (25)


@cache
def _load(path: Path, mtime: float) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def find_cell(path: Path, tag: str) -> dict:
    """The one code cell of a notebook that carries `tag`; ValueError says what is wrong."""
    if not path.is_file():
        raise ValueError(f"notebook {path.name} does not exist")
    cells = [c for c in _load(path, path.stat().st_mtime)["cells"] if tag in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{path.name}: expected one cell tagged {tag!r}, found {len(cells)}")
    cell = cells[0]
    if cell["cell_type"] != "code":
        raise ValueError(f"{path.name}: the cell tagged {tag!r} is not a code cell")
    if cell.get("execution_count") is None:
        raise ValueError(f"{path.name}: the cell tagged {tag!r} has never run (no execution count)")
    if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
        raise ValueError(
            f"{path.name}: nbval does not compare the output of the cell tagged {tag!r}, so no page may show it"
        )
    return cell


def output_text(cell: dict, where: str) -> str:
    """All outputs of a cell as the text a reader would have seen."""
    parts = []
    for out in cell.get("outputs", []):
        kind = out["output_type"]
        if kind == "stream":
            parts.append("".join(out["text"]))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            unshown = sorted(set(data) - set(SHOWN_AS_TEXT))
            if unshown or "text/plain" not in data:
                raise ValueError(f"{where}: output type {unshown or list(data)} cannot be shown as text")
            parts.append("".join(data["text/plain"]) + "\n")
        elif kind == "error":
            raise ValueError(f"{where}: the stored output is an error ({out.get('ename')}); fix the notebook")
        else:
            raise ValueError(f"{where}: unknown output type {kind!r}")
    return "".join(parts)


def render(notebook: str, tag: str, cell: dict, words: dict, links: tuple[str, str] | None) -> str:
    """Markdown for one cell; `links` (notebook, how-to-run) only on a notebook's first embed on the page.
    The links are Markdown links, relative to the page's source, so the generator resolves and checks them."""
    code = "".join(cell["source"]).rstrip("\n")
    output = output_text(cell, f"{notebook}.ipynb cell {tag!r}").rstrip("\n")
    lines = [f'<div class="nb-cell" data-notebook="{notebook}" data-tag="{tag}" markdown>', ""]
    if links:
        ipynb, how = links
        lines += [
            f'<p class="nb-download" markdown="span">{words["download"]} [{notebook}.ipynb]({ipynb}){{ download }}'
            f" · [{words['how']}]({how})</p>",
            "",
        ]
    code_fence = fence(code)
    lines += [f"{code_fence}python", code, code_fence, ""]
    if output:
        lines += [
            f'<div class="highlight nb-output"><span class="filename">{words["output"]}</span>'
            f'<pre><samp tabindex="0">{html.escape(output, quote=False)}</samp></pre></div>',
            "",
        ]
    lines += ["</div>"]
    return "\n".join(lines)


class CellEmbeds(Preprocessor):
    def __init__(self, md: Markdown, base: Path, notebooks: Path, words: dict, how: str):
        super().__init__(md)
        self.base, self.notebooks, self.words, self.how = base, notebooks, words, how

    def run(self, lines: list[str]) -> list[str]:
        linked: set[str] = set()
        out = []
        for index, line in enumerate(lines):
            match = EMBED.match(line.strip())
            if not match:
                if LOOKS_LIKE_EMBED.search(line):
                    raise TransformError(
                        f"{where(self.md, lines, index, self.base)}: malformed embed, "
                        f'write {{{{ cell("notebook", "tag") }}}}: {line.strip()}'
                    )
                out.append(line)
                continue
            notebook, tag = match["notebook"], match["tag"]
            try:
                cell = find_cell(self.notebooks / f"{notebook}.ipynb", tag)
                up = to_root(self.md)  # a page in a subfolder links ../notebooks/
                links = None if notebook in linked else (f"{up}notebooks/{notebook}.ipynb", up + self.how)
                linked.add(notebook)
                out.extend(render(notebook, tag, cell, self.words, links).split("\n"))
            except (ValueError, KeyError) as e:
                raise TransformError(f"{where(self.md, lines, index, self.base)}: {e}") from None
        return out


class NotebookCellsExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "base_path": ["", "The project folder, with notebooks/ (mkdocs.yml: !relative $config_dir)"],
            "labels": [{}, "Words printed on the page: output, download, how (in the page's language)"],
            "how": ["index.md#run-the-demos", "Where 'how to run it' links, relative to the page"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        base = Path(self.getConfig("base_path") or ".")
        words = labels(self.getConfig("labels"), LABELS, "extensions.notebook_cells")
        embeds = CellEmbeds(md, base, base / "notebooks", words, self.getConfig("how"))
        md.preprocessors.register(embeds, "notebook_cells", PRIORITY)


def makeExtension(**kwargs) -> NotebookCellsExtension:
    return NotebookCellsExtension(**kwargs)
