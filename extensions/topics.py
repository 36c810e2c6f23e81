"""The list of topics on the home page, made from the one list of topics: `nav` in mkdocs.yml.

A line on its own in a page:

    {{ topics() }}

becomes a bulleted list of links to every page in nav except those in `exclude` (the home page, the
glossary), in nav order, each titled with that page's first heading in this language. Adding a topic
to nav (mkdocs.yml and mkdocs.en.yml) puts it on both home pages; nothing else repeats the list.

Options: base_path (where nav_config is), nav_config (the file whose `nav` is read: mkdocs.yml; the two
languages list the same pages in the same order, tools/checks/configs.py checks it), docs_dir (this
language's pages, for their titles), exclude. A page in nav that does not exist in docs_dir, or has no
first heading, fails the conversion naming the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from extensions._page import TransformError, where

EMBED = re.compile(r"^\{\{ topics\(\) \}\}$")
LOOKS_LIKE_EMBED = re.compile(r"\{\{\s*topics\b")
TITLE = re.compile(r"^#\s+(.*?)\s*(?:\{[^}]*\})?\s*$")
PRIORITY = 35  # with the other embeds: before pymdownx.snippets and fences


class _IgnoreTags(yaml.SafeLoader):
    """mkdocs.yml uses MkDocs' own tags (!ENV, !relative); nav needs none of them."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)


def nav_files(nav) -> list[str]:
    """The page paths of a MkDocs nav, in order, without their titles."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [f for value in nav.values() for f in nav_files(value)]
    return [f for item in nav or [] for f in nav_files(item)]


def nav_pages(config: Path) -> list[str]:
    """The page paths of the nav in a MkDocs config file, in order."""
    nav = yaml.load(config.read_text(encoding="utf-8"), Loader=_IgnoreTags).get("nav")
    if not nav:
        raise TransformError(f"{config.name} has no nav: the topic list is made from it")
    return nav_files(nav)


def title(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").split("\n"):
        if match := TITLE.match(line):
            return match[1]
    raise TransformError(f"{page}: no first heading (# Title) to name it by in the topic list")


def topic_list(base: Path, nav_config: str, docs_dir: Path, exclude: list[str]) -> list[str]:
    lines = []
    for page in nav_pages(base / nav_config):
        if page in exclude:
            continue
        source = docs_dir / page
        if not source.is_file():
            raise TransformError(f"{nav_config} lists {page}, which is not in {docs_dir}")
        text = title(source).replace("[", r"\[").replace("]", r"\]")
        lines.append(f"- [{text}]({page})")
    return lines


class TopicsPreprocessor(Preprocessor):
    def __init__(self, md: Markdown, extension: TopicsExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        base = Path(self.extension.getConfig("base_path")).resolve()
        out = []
        for index, line in enumerate(lines):
            if EMBED.match(line.strip()):
                try:
                    out += [
                        "",
                        *topic_list(
                            base,
                            self.extension.getConfig("nav_config"),
                            Path(self.extension.getConfig("docs_dir")),
                            self.extension.getConfig("exclude"),
                        ),
                        "",
                    ]
                except (OSError, yaml.YAMLError, TransformError) as e:
                    raise TransformError(f"{where(self.md, lines, index, base)}: {e}") from None
            elif LOOKS_LIKE_EMBED.search(line):
                raise TransformError(
                    f"{where(self.md, lines, index, base)}: malformed topic list, write {{{{ topics() }}}}: {line.strip()}"
                )
            else:
                out.append(line)
        return out


class TopicsExtension(Extension):
    def __init__(self, **kwargs) -> None:
        self.config = {
            "base_path": [".", "the project: nav_config is read from here"],
            "nav_config": ["mkdocs.yml", "the config whose nav is the list of topics"],
            "docs_dir": ["docs", "this language's pages"],
            "exclude": [["index.md", "glossary.md"], "nav pages that are not topics"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(TopicsPreprocessor(md, self), "infra_notes_topics", PRIORITY)


def makeExtension(**kwargs) -> TopicsExtension:
    return TopicsExtension(**kwargs)
