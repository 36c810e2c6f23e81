"""The mistakes a contributor makes most, each made in a copy of the site in a temp dir: the part of
`make test` that must catch it fails, and its message names the file (and line or cell).

Pages other than tcp-ip.md are stubs in the copy, so each build takes a second or two.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.build import ROOT, BuildError, build
from tools.checks import source_problems

pytestmark = pytest.mark.timeout(120)
PAGE = "tcp-ip.md"
MISSING = f"docs/ko/{PAGE}: no docs/en/{PAGE} (every page exists in both languages)"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of what the build reads, with the real TCP/IP page in both languages and stub pages."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("mkdocs.yml", "mkdocs.en.yml", "glossary.yml"):
        shutil.copy(ROOT / name, repo / name)
    for name in ("hooks", "overrides", "snippets", "notebooks"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    for lang in ("ko", "en"):
        for source in (ROOT / "docs" / lang).rglob("*.md"):
            copy = repo / source.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            if source.name in (PAGE, "glossary.md"):
                shutil.copy(source, copy)
            else:
                copy.write_text(f"# {source.stem} {{ #{source.stem} }}\n", encoding="utf-8")
    return repo


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


@pytest.mark.parametrize(("old", "new", "expected"), [
    (":recv-exactly\"", ":no-such-section\"", "no-such-section"),
    ("snippets/tcp_ip/framing.py:recv-exactly", "snippets/tcp_ip/no_such_file.py:recv-exactly", "no_such_file.py"),
    ('{{ cell("tcp_headers", "build") }}', '{{ cell("tcp_headers", "no-such-tag") }}', "docs/ko/tcp-ip.md:38"),
    ("\n## ", "\nSee [the missing page](missing.md).\n\n## ", "missing.md"),
])
def test_broken_snippet_embed_or_link_fails_the_build_naming_the_page(repo: Path, old: str, new: str, expected: str) -> None:
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
    assert f"docs/*/{PAGE}: heading 2 differs" in problems and "docs/en line 24: ## { #best-efforts }" in problems, problems


def nbval(notebook: Path) -> str:
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tools.pytest_guards", "--nbval",
                             "--nbval-kernel-name=python3", "-q", str(notebook)],
                            cwd=notebook.parent, capture_output=True, text=True, env=env, timeout=110)
    assert result.returncode != 0, result.stdout
    return result.stdout


def broken_notebook(repo: Path, change) -> Path:
    path = repo / "notebooks/tcp_echo.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    change(nb["cells"])
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_notebook_that_raises_fails_nbval_naming_notebook_and_cell(repo: Path) -> None:
    def boom(cells):
        cells[-1]["source"] = ["raise RuntimeError('boom')"]
    out = nbval(broken_notebook(repo, boom))
    assert "tcp_echo.ipynb::Cell" in out and "RuntimeError" in out, out


def test_changed_output_fails_nbval_naming_notebook_and_cell(repo: Path) -> None:
    def reword(cells):
        stream = next(o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
        stream["text"] = ["something the code does not print\n"]
    out = nbval(broken_notebook(repo, reword))
    assert "tcp_echo.ipynb::Cell" in out and "something the code does not print" in out, out
