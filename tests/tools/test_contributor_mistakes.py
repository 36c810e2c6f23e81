"""The mistakes a contributor makes most, each made in a copy of the site in a temp dir: the part of
`make test` that must catch it fails, and its message names the file (and line or cell).

Pages other than tcp-ip/index.md are stubs in the copy, so each build takes a second or two. The copy is made once
per module and copied again for each test. A notebook that raises or prints something else than it stores, and
what else nbval must catch, are in tests/tools/test_pytest_guards.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import anchors_of, stub_page
from tools.build import ROOT, BuildError, build
from tools.checks.sources import source_problems

pytestmark = pytest.mark.timeout(300)  # catches a hang; a busy machine may make a build take half a minute
PAGE = "tcp-ip/index.md"  # the first page of the TCP/IP section
HEADERS_CELL = '{{ cell("tcp_ip_headers", "build") }}'
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
            if source.relative_to(ROOT / "docs" / lang).as_posix() in (PAGE, "glossary.md"):
                shutil.copy(source, copy)
            else:
                copy.write_text(stub_page(source.read_text(encoding="utf-8")), encoding="utf-8")
    return repo


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    """This test's own copy, to break as it likes."""
    return Path(shutil.copytree(pristine, tmp_path / "repo"))


def line_of(path: Path, text: str) -> int:
    """The number of the first line of `path` that contains `text`."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if text in line)


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
            HEADERS_CELL,
            '{{ cell("tcp_ip_headers", "no-such-tag") }}',
            f"docs/ko/{PAGE}:{line_of(ROOT / 'docs/ko' / PAGE, HEADERS_CELL)}",
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
    line = line_of(ROOT / "docs/en" / PAGE, "{ #best-effort }")
    assert (
        f"docs/*/{PAGE}: heading 2 differs" in problems and f"docs/en line {line}: ## {{ #best-efforts }}" in problems
    ), problems


def test_a_stub_or_anchors_keep_every_heading_id_and_no_word_of_the_page() -> None:
    page = "# 서버 { #servers }\n\n서버를 시작합니다.\n\n```sh\n# a comment\n```\n\n### 본문 { #body }\n"
    assert stub_page(page) == "# servers { #servers }\n\n### body { #body }\n"
    with pytest.raises(ValueError):
        stub_page("no heading here\n")
    assert anchors_of("# T { #t }\n\ntext\n\n## S { #s }\n") == '<a id="t"></a>\n<a id="s"></a>\n'
