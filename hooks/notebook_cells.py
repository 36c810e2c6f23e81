"""Site-level part of the notebook-cell embeds: copy every notebook next to the pages.

The embeds themselves are a Markdown extension (extensions/notebook_cells.py); the first embed of a
notebook on a page links `notebooks/<name>.ipynb`, which is this copy (in each language's site). MkDocs
checks that link like any other, so a page cannot offer a notebook the site does not have.

The copy is the same notebook without the JSON indentation nbformat writes (a fifth of its bytes, 25 KB over
the site): Jupyter reads it alike, and tests/site checks that it holds exactly the committed notebook.
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files


def compact(notebook: str) -> str:
    return json.dumps(json.loads(notebook), ensure_ascii=False, separators=(",", ":")) + "\n"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for path in sorted((Path(config.config_file_path).resolve().parent / "notebooks").glob("*.ipynb")):
        content = compact(path.read_text(encoding="utf-8"))
        files.append(File.generated(config, f"notebooks/{path.name}", content=content))
    return files
