"""Small helpers shared by the site and browser tests."""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

import pytest

from tools.build import ROOT, BuildError, build


def build_site(site: Path, root: Path = ROOT) -> Path:
    """Build both languages into `site`; a failed build fails the test with MkDocs' message, once."""
    try:
        build(site, root=root)
    except BuildError as e:
        pytest.fail(str(e), pytrace=False)
    return site


def stub_page(page: str) -> str:
    """A stand-in for a page in a small copy of the site: its headings, each with its id as its only text.
    Links to a section of the page (the glossary has them) still resolve, and no word of the real page
    reaches the copy's search index. Every heading has an explicit id (tests/site checks it)."""
    headings = re.findall(r"^(#{1,6}) .*\{ #([\w-]+) \}$", page, flags=re.MULTILINE)
    if not headings:
        raise ValueError("a page without a heading with an explicit id cannot be stubbed")
    return "\n\n".join(f"{level} {id_} {{ #{id_} }}" for level, id_ in headings) + "\n"


def anchors_of(page: str) -> str:
    """The heading ids of a page as empty HTML anchors, to append to a page with other content: links to those
    sections resolve (MkDocs' validation counts HTML ids) without adding a section to the search index."""
    return "".join(
        f'<a id="{id_}"></a>\n' for id_ in re.findall(r"^#{1,6} .*\{ #([\w-]+) \}$", page, flags=re.MULTILINE)
    )


def shared_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once per pytest session and shared by every module and xdist worker that reads it.

    Building it costs about as much as all the checks of the built HTML together, and the site checks, the
    browser tests and Lighthouse each used to build their own. Under xdist the workers' temp dirs share a
    parent: the first worker to take the lock there builds, the others wait and reuse the result. A failed
    build is recorded there too, so every module that needs the site fails with MkDocs' message, without
    building again. Tests must treat the returned directory as read-only.
    """
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared-site"
    shared.mkdir(exist_ok=True)
    site, done, failed = shared / "site", shared / "built", shared / "build-error.txt"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists() and not failed.exists():
            try:
                build(site)
            except BuildError as e:
                failed.write_text(str(e), encoding="utf-8")
            else:
                done.touch()
    if failed.exists():
        pytest.fail(failed.read_text(encoding="utf-8"), pytrace=False)
    return site
