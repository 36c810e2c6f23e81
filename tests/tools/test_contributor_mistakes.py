"""The mistakes a contributor makes most, each made in a copy of the site in a temp dir: the part of
`make test` that must catch it fails, and its message names the file (and line or cell).

Pages other than tcp-ip.md are stubs in the copy, so each build takes a second or two. The copy is made once
per module and copied again for each test; both broken notebooks go through one nbval run (one pytest start).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import anchors_of, stub_page
from tools.build import ROOT, BuildError, build
from tools.checks.sources import source_problems

pytestmark = pytest.mark.timeout(300)  # catches a hang; a busy machine may make a build take half a minute
PAGE = "tcp-ip.md"
MISSING = f"docs/ko/{PAGE}: no docs/en/{PAGE} (every page exists in both languages)"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the build reads, with the real TCP/IP page in both languages and stub pages."""
    repo = tmp_path_factory.mktemp("pristine") / "repo"
    repo.mkdir()
    for name in ("mkdocs.yml", "mkdocs.en.yml", "glossary.yml"):
        shutil.copy(ROOT / name, repo / name)
    for name in ("hooks", "overrides", "snippets", "notebooks", "extensions", "diagrams"):
        if (ROOT / name).is_dir():  # extensions/, diagrams/: only where the build reads them
            shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    for lang in ("ko", "en"):
        for source in (ROOT / "docs" / lang).rglob("*.md"):
            copy = repo / source.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            if source.name in (PAGE, "glossary.md"):
                shutil.copy(source, copy)
            else:
                copy.write_text(stub_page(source.read_text(encoding="utf-8")), encoding="utf-8")
    return repo


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    """This test's own copy, to break as it likes."""
    return Path(shutil.copytree(pristine, tmp_path / "repo"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def build_error(repo: Path) -> str:
    with pytest.raises(BuildError) as error:
        build(repo / "site", root=repo)
    return str(error.value)


def test_the_copy_builds_when_nothing_is_wrong(repo: Path) -> None:
    build(repo / "site", root=repo)
    assert source_problems(repo / "docs") == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (':recv-exactly"', ':no-such-section"', "no-such-section"),
        ("snippets/tcp_ip/framing.py:recv-exactly", "snippets/tcp_ip/no_such_file.py:recv-exactly", "no_such_file.py"),
        (
            '{{ cell("tcp_ip_headers", "build") }}',
            '{{ cell("tcp_ip_headers", "no-such-tag") }}',
            "docs/ko/tcp-ip.md:38",
        ),
        ("\n## ", "\nSee [the missing page](missing.md).\n\n## ", "missing.md"),
    ],
)
def test_broken_snippet_embed_or_link_fails_the_build_naming_the_page(
    repo: Path, old: str, new: str, expected: str
) -> None:
    edit(repo / "docs/ko" / PAGE, old, new)
    message = build_error(repo)
    assert PAGE in message and expected in message, message


def test_page_missing_in_one_language_is_named(repo: Path) -> None:
    (repo / "docs/en" / PAGE).unlink()
    assert MISSING in source_problems(repo / "docs")
    assert PAGE in build_error(repo)


def test_heading_id_that_differs_between_languages_is_named(repo: Path) -> None:
    edit(repo / "docs/en" / PAGE, "{ #best-effort }", "{ #best-efforts }")
    problems = "\n".join(source_problems(repo / "docs"))
    assert f"docs/*/{PAGE}: heading 2 differs" in problems and "docs/en line 24: ## { #best-efforts }" in problems, (
        problems
    )


NOTEBOOK = "tcp_ip_echo.ipynb"


def boom(cells: list[dict]) -> None:
    cells[-1]["source"] = ["raise RuntimeError('boom')"]


def reword(cells: list[dict]) -> None:
    stream = next(o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
    stream["text"] = ["something the code does not print\n"]


@pytest.fixture(scope="module")
def nbval_failures(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """nbval over two broken copies of a notebook, raises/ and reworded/, in one run (starting pytest with
    its plugins costs about as much as the notebook); each copy's failure reports, by its folder."""
    where = tmp_path_factory.mktemp("broken-notebooks")
    for folder, change in (("raises", boom), ("reworded", reword)):
        nb = json.loads((pristine / "notebooks" / NOTEBOOK).read_text(encoding="utf-8"))
        change(nb["cells"])
        (where / folder).mkdir()
        (where / folder / NOTEBOOK).write_text(json.dumps(nb), encoding="utf-8")
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "tools.pytest_guards",
            "--nbval",
            "--nbval-kernel-name=python3",
            "-q",
            "raises",
            "reworded",
        ],
        cwd=where,
        capture_output=True,
        text=True,
        env=env,
        timeout=280,
    )
    assert result.returncode != 0, result.stdout
    return {folder: failure_reports(result.stdout, f"{folder}/{NOTEBOOK}") for folder in ("raises", "reworded")}


def failure_reports(out: str, name: str) -> str:
    """The reports in pytest's output whose header (`____ name ____`) contains `name`, each up to the next
    header or `=====` line, so that one notebook's report never lends its text to another's."""
    reports = re.split(r"^_{3,} (.+?) _{3,}$|^={3,}.*$", out, flags=re.MULTILINE)[1:]
    return "\n".join(
        f"{head}\n{body}" for head, body in zip(reports[::2], reports[1::2], strict=True) if head and name in head
    )


def names_a_cell(report: str) -> bool:
    """nbval names a cell `nb.ipynb::Cell 3`, or by its tag as `nb.ipynb[tag]` (tools/pytest_guards.py)."""
    return re.search(rf"{re.escape(NOTEBOOK)}(::Cell \d+|\[[\w-]+\])", report) is not None


def test_failure_reports_are_told_apart_by_notebook() -> None:
    out = (
        "=== FAILURES ===\n____ a/x.ipynb::Cell 1 ____\nboom\n____ b/x.ipynb[tag] ____\nother\n"
        "=== short test summary ===\nFAILED a/x.ipynb boom\n"
    )
    assert failure_reports(out, "a/x.ipynb") == "a/x.ipynb::Cell 1\n\nboom\n"
    assert failure_reports(out, "b/x.ipynb") == "b/x.ipynb[tag]\n\nother\n"
    assert failure_reports(out, "c/x.ipynb") == ""


def test_notebook_that_raises_fails_nbval_naming_notebook_and_cell(nbval_failures: dict[str, str]) -> None:
    out = nbval_failures["raises"]
    assert names_a_cell(out) and "RuntimeError" in out, out


def test_changed_output_fails_nbval_naming_notebook_and_cell(nbval_failures: dict[str, str]) -> None:
    out = nbval_failures["reworded"]
    assert names_a_cell(out) and "something the code does not print" in out, out


def test_a_stub_or_anchors_keep_every_heading_id_and_no_word_of_the_page() -> None:
    page = "# 서버 { #servers }\n\n서버를 시작합니다.\n\n```sh\n# a comment\n```\n\n### 본문 { #body }\n"
    assert stub_page(page) == "# servers { #servers }\n\n### body { #body }\n"
    with pytest.raises(ValueError):
        stub_page("no heading here\n")
    assert anchors_of("# T { #t }\n\ntext\n\n## S { #s }\n") == '<a id="t"></a>\n<a id="s"></a>\n'
