"""ruff (pinned in requirements.in and .pre-commit-config.yaml) finds nothing to lint or format.

`make lint` fixes what it can; pre-commit runs the same before each commit.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUFF = Path(sys.executable).parent / "ruff"


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUFF), *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing_to_lint() -> None:
    result = ruff("check", "--output-format", "concise", ".")
    assert result.returncode == 0, f"ruff check (make lint fixes most):\n{result.stdout}{result.stderr}"


def test_ruff_finds_nothing_to_format() -> None:
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, f"ruff format --check (make lint formats):\n{result.stdout}{result.stderr}"


def test_pre_commit_pins_the_same_ruff_as_requirements() -> None:
    pinned = re.findall(r"^ruff==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    hooks = re.findall(r"ruff==([0-9.]+)", (ROOT / ".pre-commit-config.yaml").read_text())
    assert pinned and hooks and set(hooks) == set(pinned), (pinned, hooks)


def test_the_lint_sees_a_mistake(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nx=1\n")
    assert ruff("check", "--config", str(ROOT / "pyproject.toml"), str(bad)).returncode == 1
    assert ruff("format", "--check", "--config", str(ROOT / "pyproject.toml"), str(bad)).returncode == 1
