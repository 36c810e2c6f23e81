"""Site-level part of the diagrams: serve the committed SVGs in each language under diagrams/.

The diagrams themselves are a Markdown extension (extensions/diagrams.py), which links `diagrams/<name>.svg`;
MkDocs checks those links against the files this hook adds.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

# tests/browser/test_diagrams.py still imports these from here; extensions/diagrams.py is their home
from extensions.diagrams import SCHEMES, embeds, svg_path

__all__ = ["SCHEMES", "on_files", "svg_path"]


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """The SVGs this language's pages embed, both schemes: a diagram drawn per language (`chain-ko`,
    `chain-en`) is served only to its own language, so the site carries no picture no reader is shown."""
    root = Path(config.config_file_path).resolve().parent
    wanted = set()
    for page in Path(config.docs_dir).rglob("*.md"):
        try:
            wanted |= {(notebook, tag) for _, notebook, tag, _ in embeds(page.read_text(encoding="utf-8"))}
        except ValueError:
            continue  # a malformed line: the page's own conversion fails, naming it
    for notebook, tag in sorted(wanted):
        for scheme in SCHEMES:
            path = svg_path(root, notebook, tag, scheme)
            if path.is_file():  # a missing one: the page's conversion fails, naming it
                files.append(File.generated(config, f"diagrams/{path.name}", abs_src_path=str(path)))
    return files
