"""Run the whole nbval suite N times and report failures per notebook and cell (`make soak N=20`).

    python tools/soak.py N [pytest options and paths...]     (paths default to notebooks/ when none are given)

Each round is a fresh `pytest --nbval notebooks` (two workers, as in `make test`) writing JUnit XML;
the report lists every cell that failed at least once, with how often, and ends with one line:
"soak: N rounds, F failed cells" — the goal is 0. Exit status 1 if anything failed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [
    sys.executable,
    "-m",
    "pytest",
    "-p",
    "no:cacheprovider",
    "-q",
    "-n",
    "2",
    "--dist",
    "loadfile",
    "--nbval",
    "--nbval-cell-timeout=120",
    "--nbval-kernel-name=python3",
]


def failures(junit: Path) -> list[str]:
    """nodeids (notebooks/x.ipynb::cell[tag], tools/pytest_guards.py) of cells that failed or errored in one round."""
    found = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            # classname "notebooks.x.ipynb" is the path with dots
            notebook = case.get("classname", "").removesuffix(".ipynb").replace(".", "/") + ".ipynb"
            found.append(f"{notebook}::{case.get('name')}")
    return found


def main(argv: list[str]) -> int:
    if not argv or not argv[0].isdigit() or int(argv[0]) < 1:
        raise SystemExit(__doc__)
    rounds, extra = int(argv[0]), argv[1:] or ["notebooks"]
    failed: Counter[str] = Counter()
    cells = 0
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        for i in range(1, rounds + 1):
            junit = Path(tmp) / f"round-{i}.xml"
            started = time.monotonic()
            proc = subprocess.run([*PYTEST, f"--junitxml={junit}", *extra], cwd=ROOT, capture_output=True, text=True)
            if not junit.is_file():
                print(proc.stdout[-2000:], proc.stderr[-2000:])
                raise SystemExit(f"soak: round {i} produced no report (pytest exit {proc.returncode})")
            cells = sum(1 for _ in ET.parse(junit).getroot().iter("testcase"))
            this = failures(junit)
            failed.update(this)
            print(
                f"round {i}/{rounds}: {cells} cells, {len(this)} failed, {time.monotonic() - started:.1f} s", flush=True
            )
    for nodeid, count in sorted(failed.items()):
        print(f"  {count}/{rounds}  {nodeid}")
    print(
        f"soak: {rounds} rounds of {cells} cells, {len(failed)} cells failed at least once, {sum(failed.values())} failures"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
