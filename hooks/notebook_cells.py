"""Site-level part of the notebook-cell embeds: copy every notebook next to the pages.

The embeds themselves are a Markdown extension (extensions/notebook_cells.py); the first embed of a
notebook on a page links `notebooks/<name>.ipynb`, which is this copy (in each language's site). MkDocs
checks that link like any other, so a page cannot offer a notebook the site does not have.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for path in sorted((Path(config.config_file_path).resolve().parent / "notebooks").glob("*.ipynb")):
        files.append(File.generated(config, f"notebooks/{path.name}", abs_src_path=str(path)))
    return files
