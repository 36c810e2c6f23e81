"""What the extensions share: a failure that names the page and line, and a fence that fits any text."""

from __future__ import annotations

import os
import re
from pathlib import Path

from markdown import Markdown


class TransformError(ValueError):
    """A page asks for something the build must not show (a missing notebook cell, a stale diagram, ...).

    The message starts with where: `docs/ko/tcp-ip.md:38: ...` when the generator tells which page is
    being converted, else `line 38: ...`. MkDocs reports it as "Error reading page 'tcp-ip.md': ..." and
    stops the build."""


def source_file(md: Markdown) -> Path | None:
    """The Markdown file being converted, if the generator says: only for error messages.

    MkDocs 1.6 registers its link rewriter as treeprocessor "relpath", which holds the page's File;
    Zensical 0.0.x registers preprocessor "rendering_context", which holds the page and the config.
    Plain `markdown.Markdown` has neither."""
    if "relpath" in md.treeprocessors:
        path = getattr(getattr(md.treeprocessors["relpath"], "file", None), "abs_src_path", None)
        if path:
            return Path(path)
    if "rendering_context" in md.preprocessors:
        context = md.preprocessors["rendering_context"]
        page, config = getattr(context, "page", None), getattr(context, "config", None) or {}
        if page is not None and config.get("docs_dir"):
            return Path(config.get("root_dir") or ".", config["docs_dir"], page.path)
    return None


def to_root(md: Markdown) -> str:
    """`../` once per folder between the page being converted and the docs root (`tcp-ip/flow.md` → `../`),
    so that links to notebooks/, diagrams/ and index.md resolve from a page in a subfolder too; `` for a
    page at the top, or when the generator does not say which page (plain `markdown.Markdown`)."""
    page = None
    if "relpath" in md.treeprocessors:  # MkDocs: the File's path below docs_dir
        page = getattr(getattr(md.treeprocessors["relpath"], "file", None), "src_uri", None)
    elif "rendering_context" in md.preprocessors:  # Zensical: the page's path below docs_dir
        page = getattr(getattr(md.preprocessors["rendering_context"], "page", None), "path", None)
    return "../" * str(page).replace("\\", "/").count("/") if page else ""


def where(md: Markdown, lines: list[str], index: int, base: Path) -> str:
    """`docs/ko/page.md:38` for lines[index], numbered as in the source file.

    The lines a preprocessor gets are not the file's: front matter is gone and site-level hooks may have
    added a notice. So the line is found in the file by its text (the nth time it occurs there if it
    occurs n times up to here)."""
    source = source_file(md)
    if source is None or not source.is_file():
        return f"line {index + 1}"
    name = os.path.relpath(source, base) if source.resolve().is_relative_to(base.resolve()) else str(source)
    text = lines[index]
    nth = lines[: index + 1].count(text)
    found = [
        number for number, line in enumerate(source.read_text(encoding="utf-8").split("\n"), start=1) if line == text
    ]
    number = found[nth - 1] if len(found) >= nth else index + 1
    return f"{Path(name).as_posix()}:{number}"


def fence(text: str) -> str:
    """A backtick fence longer than any run of backticks inside the text."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def labels(given: dict, wanted: tuple[str, ...], extension: str) -> dict[str, str]:
    """The words an extension prints, in the page's language: every one must be set, as plain text."""
    missing = [key for key in wanted if not isinstance((given or {}).get(key), str) or not given[key].strip()]
    if missing:
        raise TransformError(f"{extension}: option labels lacks {missing} (mkdocs.yml, and English in mkdocs.en.yml)")
    unsafe = [key for key in wanted if re.search(r'["<>\[\]{}`\\]', given[key])]
    if unsafe:
        raise TransformError(f'{extension}: labels {unsafe} may not contain any of " < > [ ] {{ }} ` \\')
    return {key: given[key] for key in wanted}
