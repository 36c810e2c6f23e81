"""Committed notebooks are fit for nbval: every code cell ran in order and is compared (tools/notebooks.py)."""

from __future__ import annotations

import pytest

from tools.notebooks import ROOT, all_notebooks, problems


def test_there_are_notebooks() -> None:
    assert all_notebooks(), "no notebooks in notebooks/"


@pytest.mark.parametrize("notebook", all_notebooks(), ids=lambda p: p.name)
def test_notebook_is_clean_and_fully_compared(notebook) -> None:
    found = problems(notebook)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("notebook", all_notebooks(), ids=lambda p: p.name)
def test_notebook_is_embedded_on_a_page(notebook) -> None:
    embed = f'{{{{ cell("{notebook.stem}", '
    pages = [p for p in (ROOT / "docs").rglob("*.md") if embed in p.read_text(encoding="utf-8")]
    assert pages, f"notebooks/{notebook.name} is not embedded on any page"
