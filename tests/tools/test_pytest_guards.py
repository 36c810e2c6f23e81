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


def notebook(
    path: Path, *sources: str, count: bool = True, outputs: list | None = None, tags: list | None = None
) -> Path:
    outputs, tags = outputs or [[] for _ in sources], tags or [[f"s{i}"] for i in range(len(sources))]
    cells = [
        {
            "cell_type": "code",
            "execution_count": (i + 1) if count else None,
            "id": f"c{i}",
            "metadata": {"tags": tags[i]},
            "outputs": outputs[i],
            "source": [src],
        }
        for i, src in enumerate(sources)
    ]
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def run_nbval(path: Path, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
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
            *options,
            path.name,
        ],
        cwd=path.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=110,
        check=False,
    )


def test_a_clean_notebook_passes(tmp_path: Path) -> None:
    result = run_nbval(
        notebook(tmp_path / "clean.ipynb", "import tempfile\nwith tempfile.TemporaryDirectory() as d:\n    pass")
    )
    assert result.returncode == 0, result.stdout


def test_leftover_thread_socket_and_temp_file_fail_naming_the_notebook(tmp_path: Path) -> None:
    leaky = notebook(
        tmp_path / "leaky.ipynb",
        "import socket, tempfile, threading, time\n"
        "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
        "s = socket.socket()\ns.bind(('127.0.0.1', 0))\n"
        "f = tempfile.NamedTemporaryFile(delete=False)",
    )
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
    assert (
        "unrun.ipynb[s0]: no stored execution count" in result.stdout
        and "make notebooks NB=unrun.ipynb" in result.stdout
    ), result.stdout


def stdout(text: str) -> dict:
    return {"name": "stdout", "output_type": "stream", "text": text.splitlines(keepends=True)}


def test_a_changed_output_names_the_cell_by_tag_shows_stored_and_now_and_how_to_refresh(tmp_path: Path) -> None:
    changed = notebook(
        tmp_path / "changed.ipynb",
        "print('a 1')\nprint('b 3')",
        "print('same')",
        "print('x')",
        "print('p')\nimport sys; sys.stdout.flush()\nprint('q 2')",
        outputs=[[stdout("a 1\nb 2\n")], [stdout("same\n")], [stdout("y\n")], [stdout("p\n"), stdout("q 1\n")]],
        tags=[["table"], ["other"], [], ["split"]],
    )
    result = run_nbval(changed)
    out = result.stdout
    assert result.returncode == 1, out
    assert "changed.ipynb[table]: cell outputs differ" in out and "changed.ipynb::cell[table]" in out, out
    assert "--- stored\n+++ now\n" in out and "\n-b 2\n+b 3\n" in out, out  # "-" is what the notebook stores, as in git
    assert "If the new output is right, store it: make notebooks NB=changed.ipynb" in out, out
    assert "changed.ipynb[2]: cell outputs differ" in out and "\n-y\n+x\n" in out, out  # untagged: its index
    assert "other]" not in out and "Cell 0" not in out, out
    # stored as two stream outputs (two messages from the kernel): each stored line shown once
    split = out[out.index("changed.ipynb[split]") :]
    assert " p\n-q 1\n+q 2\n" in split and split.count("q 1") == 1, split
    assert "\x1b[" not in out, out  # not a terminal: no colour codes
    coloured = run_nbval(changed, "--color=yes").stdout
    assert "\x1b[" in coloured and "changed.ipynb[table]" in coloured


def test_an_exception_names_the_cell_and_keeps_the_traceback_without_colour_codes(tmp_path: Path) -> None:
    result = run_nbval(notebook(tmp_path / "raises.ipynb", "1/0", tags=[["divide"]]))
    out = result.stdout
    assert (
        "raises.ipynb[divide]: cell execution caused an exception" in out
        and "ZeroDivisionError: division by zero" in out
    ), out
    assert "\x1b[" not in out, out


def test_the_nbval_time_is_a_figure_not_a_failure(tmp_path: Path) -> None:
    result = run_nbval(notebook(tmp_path / "quick.ipynb", "pass"))
    assert result.returncode == 0 and "nbval time: " in result.stdout and "budget" not in result.stdout, result.stdout


def test_kernels_talk_over_unix_sockets_and_take_no_loopback_port(tmp_path: Path) -> None:
    """A kernel's ZeroMQ channels over TCP held loopback ports, and its client kept reconnecting to them after
    the kernel stopped: a demo server given such a port by bind(port 0) read ZeroMQ's greeting (0xff …) as a
    frame ("unknown frame kind: b'\\xff'"). Over IPC no port is taken."""
    cell = "from ipykernel.kernelapp import IPKernelApp\nprint(IPKernelApp.instance().transport)"
    result = run_nbval(notebook(tmp_path / "transport.ipynb", cell, outputs=[[stdout("ipc\n")]]))
    assert result.returncode == 0, result.stdout
