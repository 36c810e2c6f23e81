"""One name per topic, and one list of topics.

The list of topics is `nav` in mkdocs.yml (mkdocs.en.yml lists the same pages; configs.py checks it).
A topic's page `docs/*/<slug>.md` names everything that belongs to it, with `-` as `_`:

    docs/*/event-driven.md ↔ snippets/event_driven/ ↔ notebooks/event_driven_*.ipynb ↔ tests/event_driven/

Every snippets package, notebook and topic test folder must belong to a topic in nav by that rule, and
every snippets package has its tests folder. A topic may use another topic's code (docker-vs-vm shows
snippets/docker/ and its notebooks), but nothing may be named after something that is not a topic.
"""

from __future__ import annotations

from pathlib import Path

from extensions.topics import nav_pages

NOT_TOPICS = ("index.md", "glossary.md")  # pages in nav that are not topics (the home page lists the rest)
TEST_FOLDERS_NOT_TOPICS = {"site", "browser", "tools", "__pycache__"}  # tests of the site and tooling


def topics(root: Path) -> list[str]:
    """The topics' names, as snippets/ and tests/ spell them, in nav order. A topic of several pages is a
    folder (docs/*/tcp-ip/index.md, connections.md, flow.md): its name is the folder's."""
    pages = [page for page in nav_pages(root / "mkdocs.yml") if page not in NOT_TOPICS]
    return list(dict.fromkeys(page.split("/")[0].removesuffix(".md").replace("-", "_") for page in pages))


def name_problems(root: Path) -> list[str]:
    names = topics(root)
    found = []
    rule = "name it after its topic's page (docs/*/<slug>.md, `-` as `_`), or add the topic to nav"
    for package in sorted(p for p in (root / "snippets").iterdir() if p.is_dir() and (p / "__init__.py").is_file()):
        if package.name not in names:
            found.append(f"snippets/{package.name}/: no topic {package.name!r} in mkdocs.yml's nav: {rule}")
        elif not (root / "tests" / package.name).is_dir():
            found.append(f"snippets/{package.name}/: no tests/{package.name}/ (tests mirror snippets/)")
    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        if not any(notebook.stem.startswith(f"{name}_") for name in names):
            found.append(
                f"notebooks/{notebook.name}: starts with no topic's name followed by _ ({', '.join(names)}): {rule}"
            )
    for folder in sorted(p for p in (root / "tests").iterdir() if p.is_dir()):
        if folder.name not in names and folder.name not in TEST_FOLDERS_NOT_TOPICS:
            found.append(f"tests/{folder.name}/: no topic {folder.name!r} in mkdocs.yml's nav: {rule}")
    return found
