"""The source checks (snippet sections, topic names) and the topic list fail on broken input, naming the file."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from extensions._page import TransformError
from tools.checks.snippets import snippet_problems
from tools.checks.topics import name_problems

NAV = "nav:\n  - Home: index.md\n  - tcp-ip.md\n  - event-driven.md\n  - glossary.md\nsite_url: !ENV [SITE_URL, x]\n"


def project(tmp_path: Path, page: str = "", code: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "mkdocs.yml").write_text(NAV)
    for lang in ("ko", "en"):
        (tmp_path / "docs" / lang).mkdir(parents=True)
        (tmp_path / "docs" / lang / "tcp-ip.md").write_text(f"# TCP/IP {lang}\n\n```python\n{page}\n```\n")
        (tmp_path / "docs" / lang / "event-driven.md").write_text(f"# Events {lang} {{ #events }}\n")
    (tmp_path / "snippets" / "tcp_ip").mkdir(parents=True)
    (tmp_path / "snippets" / "tcp_ip" / "__init__.py").write_text("")
    (tmp_path / "snippets" / "tcp_ip" / "echo.py").write_text(code)
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "tests" / "tcp_ip").mkdir(parents=True)
    return tmp_path


SECTION = "# --8<-- [start:handle]\ndef handle(): ...\n# --8<-- [end:handle]\n"


def test_a_section_on_a_page_passes(tmp_path: Path) -> None:
    root = project(tmp_path, '--8<-- "snippets/tcp_ip/echo.py:handle"', SECTION)
    assert snippet_problems(root, frozenset(), 0) == []


def test_a_section_on_no_page_is_named(tmp_path: Path) -> None:
    root = project(tmp_path, "", SECTION)
    assert snippet_problems(root, frozenset(), 0) == [
        "snippets/tcp_ip/echo.py:1: section 'handle' is on no page: include it where the page explains it, or remove the marker"
    ]


def test_an_include_of_a_missing_section_is_named(tmp_path: Path) -> None:
    root = project(tmp_path, '--8<-- "snippets/tcp_ip/echo.py:serve"', SECTION)
    problems = snippet_problems(root, frozenset({"snippets/tcp_ip/echo.py:handle"}), 1)
    assert problems == [
        "docs/en/tcp-ip.md:4: includes snippets/tcp_ip/echo.py:serve, but snippets/tcp_ip/echo.py has no section 'serve'"
    ]


@pytest.mark.parametrize(
    "code, expected",
    [
        ("# --8<-- [start:a]\n", "snippets/tcp_ip/echo.py:1: section 'a' starts but never ends"),
        ("# --8<-- [end:a]\n", "snippets/tcp_ip/echo.py:1: section 'a' ends but never started"),
    ],
)
def test_unbalanced_markers_are_named(tmp_path: Path, code: str, expected: str) -> None:
    assert expected in snippet_problems(project(tmp_path, "", code), frozenset({"snippets/tcp_ip/echo.py:a"}), 1)


def test_the_known_gaps_can_only_shrink(tmp_path: Path) -> None:
    root = project(tmp_path, '--8<-- "snippets/tcp_ip/echo.py:handle"', SECTION)
    known = frozenset({"snippets/tcp_ip/echo.py:handle"})
    assert snippet_problems(root, known, 1) == [
        "tools/checks/snippets.py: KNOWN_UNUSED lists snippets/tcp_ip/echo.py:handle, which is now on a page: remove it from the list"
    ]
    root = project(tmp_path / "again", "", SECTION)
    assert snippet_problems(root, known, 0) == [
        "tools/checks/snippets.py: KNOWN_UNUSED has 1 entries, more than its ceiling 0: show the new sections on a page instead"
    ]


def test_names_that_belong_to_no_topic_are_named(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert name_problems(root) == []
    (root / "notebooks" / "event_loop.ipynb").write_text("{}")
    (root / "snippets" / "event_driven").mkdir()
    (root / "snippets" / "event_driven" / "__init__.py").write_text("")
    (root / "snippets" / "control_plane").mkdir()
    (root / "snippets" / "control_plane" / "__init__.py").write_text("")
    (root / "tests" / "containers").mkdir()
    problems = name_problems(root)
    assert [p.split(":")[0] for p in problems] == [
        "snippets/control_plane/",
        "snippets/event_driven/",
        "notebooks/event_loop.ipynb",
        "tests/containers/",
    ], problems
    assert "no tests/event_driven/" in problems[1]


def convert(root: Path, text: str, lang: str = "ko") -> str:
    md = markdown.Markdown(
        extensions=["extensions.topics"],
        extension_configs={"extensions.topics": {"base_path": str(root), "docs_dir": str(root / "docs" / lang)}},
    )
    return md.convert(text)


def test_the_topic_list_is_nav_in_the_page_language(tmp_path: Path) -> None:
    root = project(tmp_path)
    html = convert(root, "{{ topics() }}", "en")
    assert (
        html
        == '<ul>\n<li><a href="tcp-ip.md">TCP/IP en</a></li>\n<li><a href="event-driven.md">Events en</a></li>\n</ul>'
    )


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            lambda root: (root / "docs" / "ko" / "event-driven.md").unlink(),
            "mkdocs.yml lists event-driven.md, which is not in",
        ),
        (lambda root: (root / "docs" / "ko" / "event-driven.md").write_text("no heading\n"), "no first heading"),
        (lambda root: (root / "mkdocs.yml").write_text("site_name: x\n"), "mkdocs.yml has no nav"),
    ],
)
def test_a_topic_list_that_cannot_be_made_fails(tmp_path: Path, change, expected: str) -> None:
    root = project(tmp_path)
    change(root)
    with pytest.raises(TransformError, match=expected):
        convert(root, "# Home\n\n{{ topics() }}")


def test_a_malformed_topic_list_line_fails(tmp_path: Path) -> None:
    with pytest.raises(TransformError, match=r"line 1: malformed topic list"):
        convert(project(tmp_path), "{{ topics }}")


def test_per_language_includes_pair_with_their_own_language_only() -> None:
    """A file drawn per language (event_loop.ko.md / event_loop.en.md) pairs across the two pages like a
    diagram tagged -ko/-en; a Korean page including the English file does not."""
    from tools.checks.pages import structure

    ko = structure('--8<-- "benchmarks/results/event_loop.ko.md:cpu"\n--8<-- "x.py:a"\n', "ko")["includes"]
    en = structure('--8<-- "benchmarks/results/event_loop.en.md:cpu"\n--8<-- "x.py:a"\n', "en")["includes"]
    wrong = structure('--8<-- "benchmarks/results/event_loop.en.md:cpu"\n--8<-- "x.py:a"\n', "ko")["includes"]
    assert ko == en == ["benchmarks/results/event_loop.{lang}.md:cpu", "x.py:a"]
    assert wrong != en
