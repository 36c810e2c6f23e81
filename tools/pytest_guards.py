"""Guards for every pytest run with notebooks (nbval): loaded by the root conftest.py, and by
`-p tools.pytest_guards` in tests that run pytest on a broken notebook elsewhere."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist's default distribution sends cells of one notebook to different workers, where
    # they fail with NameError. Notebooks must stay whole on one worker.
    workers = getattr(config.option, "numprocesses", None)
    dist = getattr(config.option, "dist", "no")
    if config.getoption("nbval", default=False) and workers and dist not in ("loadfile", "no"):
        raise pytest.UsageError(f"--nbval with -n needs --dist loadfile (got --dist {dist}): cells of one notebook must run on one worker")


def _fail_unrun_cell(item: pytest.Item) -> None:
    # nbval runs a code cell that has no stored execution count but never compares its output, so a
    # cell committed without running would pass whatever it prints. Fail it instead.
    cell = getattr(item, "cell", None)
    if type(item).__name__ == "IPyNbCell" and cell is not None and cell.cell_type == "code" and cell.execution_count is None:
        pytest.fail(f"{item.nodeid.split('::')[0]} cell {item.cell_num}: no stored execution count, so its output would never be compared; run `make notebooks`", pytrace=False)


# --- Nothing a notebook creates may outlive it --------------------------------------------------------
# Each notebook's kernel gets a private TMPDIR. After its last cell, while the kernel still runs, we look
# at the kernel process: threads and sockets beyond what it had before the first cell, child processes,
# anything left in its TMPDIR, mounts and cgroups of the demo naming convention (snippets/containers:
# `infra-notes-<pid>-…`). Any leftover fails the teardown of that cell, naming the notebook.

_notebooks: dict[str, dict] = {}


def _is_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell"


def _kernel_pid(item: pytest.Item) -> int | None:
    kernel = getattr(item.parent, "kernel", None)
    provisioner = getattr(getattr(kernel, "km", None), "provisioner", None)
    return getattr(provisioner, "pid", None)


def _kernel_state(pid: int) -> dict:
    import psutil

    fds = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            fds.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    process = psutil.Process(pid)
    return {"threads": process.num_threads(), "sockets": sum(f.startswith("socket:") for f in fds),
            "children": [f"{p.pid} {' '.join(p.cmdline())[:80]}" for p in process.children(recursive=True)]}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    _fail_unrun_cell(item)
    first = _is_cell(item) and item.parent.nodeid not in _notebooks
    if first:
        tempfile.gettempdir()  # this process keeps its own temp dir; only the kernel gets the new one
        private = tempfile.mkdtemp(prefix=f"nb-{Path(item.parent.nodeid).stem}-")
        saved, os.environ["TMPDIR"] = os.environ.get("TMPDIR"), private
    try:
        return (yield)  # the notebook's kernel starts here, with the environment above
    finally:
        if first:
            os.environ.pop("TMPDIR") if saved is None else os.environ.__setitem__("TMPDIR", saved)
            pid = _kernel_pid(item)
            _notebooks[item.parent.nodeid] = {"tmp": private, "pid": pid, "before": _kernel_state(pid) if pid else None}


def _leftovers(notebook: dict) -> list[str]:
    pid, tmp = notebook["pid"], Path(notebook["tmp"])
    found = []
    now, before = _kernel_state(pid), notebook["before"]
    for key in ("threads", "sockets"):
        if now[key] > before[key]:
            found.append(f"{now[key] - before[key]} more {key} in the kernel than before the first cell")
    found += [f"child process {c}" for c in now["children"]]
    found += [f"temp file or dir {p.name}" for p in tmp.iterdir() if p.name != f"ipykernel_{pid}"]
    from snippets.containers.cgroups import created_by  # the demos' naming convention, in one place

    return found + created_by(pid, also=str(tmp))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    last = _is_cell(item) and (nextitem is None or nextitem.parent is not item.parent)
    notebook = _notebooks.get(item.parent.nodeid) if last else None
    found = _leftovers(notebook) if notebook and notebook["pid"] and os.path.exists(f"/proc/{notebook['pid']}") else []
    try:
        result = yield  # the kernel stops here
    finally:
        if notebook:
            shutil.rmtree(notebook["tmp"], ignore_errors=True)
    if found:
        name = item.nodeid.split("::")[0]
        pytest.fail(f"{name} left behind after its last cell: " + "; ".join(found), pytrace=False)
    return result


# --- The nbval budget -----------------------------------------------------------------------------------
# With every notebook in the run, the notebooks' total time (kernel starts, cells, checks), spread over
# make test's workers, must stay within tools.checks.NBVAL_BUDGET_S: that is what the nbval run costs
# make test's wall clock. Not the busiest worker's share: --dist loadfile hands whole files to whichever
# worker is free, so that share changes from run to run (4.6 s and 26.3 s in one run, 7.9 s and 20.9 s in
# another, for the same ~31 s in total).

_nbval_seconds: dict[str, float] = {}
_nbval_files: set[str] = set()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if ".ipynb::" not in report.nodeid:
        return
    worker = getattr(getattr(report, "node", None), "gateway", None)
    worker_id = getattr(worker, "id", "main")
    _nbval_seconds[worker_id] = _nbval_seconds.get(worker_id, 0.0) + report.duration
    _nbval_files.add(report.nodeid.split("::")[0])


def _nbval_over_budget(config: pytest.Config) -> str | None:
    from tools.checks import NBVAL_BUDGET_S
    from tools.notebooks import all_notebooks

    if getattr(config, "workerinput", None) is not None or not _nbval_seconds:
        return None  # a worker, or no notebooks ran
    if len({Path(f).name for f in _nbval_files}) < len(all_notebooks()):
        return None  # not the whole suite
    total = sum(_nbval_seconds.values())
    per_worker = total / max(1, config.getoption("numprocesses", default=None) or 1)
    if per_worker > NBVAL_BUDGET_S:
        return f"nbval budget: {total:.1f} s of notebooks over {len(_nbval_seconds)} worker(s) is {per_worker:.1f} s each, budget {NBVAL_BUDGET_S} s"
    return None


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _nbval_seconds and getattr(config, "workerinput", None) is None:
        per_worker = ", ".join(f"{w} {s:.1f} s" for w, s in sorted(_nbval_seconds.items()))
        total = sum(_nbval_seconds.values())
        terminalreporter.write_line(f"nbval time: {total:.1f} s in all ({per_worker}); budget {__import__('tools.checks').checks.NBVAL_BUDGET_S} s per worker for the whole suite")
        if problem := _nbval_over_budget(config):
            terminalreporter.write_line(problem, red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _nbval_over_budget(session.config) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
