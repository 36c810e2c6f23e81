"""tools/pytest_guards.py on broken notebooks: each mistake fails the run, naming the notebook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.build import ROOT

pytestmark = pytest.mark.timeout(120)


def notebook(path: Path, *sources: str, count: bool = True) -> Path:
    cells = [{"cell_type": "code", "execution_count": (i + 1) if count else None, "id": f"c{i}", "metadata": {"tags": [f"s{i}"]},
              "outputs": [], "source": [src]} for i, src in enumerate(sources)]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def run_nbval(path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tools.pytest_guards", "--nbval",
                           "--nbval-kernel-name=python3", "-q", str(path)],
                          cwd=path.parent, capture_output=True, text=True, env=env, timeout=110)


def test_a_clean_notebook_passes(tmp_path: Path) -> None:
    result = run_nbval(notebook(tmp_path / "clean.ipynb", "import tempfile\nwith tempfile.TemporaryDirectory() as d:\n    pass"))
    assert result.returncode == 0, result.stdout


def test_leftover_thread_socket_and_temp_file_fail_naming_the_notebook(tmp_path: Path) -> None:
    leaky = notebook(tmp_path / "leaky.ipynb",
                     "import socket, tempfile, threading, time\n"
                     "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
                     "s = socket.socket()\ns.bind(('127.0.0.1', 0))\n"
                     "f = tempfile.NamedTemporaryFile(delete=False)")
    result = run_nbval(leaky)
    assert result.returncode != 0
    assert "leaky.ipynb left behind after its last cell:" in result.stdout
    for what in ("1 more threads", "1 more sockets", "temp file or dir"):
        assert what in result.stdout, result.stdout


def test_leftover_child_process_fails(tmp_path: Path) -> None:
    result = run_nbval(notebook(tmp_path / "child.ipynb", "import subprocess\np = subprocess.Popen(['sleep', '30'])"))
    assert "child.ipynb left behind after its last cell: child process" in result.stdout, result.stdout


def test_cell_without_execution_count_fails(tmp_path: Path) -> None:
    result = run_nbval(notebook(tmp_path / "unrun.ipynb", "print(1)", count=False))
    assert "unrun.ipynb cell 0: no stored execution count" in result.stdout, result.stdout


def test_nbval_budget_fails_only_for_the_whole_suite_over_budget(monkeypatch) -> None:
    from types import SimpleNamespace

    import tools.notebooks
    from tools import pytest_guards as guards

    monkeypatch.setattr(tools.notebooks, "all_notebooks", lambda: [Path("notebooks/a.ipynb"), Path("notebooks/b.ipynb")])
    monkeypatch.setattr(guards, "_nbval_files", {"notebooks/a.ipynb"})
    monkeypatch.setattr(guards, "_nbval_seconds", {"gw0": 50.0, "gw1": 22.0})
    config = SimpleNamespace(getoption=lambda name, default=None: 2)
    assert guards._nbval_over_budget(config) is None  # b.ipynb did not run: not the whole suite
    guards._nbval_files.add("notebooks/b.ipynb")
    assert "72.0 s of notebooks over 2 worker(s) is 36.0 s each, budget 30 s" in guards._nbval_over_budget(config)
    guards._nbval_seconds["gw0"] = 30.0  # unbalanced, but 26 s each on average
    assert guards._nbval_over_budget(config) is None
