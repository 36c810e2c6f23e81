"""Guards for every pytest run with notebooks (nbval): loaded by the root conftest.py, and by
`-p tools.pytest_guards` in tests that run pytest on a broken notebook elsewhere."""

from __future__ import annotations

import copy
import difflib
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from nbval.plugin import IPyNbCell, IPyNbFile, coalesce_streams


def pytest_configure(config: pytest.Config) -> None:
    # nbval's kernels talk over Unix sockets, not loopback ports (tools/kernels.py says why)
    import nbval.kernel

    from tools.kernels import IpcKernelManager

    nbval.kernel.KernelManager = IpcKernelManager
    # A venv whose infra-notes.pth names another checkout runs this checkout's tests against that one's
    # notebook kernels, silently. `make` points it back; a direct pytest run stops here, naming both.
    from tools.notebooks import checkout_mismatch

    if problem := checkout_mismatch():
        raise pytest.UsageError(problem)
    # pytest-xdist's default distribution sends cells of one notebook to different workers, where
    # they fail with NameError. Notebooks must stay whole on one worker (--dist loadfile, see below).
    workers = getattr(config.option, "numprocesses", None)
    dist = getattr(config.option, "dist", "no")
    if config.getoption("nbval", default=False) and workers and dist not in ("loadfile", "no"):
        raise pytest.UsageError(
            f"--nbval with -n needs --dist loadfile (got --dist {dist}): cells of one notebook must run on one worker"
        )


# --- The order in which `make test` hands out files --------------------------------------------------
# With --dist loadfile, each file runs whole on one worker: a notebook's cells share one kernel, and a
# module's fixtures (every page visited in Chromium, a Zensical build, a small site for the search tests) are
# made once. xdist hands out files in collection order (the Makefile passes --no-loadscope-reorder, not "files
# with most tests first"): the files that take longest go first, so that no worker is left alone with one of
# them at the end, as a longest-first scheduler would do (figures: `make test PYTEST_ARGS=--durations=40`).
FIRST = (
    "tests/browser/test_pages.py",  # builds the shared site first thing
    "tests/site/test_zensical.py",  # meanwhile builds with Zensical, then reads the shared site
    "tests/tools/test_lighthouse.py",
    "tests/iac/test_playbook.py",
    "tests/iac/test_stack.py",
    "tests/tools/test_contributor_mistakes.py",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """FIRST files first, then the rest in collection order (a stable sort: cells stay in order)."""
    if getattr(config.option, "dist", "no") == "loadfile":
        rank = {name: i for i, name in enumerate(FIRST)}
        items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def _fail_unrun_cell(item: pytest.Item) -> None:
    # nbval runs a code cell that has no stored execution count but never compares its output, so a
    # cell committed without running would pass whatever it prints. Fail it instead.
    cell = getattr(item, "cell", None)
    if _is_cell(item) and cell is not None and cell.cell_type == "code" and cell.execution_count is None:
        pytest.fail(
            f"{cell_name(item)}: no stored execution count, so its output would never be compared; "
            f"run `{refresh_command(item)}`",
            pytrace=False,
        )


# --- Failures a contributor can act on ------------------------------------------------------------------
# nbval names a cell by its position ("Cell 3"), prints pytest's assertion diff (whose "-" is the new output,
# the opposite of git), writes ANSI colours into pipes and CI logs, and does not say how to accept a new
# output. Here a cell is named after its tag (`notebooks/x.ipynb::cell[table]`, `cell[3]` when untagged),
# and a failing cell's report is rewritten: its name, the diff "stored" → "now", the command that stores
# new output.

NBVAL_TAGS = {"nbval-ignore-output", "nbval-check-output", "nbval-skip", "nbval-raises-exception", "raises-exception"}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _is_cell(item: pytest.Item) -> bool:
    return isinstance(item, IPyNbCell)


class TaggedCell(IPyNbCell):
    """nbval's cell item, reported as `notebooks/x.ipynb[tag]`."""

    def reportinfo(self):
        return self.path, 0, cell_name(self)


class TaggedNotebook(IPyNbFile):
    """nbval's notebook collector, whose cells are named after their tag (the index when untagged, or when two
    cells share a tag, which `tools/notebooks.py check` fails anyway)."""

    def collect(self):
        cells = list(super().collect())
        labels = [
            [t for t in c.cell.metadata.get("tags", []) if t not in NBVAL_TAGS][:1] or [str(c.cell_num)] for c in cells
        ]
        for cell, (label,) in zip(cells, labels, strict=True):
            label = label if labels.count([label]) == 1 else str(cell.cell_num)
            yield TaggedCell.from_parent(
                self, name=f"cell[{label}]", cell_num=cell.cell_num, cell=cell.cell, options=cell.options
            )


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    collected = yield
    return [TaggedNotebook.from_parent(parent, path=file_path) if type(c) is IPyNbFile else c for c in collected or []]


def _notebook_path(item: pytest.Item) -> str:
    return os.path.relpath(item.parent.path, item.config.invocation_params.dir)


def cell_name(item: pytest.Item) -> str:
    """How failures name a cell: `notebooks/tcp_ip_congestion.ipynb[table]`."""
    return _notebook_path(item) + item.name.removeprefix("cell")


def refresh_command(item: pytest.Item) -> str:
    return f"make notebooks NB={_notebook_path(item)}"


def _render(outputs: list) -> list[str]:
    """Outputs as the lines a reader sees, each block headed by what it is (stdout, text/plain, ...)."""
    lines = []
    for out in outputs:
        if out.get("output_type") == "stream":
            blocks = {out.get("name", "stream"): out.get("text", "")}
        elif out.get("output_type") == "error":
            blocks = {"error": f"{out.get('ename')}: {out.get('evalue')}"}
        else:
            blocks = {k: v for k, v in out.get("data", {}).items() if not k.startswith("image/")}
        for kind, text in blocks.items():
            lines.append(f"({kind})")
            lines += ("".join(text) if isinstance(text, list) else str(text)).splitlines()
    return lines


def _cell_failure(item: pytest.Item, error: Exception, markup: bool) -> str:
    def paint(text: str, **colour: bool) -> str:
        return item.config.get_terminal_writer().markup(text, **colour) if markup else text

    message = str(error)
    lines = [
        paint(f"{cell_name(item)}: {message.lower().rstrip('.')}", red=True, bold=True),
        "",
        "Input:",
        item.cell.source,
        "",
    ]
    if message == "Cell outputs differ":
        # nbval's own comparison merged the stored streams into the first one in place: use the copy from setup
        stored = _render(coalesce_streams(copy.deepcopy(getattr(item, "stored_outputs", item.cell.outputs))))
        now = _render(item.test_outputs or [])
        diff = list(difflib.unified_diff(stored, now, "stored", "now", lineterm=""))
        for line in diff or (getattr(error, "inner_traceback", None) or "").splitlines():
            lines.append(
                paint(line, red=True)
                if line.startswith("-")
                else paint(line, green=True)
                if line.startswith("+")
                else line
            )
        lines += ["", f"If the new output is right, store it: {refresh_command(item)}"]
    elif getattr(error, "inner_traceback", None):
        lines += ["Traceback:", error.inner_traceback]
    text = "\n".join(lines)
    return text if markup else ANSI.sub("", text)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    error = call.excinfo.value if call.excinfo is not None else None
    if _is_cell(item) and report.failed and type(error).__name__ == "NbCellError":
        report.longrepr = _cell_failure(item, error, item.config.get_terminal_writer().hasmarkup)
    return report


# --- Nothing a notebook creates may outlive it --------------------------------------------------------
# Each notebook's kernel gets a private TMPDIR. After its last cell, while the kernel still runs, we look
# at the kernel process: threads and sockets beyond what it had before the first cell, child processes,
# anything left in its TMPDIR, mounts and cgroups of the demo naming convention (snippets/docker:
# `infra-notes-<pid>-…`). Any leftover fails the teardown of that cell, naming the notebook.

_notebooks: dict[str, dict] = {}


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
    return {
        "threads": process.num_threads(),
        "sockets": sum(f.startswith("socket:") for f in fds),
        "children": [f"{p.pid} {' '.join(p.cmdline())[:80]}" for p in process.children(recursive=True)],
    }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    _fail_unrun_cell(item)
    if _is_cell(item):
        item.stored_outputs = copy.deepcopy(item.cell.outputs)  # before nbval's comparison changes them
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
    # the demos' naming convention, in one place
    from snippets.docker.cgroups import created_by

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


# --- The nbval time, as a figure --------------------------------------------------------------------------
# The notebooks' total time (kernel starts, cells, checks) and each worker's share, printed after the run.
# Only a figure: time budgets belong in `make perf`, not in `make test`, which must pass on a busy machine.

_nbval_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if ".ipynb::" not in report.nodeid:
        return
    worker = getattr(getattr(report, "node", None), "gateway", None)
    worker_id = getattr(worker, "id", "main")
    _nbval_seconds[worker_id] = _nbval_seconds.get(worker_id, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _nbval_seconds and getattr(config, "workerinput", None) is None:
        per_worker = ", ".join(f"{w} {s:.1f} s" for w, s in sorted(_nbval_seconds.items()))
        terminalreporter.write_line(f"nbval time: {sum(_nbval_seconds.values()):.1f} s in all ({per_worker})")
