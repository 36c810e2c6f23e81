"""Site-level part of the diagrams: serve the committed SVGs in each language under diagrams/.

The diagrams themselves are a Markdown extension (extensions/diagrams.py), which links `diagrams/<name>.svg`;
MkDocs checks those links against the files this hook adds.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

# tests/browser/test_diagrams.py still imports these from here; extensions/diagrams.py is their home
from extensions.diagrams import SCHEMES, svg_path

__all__ = ["SCHEMES", "on_files", "svg_path"]


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for path in sorted((Path(config.config_file_path).resolve().parent / "diagrams").glob("*.svg")):
        files.append(File.generated(config, f"diagrams/{path.name}", abs_src_path=str(path)))
    return files
