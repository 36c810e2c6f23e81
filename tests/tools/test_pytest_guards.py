"""tools/pytest_guards.py on broken notebooks: each mistake fails the run, naming the notebook.

Every notebook below goes through one nbval run (starting pytest with its plugins and a kernel costs more than
the notebooks); each test reads its own notebook's outcome and reports from that run's output.
"""

from __future__ import annotations

import json
import os
import re
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


def run_nbval(where: Path, *options: str) -> subprocess.CompletedProcess:
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
            ".",
        ],
        cwd=where,
        capture_output=True,
        text=True,
        env=env,
        timeout=110,
        check=False,
    )


def stdout(text: str) -> dict:
    return {"name": "stdout", "output_type": "stream", "text": text.splitlines(keepends=True)}


TRANSPORT = "from ipykernel.kernelapp import IPKernelApp\nprint(IPKernelApp.instance().transport)"
NOTEBOOKS = {
    "clean": dict(sources=["import tempfile\nwith tempfile.TemporaryDirectory() as d:\n    pass"]),
    "leaky": dict(
        sources=[
            "import socket, tempfile, threading, time\n"
            "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
            "s = socket.socket()\ns.bind(('127.0.0.1', 0))\n"
            "f = tempfile.NamedTemporaryFile(delete=False)"
        ]
    ),
    "child": dict(sources=["import subprocess\np = subprocess.Popen(['sleep', '30'])"]),
    "unrun": dict(sources=["print(1)"], count=False),
    "changed": dict(
        sources=[
            "print('a 1')\nprint('b 3')",
            "print('same')",
            "print('x')",
            "print('p')\nimport sys; sys.stdout.flush()\nprint('q 2')",
        ],
        outputs=[[stdout("a 1\nb 2\n")], [stdout("same\n")], [stdout("y\n")], [stdout("p\n"), stdout("q 1\n")]],
        tags=[["table"], ["other"], [], ["split"]],
    ),
    "raises": dict(sources=["1/0"], tags=[["divide"]]),
    # A kernel's ZeroMQ channels over TCP held loopback ports, and its client kept reconnecting to them after
    # the kernel stopped: a demo server given such a port by bind(port 0) read ZeroMQ's greeting (0xff …) as a
    # frame ("unknown frame kind: b'\\xff'"). Over IPC no port is taken (tools/kernels.py).
    "transport": dict(sources=[TRANSPORT], outputs=[[stdout("ipc\n")]]),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    where = tmp_path_factory.mktemp("notebooks")
    for name, spec in NOTEBOOKS.items():
        notebook(where / f"{name}.ipynb", *spec["sources"], **{k: v for k, v in spec.items() if k != "sources"})
    result = run_nbval(where, "-rA")  # -rA: a PASSED/FAILED/ERROR line per cell
    assert result.returncode != 0, result.stdout  # some of them are broken
    return where, result.stdout


def outcomes(out: str, name: str) -> set[str]:
    """What pytest's summary (-rA) said about the cells of name.ipynb: PASSED, FAILED, ERROR."""
    return set(re.findall(rf"^(PASSED|FAILED|ERROR) {re.escape(name)}\.ipynb::", out, flags=re.MULTILINE))


def reports(out: str, name: str) -> str:
    """The failure and error reports whose header (`____ … ____`) names name.ipynb, each up to the next header
    or `=====` line, so that one notebook's report never lends its text to another's."""
    parts = re.split(r"^_{3,} (.+?) _{3,}$|^={3,}.*$", out, flags=re.MULTILINE)[1:]
    return "\n".join(
        f"{head}\n{body}"
        for head, body in zip(parts[::2], parts[1::2], strict=True)
        if head and f"{name}.ipynb" in head
    )


def test_reports_are_told_apart_by_notebook() -> None:
    out = (
        "=== FAILURES ===\n____ a.ipynb::Cell 1 ____\nboom\n____ b.ipynb[tag] ____\nother\n"
        "=== short test summary ===\nFAILED a.ipynb boom\n"
    )
    assert reports(out, "a") == "a.ipynb::Cell 1\n\nboom\n"
    assert reports(out, "b") == "b.ipynb[tag]\n\nother\n"
    assert reports(out, "c") == ""


def test_a_clean_notebook_passes(batch) -> None:
    _, out = batch
    assert outcomes(out, "clean") == {"PASSED"}, out


def test_leftover_thread_socket_and_temp_file_fail_naming_the_notebook(batch) -> None:
    _, out = batch
    report = reports(out, "leaky")
    assert "ERROR" in outcomes(out, "leaky") and "leaky.ipynb left behind after its last cell:" in report, out
    for what in ("1 more threads", "1 more sockets", "temp file or dir"):
        assert what in report, report


def test_leftover_child_process_fails(batch) -> None:
    _, out = batch
    assert "child.ipynb left behind after its last cell: child process" in reports(out, "child"), out


def test_cell_without_execution_count_fails(batch) -> None:
    _, out = batch
    report = reports(out, "unrun")
    assert "unrun.ipynb[s0]: no stored execution count" in report and "make notebooks NB=unrun.ipynb" in report, out


def test_a_changed_output_names_the_cell_by_tag_shows_stored_and_now_and_how_to_refresh(batch) -> None:
    where, full = batch
    out = reports(full, "changed")
    assert "changed.ipynb[table]: cell outputs differ" in out and "FAILED changed.ipynb::cell[table]" in full, out
    assert "--- stored\n+++ now\n" in out and "\n-b 2\n+b 3\n" in out, out  # "-" is what the notebook stores, as in git
    assert "If the new output is right, store it: make notebooks NB=changed.ipynb" in out, out
    assert "changed.ipynb[2]: cell outputs differ" in out and "\n-y\n+x\n" in out, out  # untagged: its index
    assert "other]" not in out and "Cell 0" not in out, out
    # stored as two stream outputs (two messages from the kernel): each stored line shown once
    split = out[out.index("changed.ipynb[split]") :]
    assert " p\n-q 1\n+q 2\n" in split and split.count("q 1") == 1, split
    assert "\x1b[" not in out, out  # not a terminal: no colour codes
    only = where / "coloured"
    only.mkdir()
    (only / "changed.ipynb").write_bytes((where / "changed.ipynb").read_bytes())
    coloured = run_nbval(only, "--color=yes").stdout
    assert "\x1b[" in coloured and "changed.ipynb[table]" in coloured


def test_an_exception_names_the_cell_and_keeps_the_traceback_without_colour_codes(batch) -> None:
    _, out = batch
    report = reports(out, "raises")
    assert (
        "raises.ipynb[divide]: cell execution caused an exception" in report
        and "ZeroDivisionError: division by zero" in report
    ), out
    assert "\x1b[" not in out, out


def test_the_nbval_time_is_a_figure_not_a_failure(batch) -> None:
    _, out = batch
    assert "nbval time: " in out and "budget" not in out, out


def test_kernels_talk_over_unix_sockets_and_take_no_loopback_port(batch) -> None:
    _, out = batch
    assert outcomes(out, "transport") == {"PASSED"}, out
