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


# --- tools/notebooks.py itself ------------------------------------------------------------------------------


def test_notebook_new_refuses_to_replace_a_notebook_unless_forced(tmp_path, monkeypatch) -> None:
    import tools.notebooks as tool

    monkeypatch.setattr(tool, "NOTEBOOK_DIR", tmp_path)
    script = tmp_path / "scratch" / "demo.py"
    script.parent.mkdir()
    script.write_text("# %% first\nprint(1)\n", encoding="utf-8")
    assert tool.from_script(script) == tmp_path / "demo.ipynb"
    script.write_text("# %% first\nprint(2)\n", encoding="utf-8")
    with pytest.raises(
        SystemExit, match=r"notebooks/demo.ipynb exists: `make notebook-new SCRIPT=.*demo.py FORCE=1` replaces it"
    ):
        tool.from_script(script)
    assert "print(1)" in (tmp_path / "demo.ipynb").read_text(encoding="utf-8")
    tool.from_script(script, force=True)
    assert "print(2)" in (tmp_path / "demo.ipynb").read_text(encoding="utf-8")


def test_scratch_scripts_are_ignored_by_git() -> None:
    import subprocess

    ignored = subprocess.run(["git", "check-ignore", "-q", "scratch/tcp_ip_echo.py"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, "scratch/ (where CONTRIBUTING puts notebook-new scripts) is not in .gitignore"


def test_a_kernel_talks_over_unix_sockets_without_a_tcp_warning_and_other_stderr_shows(tmp_path, capfd) -> None:
    import json

    from tools.notebooks import run

    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "a",
                "metadata": {"tags": ["t"]},
                "outputs": [],
                "source": [
                    "import os\nfrom ipykernel.kernelapp import IPKernelApp\n",
                    "os.write(2, b'[IPKernelApp] WARNING | a real warning\\n')\nprint(IPKernelApp.instance().transport)",
                ],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "quiet.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    run(path)
    err = capfd.readouterr().err
    assert "without encryption" not in err, err
    assert "a real warning" in err, err
    assert json.loads(path.read_text(encoding="utf-8"))["cells"][0]["outputs"][-1]["text"] == ["ipc\n"]


def test_a_venv_naming_another_checkout_is_named_and_fixed_by_make(tmp_path) -> None:
    import subprocess

    from tools.notebooks import PTH, checkout_mismatch

    purelib = tmp_path / "venv/lib/python3.11/site-packages"
    purelib.mkdir(parents=True)
    (purelib / PTH).write_text("/somewhere/else/infra-notes\n", encoding="utf-8")
    problem = checkout_mismatch(purelib)
    assert problem and "names /somewhere/else/infra-notes, not this checkout " + str(ROOT) in problem, problem
    made = subprocess.run(
        ["make", "--no-print-directory", "-s", f"VENV={tmp_path / 'venv'}", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "named /somewhere/else/infra-notes, not this checkout " + str(ROOT) in made.stdout + made.stderr, made
    assert (purelib / PTH).read_text(encoding="utf-8").strip() == str(ROOT)
    assert checkout_mismatch(purelib) is None


def test_pytest_refuses_to_run_with_a_venv_naming_another_checkout(monkeypatch) -> None:
    from types import SimpleNamespace

    import tools.notebooks
    from tools import pytest_guards

    monkeypatch.setattr(
        tools.notebooks, "checkout_mismatch", lambda: "infra-notes.pth names /elsewhere, not this checkout"
    )
    with pytest.raises(pytest.UsageError, match="names /elsewhere, not this checkout"):
        pytest_guards.pytest_configure(SimpleNamespace(option=SimpleNamespace(), getoption=lambda *a, **k: False))
