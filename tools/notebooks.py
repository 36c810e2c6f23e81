"""Run, clean and check the notebooks in notebooks/.

    python tools/notebooks.py run [NOTEBOOK ...]    execute top to bottom in a fresh kernel, store outputs, clean
    python tools/notebooks.py check [NOTEBOOK ...]  report every problem that would let a page lie; exit 1 if any
    python tools/notebooks.py new SCRIPT.py [--force]  make notebooks/SCRIPT.ipynb from a script whose cells start
                                                    with `# %% tag` lines, then run it (`make notebook-new`);
                                                    --force replaces an existing one (`FORCE=1`)

`make notebooks` runs `run` on every notebook; `make test` runs `check` (tests/test_notebooks.py) before nbval re-executes them and compares outputs.
"""

from __future__ import annotations

import json
import re
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
CELL_TIMEOUT = (
    120  # seconds, a hang limit (Ansible cells took 25 s on a busy machine); nbval gets the same in `make test`
)
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "jupyter", "ExecuteTime")


PTH = "infra-notes.pth"  # makes this checkout importable (snippets/, tools/, hooks/) in .venv: see the Makefile


def checkout_mismatch(purelib: Path | None = None) -> str | None:
    """Why this venv would import another checkout's snippets/ (a venv copied, a checkout moved), or None."""
    pth = Path(purelib or sysconfig.get_paths()["purelib"]) / PTH
    if not pth.is_file():
        return None
    named = pth.read_text(encoding="utf-8").strip()
    if Path(named).resolve() == ROOT:
        return None
    return (
        f"{pth} names {named}, not this checkout {ROOT}: notebooks would import {named}/snippets. "
        f"Any make target points it here (e.g. `make help`), or: echo {ROOT} > {pth}"
    )


def all_notebooks() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def clean(nb: dict) -> dict:
    """Drop what changes on every run (timings, UI state) and keep code, outputs and counts."""
    nb.get("metadata", {}).pop("widgets", None)
    nb.get("metadata", {}).get("language_info", {}).pop("version", None)  # differs per machine
    for cell in nb["cells"]:
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    return nb


def write(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def run(path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    from tools.kernels import AsyncIpcKernelManager

    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        kernel_manager_class=AsyncIpcKernelManager,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # the kernel's stderr goes to ours
    write(path, clean(json.loads(nbformat.writes(nb))))


CELL_MARK = re.compile(r"^# %% ([a-z0-9-]+(?: [a-z0-9-]+)*)\s*$")  # `# %% mode nbval-ignore-output`: two tags
ANY_MARK = re.compile(r"^#\s*%%")  # what Jupytext and editors take for a cell marker


def from_script(script: Path, force: bool = False) -> Path:
    """A new notebook from a Python script split into tagged cells by `# %% tag` lines (replacing one only if forced)."""
    import nbformat

    if not script.is_file():
        raise SystemExit(f"{script}: no such file (SCRIPT is a path to a Python script with `# %% tag` lines)")
    cells, tag, lines = [], None, []
    text = script.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(text + ["# %% end"], start=1):
        if ANY_MARK.match(line) and not CELL_MARK.match(line):
            raise SystemExit(
                f"{script}:{number}: {line.strip()!r} is not a cell marker: write `# %% tag`, tags in "
                "lowercase letters, digits and hyphens, separated by one space"
            )
        if match := CELL_MARK.match(line):
            if tag is None and any(code.strip() for code in lines):
                raise SystemExit(f"{script}: code before the first `# %% tag` line")
            if tag is not None:
                cells.append(nbformat.v4.new_code_cell("\n".join(lines).strip("\n"), metadata={"tags": tag.split()}))
            tag, lines = match[1], []
        else:
            lines.append(line)
    if not cells:
        raise SystemExit(f"{script}: no `# %% tag` lines, so no cells")
    nb = nbformat.v4.new_notebook(cells=cells)
    target = NOTEBOOK_DIR / f"{script.stem}.ipynb"
    if target.exists() and not force:
        raise SystemExit(
            f"notebooks/{target.name} exists: `make notebook-new SCRIPT={script} FORCE=1` replaces it "
            "(its stored outputs too), or edit it in Jupyter (`make lab`)"
        )
    write(target, json.loads(nbformat.writes(nb)))
    return target


def problems(path: Path) -> list[str]:
    """Everything wrong with a committed notebook, each message naming the file and cell."""
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return [f"{name}: unreadable ({e})"]
    found = []
    if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        found.append(f"{name}: kernelspec must be python3")
    tags_seen: dict[str, int] = {}
    expected_count = 1
    for i, cell in enumerate(nb.get("cells", [])):
        where = f"{name} cell {i}"
        meta = cell.get("metadata", {})
        for key in VOLATILE_CELL_METADATA:
            if key in meta:
                found.append(f"{where}: volatile metadata {key!r} committed (run `make notebooks` to clean)")
        if cell.get("cell_type") != "code":
            continue
        tags = meta.get("tags", [])
        if not tags:
            found.append(f"{where}: code cell without a tag naming its step")
        if "nbval-ignore-output" in tags and "mode" not in tags:
            found.append(f"{where}: only the `mode` cell (live or replayed?) may skip nbval's comparison")
        for tag in sorted(set(tags) & {"nbval-skip", "raises-exception", "nbval-raises-exception"}):
            found.append(f"{where}: tag {tag!r} would let the cell pass unchecked")
        for tag in tags:
            if tag in tags_seen:
                found.append(f"{where}: tag {tag!r} also on cell {tags_seen[tag]}")
            tags_seen[tag] = i
        count = cell.get("execution_count")
        if count is None:
            found.append(f"{where}: no execution count, so nbval would run it without comparing its output")
        elif count != expected_count:
            found.append(
                f"{where}: execution count {count}, expected {expected_count} (run top to bottom in a fresh kernel)"
            )
        expected_count += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"{where}: stored output is an error ({out.get('ename')})")
            if out.get("name") == "stderr":
                found.append(f"{where}: stored output has stderr (warnings vary between versions; fix the cause)")
    return found


def main(argv: list[str]) -> int:
    force = argv[0:1] == ["new"] and "--force" in argv
    argv = [a for a in argv if a != "--force"] if force else argv
    if not argv or argv[0] not in ("run", "check", "new") or (argv[0] == "new" and len(argv) != 2):
        print(__doc__)
        return 2
    if problem := checkout_mismatch():
        print(problem)
        return 2
    if argv[0] == "new":
        argv = ["run", str(from_script(Path(argv[1]), force))]
    paths = [Path(p).resolve() for p in argv[1:]] or all_notebooks()
    if not paths:
        print("no notebooks found in notebooks/")
        return 1
    if argv[0] == "run":
        for path in paths:
            print(f"running {path.name}")
            run(path)
    found = [p for path in paths for p in problems(path)]
    for p in found:
        print(p)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
