"""The repository's sources, before any build: snippet sections shown on pages, one name per topic."""

from __future__ import annotations

from pathlib import Path

from tools.checks.snippets import snippet_problems
from tools.checks.topics import name_problems

ROOT = Path(__file__).resolve().parents[2]


def test_every_snippet_section_is_on_a_page_or_a_known_gap() -> None:
    problems = snippet_problems(ROOT)
    assert not problems, "\n".join(problems)


def test_one_name_per_topic_across_snippets_notebooks_and_tests() -> None:
    problems = name_problems(ROOT)
    assert not problems, "\n".join(problems)
