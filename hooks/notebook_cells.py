"""Embed tagged notebook cells — code and stored output — in a Markdown page.

A line on its own in a page:

    {{ cell("tcp_echo", "server") }}

becomes the code of the cell tagged `server` in notebooks/tcp_echo.ipynb as a Python code block, and
its stored output as program output, `<pre><samp>`, drawn like a code block (light and dark) but not
one: Material's script mounts every `pre > code` (copy button, overflow watcher, forced layouts), which
on a page of 14 cells was a fifth of its main-thread work after the first paint (Lighthouse, mobile).
The output is focusable (tabindex) so a keyboard can scroll a wide one. The first embed of a notebook
on a page also links the .ipynb, which the build copies to <language root>/notebooks/, and the home
page's section on running the demos.

The build never executes a notebook: it shows what is committed, which nbval re-checks in `make test`.
Everything that could make a page lie fails the build and names the page and the notebook: an unknown
notebook or tag, a tag on more than one cell, a cell that never ran, an error output, an output type we
cannot show as text, or a malformed `{{ cell(...) }}` line.
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

EMBED = re.compile(r'^\{\{ cell\("(?P<notebook>[a-z0-9_]+)", "(?P<tag>[a-z0-9-]+)"\) \}\}$')
LOOKS_LIKE_EMBED = re.compile(r"\{\{\s*cell\b")
SHOWN_AS_TEXT = ("text/plain",)


def _root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def _notebook_dir(config: MkDocsConfig) -> Path:
    return _root(config) / "notebooks"


@lru_cache(maxsize=None)
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
        raise ValueError(f"{path.name}: nbval does not compare the output of the cell tagged {tag!r}, so no page may show it")
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


def _fence(text: str) -> str:
    """A backtick fence longer than any run of backticks inside the text."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render(notebook: str, tag: str, cell: dict, labels: dict, download: tuple[str, str] | None) -> str:
    code = "".join(cell["source"]).rstrip("\n")
    output = output_text(cell, f"{notebook}.ipynb cell {tag!r}").rstrip("\n")
    lines = [f'<div class="nb-cell" data-notebook="{notebook}" data-tag="{tag}" markdown>', ""]
    if download:
        href, how = download
        lines += [f'<p class="nb-download">{labels["download"]} <a href="{href}" download>{notebook}.ipynb</a> · <a href="{how}">{labels["how"]}</a></p>', ""]
    fence = _fence(code)
    lines += [f"{fence}python", code, fence, ""]
    if output:
        lines += [f'<div class="highlight nb-output"><span class="filename">{labels["output"]}</span>'
                  f'<pre><samp tabindex="0">{html.escape(output, quote=False)}</samp></pre></div>', ""]
    lines += ["</div>"]
    return "\n".join(lines)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Copy every notebook next to the pages, so each page can offer its .ipynb for download."""
    for path in sorted(_notebook_dir(config).glob("*.ipynb")):
        files.append(File.generated(config, f"notebooks/{path.name}", abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    where = Path(config.docs_dir, page.file.src_uri).resolve().relative_to(_root(config)).as_posix()
    labels = config.extra["notebook_labels"]
    linked: set[str] = set()
    out = []
    for number, line in enumerate(markdown.split("\n"), start=1):
        match = EMBED.match(line.strip())
        if not match:
            if LOOKS_LIKE_EMBED.search(line):
                raise PluginError(f'{where}:{number}: malformed embed, write {{{{ cell("notebook", "tag") }}}}: {line.strip()}')
            out.append(line)
            continue
        notebook, tag = match["notebook"], match["tag"]
        try:
            cell = find_cell(_notebook_dir(config) / f"{notebook}.ipynb", tag)
            download = None
            if notebook not in linked:
                download = (
                    get_relative_url(f"notebooks/{notebook}.ipynb", page.url or "."),
                    ("../" * page.url.count("/") or "./") + "#run-the-demos",  # the home page says how
                )
                linked.add(notebook)
            out.append(render(notebook, tag, cell, labels, download))
        except (ValueError, KeyError) as e:
            raise PluginError(f"{where}:{number}: {e}") from None
    return "\n".join(out)
