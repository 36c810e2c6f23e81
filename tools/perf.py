"""`make perf`: the figures that depend on how fast and how busy the machine is, each next to a baseline
measured in the same run, so that the ratio means something on any machine.

    python tools/perf.py                      # build, nbval and lighthouse (about 15 minutes on 2 cores)
    python tools/perf.py build nbval          # only these parts; the others keep their last figures
    python tools/perf.py suite                # also: the pytest run of `make test`, once (no baseline)
    python tools/perf.py --render             # rewrite perf.md from perf.json

Writes benchmarks/results/perf.{json,md} (and lighthouse.{json,md} for the lighthouse part):

- build: `tools/build.py` of both languages, median of RUNS; baseline: the same command on a default Material
  project (theme `material`, no other settings, `search` only) with as many pages per language, each holding as
  many bytes of plain Markdown as our page of the same rank.
- nbval: `pytest -n 2 --dist loadfile --nbval` over notebooks/ as `make test` runs it, median of RUNS; baseline:
  as many notebooks with as many cells, each cell `x = 1`, through the same command.
- lighthouse: every page of both languages, all four categories, median of RUNS per category; baseline: a
  default Material project of one short page, built by tools/build.py, served by tools/serve.py and measured
  by the same Lighthouse command.

Runs are interleaved (ours, baseline, ours, ...) so that a neighbour's load falls on both. None of these
figures is asserted anywhere: `make test` checks behaviour and byte budgets only.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import lighthouse  # noqa: E402
from tools.build import build  # noqa: E402
from tools.serve import serving  # noqa: E402
from tools.soak import PYTEST  # noqa: E402

RESULTS = ROOT / "benchmarks/results"
RUNS = int(os.environ.get("PERF_RUNS", "3"))
PARTS = ("build", "nbval", "lighthouse")
NBVAL = [
    *PYTEST[1:],
    "-o",
    "timeout=600",
]  # make test's nbval command (tools/soak.py); a measurement, so a lenient hang limit
FILLER = "A short sentence of plain text stands in for the page's prose, with a [link](#top) and `code`. "


# --- baselines ------------------------------------------------------------------------------------------------


def default_material(root: Path, pages: dict[str, str], name: str = "baseline") -> Path:
    """A default Material project in `root`, in the shape tools/build.py builds: mkdocs.yml (Korean, docs/ko)
    and mkdocs.en.yml (English, docs/en, into en/), the same pages in both."""
    root.mkdir(parents=True, exist_ok=True)
    for lang, config in (("ko", "mkdocs.yml"), ("en", "mkdocs.en.yml")):
        (root / config).write_text(
            f"site_name: {name}\ndocs_dir: docs/{lang}\ntheme:\n  name: material\n  language: {lang}\n",
            encoding="utf-8",
        )
        for page, text in pages.items():
            path = root / "docs" / lang / page
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return root


def plain_page(title: str, size: int) -> str:
    """About `size` bytes of plain Markdown: a title, then sections of paragraphs and a code block."""
    parts, section = [f"# {title}\n\n"], 0
    while sum(map(len, parts)) < size:
        section += 1
        parts.append(f"## Section {section}\n\n{FILLER * 6}\n\n{FILLER * 4}\n\n```python\nprint({section})\n```\n\n")
    return "".join(parts)


def build_baseline(root: Path) -> Path:
    """As many pages as docs/ko, each as long as ours of the same rank (Korean pages are our longest)."""
    ours = sorted((ROOT / "docs/ko").rglob("*.md"))
    pages = {p.relative_to(ROOT / "docs/ko").as_posix(): plain_page(p.stem, p.stat().st_size) for p in ours}
    return default_material(root, pages)


def lighthouse_baseline(root: Path) -> Path:
    return default_material(
        root, {"index.md": "# Home\n\nOne short paragraph of plain text on a default Material page.\n"}
    )


def nbval_baseline(root: Path) -> Path:
    """One trivial notebook per notebook of ours, with as many code cells, each `x = 1` with no output."""
    root.mkdir(parents=True, exist_ok=True)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        ours = json.loads(notebook.read_text(encoding="utf-8"))
        cells = sum(c["cell_type"] == "code" for c in ours["cells"])
        nb = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": ours["metadata"],
            "cells": [
                {
                    "cell_type": "code",
                    "id": f"c{i}",
                    "metadata": {},
                    "execution_count": i + 1,
                    "outputs": [],
                    "source": ["x = 1"],
                }
                for i in range(cells)
            ],
        }
        (root / notebook.name).write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return root


# --- measuring ------------------------------------------------------------------------------------------------


def timed(fn) -> tuple[float, float]:
    """Wall-clock seconds of fn(), and the CPU seconds (user + system) of the processes it ran and waited for.
    The CPU time moves far less with a neighbour's load than the wall-clock time does."""
    started, before = time.perf_counter(), os.times()
    fn()
    after = os.times()
    return time.perf_counter() - started, (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )


def interleaved(ours, baseline, runs: int, label: str) -> dict:
    """Wall-clock and CPU seconds of `ours` and `baseline`, alternating, `runs` times each; medians and ratios."""
    seconds: dict[str, list[float]] = {"ours": [], "baseline": []}
    cpu: dict[str, list[float]] = {"ours": [], "baseline": []}
    for i in range(runs):
        for who, fn in (("ours", ours), ("baseline", baseline)):
            wall, used = timed(fn)
            seconds[who].append(round(wall, 2))
            cpu[who].append(round(used, 2))
            print(
                f"{label} run {i + 1}/{runs}, {who}: {wall:.1f} s, CPU {used:.1f} s (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    medians = {who: statistics.median(s) for who, s in seconds.items()}
    cpu_medians = {who: statistics.median(s) for who, s in cpu.items()}
    return {
        "seconds": seconds,
        "median": medians,
        "ratio": round(medians["ours"] / medians["baseline"], 2),
        "cpu_seconds": cpu,
        "cpu_median": cpu_medians,
        "cpu_ratio": round(cpu_medians["ours"] / cpu_medians["baseline"], 2),
    }


def run_checked(cmd: list[str], cwd: Path, what: str, env: dict | None = None) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if result.returncode:
        raise SystemExit(
            f"perf: {what} failed ({result.returncode}), so its time means nothing:\n"
            f"{result.stdout[-3000:]}{result.stderr[-2000:]}"
        )


def measure_build(tmp: Path) -> dict:
    baseline = build_baseline(tmp / "build-baseline")
    figure = interleaved(
        lambda: build(tmp / "site"), lambda: build(tmp / "build-baseline/site", root=baseline), RUNS, "build"
    )
    return figure | {
        "what": "tools/build.py, both languages (strict)",
        "pages_per_language": len(list(baseline.glob("docs/ko/*.md"))),
        "baseline": "default Material, as many pages as ours, each of the same size in plain Markdown",
    }


def measure_nbval(tmp: Path) -> dict:
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    baseline = nbval_baseline(tmp / "nbval-baseline")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JUPYTER_PREFER_ENV_PATH": "1"}
    ours = [sys.executable, *NBVAL, "notebooks"]
    theirs = [sys.executable, *NBVAL, "-p", "tools.pytest_guards", str(baseline)]
    figure = interleaved(
        lambda: run_checked(ours, ROOT, "nbval of notebooks/", env),
        lambda: run_checked(theirs, baseline, "nbval of the baseline notebooks", env),
        RUNS,
        "nbval",
    )
    cells = sum(
        c["cell_type"] == "code" for nb in notebooks for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]
    )
    return figure | {
        "what": f"pytest {' '.join(NBVAL[2:-2])} notebooks",
        "notebooks": len(notebooks),
        "cells": cells,
        "baseline": "as many notebooks and code cells, each cell `x = 1`: kernel start and nbval's own cost",
    }


def measure_lighthouse(tmp: Path) -> dict:
    """Every page and the baseline page, interleaved page by page; also writes lighthouse.{json,md}."""
    if problem := lighthouse.missing():
        raise SystemExit(f"perf: {problem}")
    site, other = tmp / "site", lighthouse_baseline(tmp / "lighthouse-baseline")
    build(site)
    build(other / "site", root=other)
    pages, results, baseline, failed = lighthouse.every_page(), {}, {}, []
    with serving(site) as base, serving(other / "site") as base_other:
        for page in pages:
            # the baseline page in the language of the page just measured, after it
            for into, where, label in [(results, base, "")] + [(baseline, base_other, "baseline ")] * (
                page in ("/", "/en/")
            ):
                try:
                    into |= lighthouse.measure_served(where, [page], RUNS, lighthouse.CATEGORIES, tmp, label, tries=3)
                except RuntimeError as e:  # named in perf.md; the other pages are still measured
                    failed.append(f"{label}{page}: {e}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "lighthouse.json").write_text(
        json.dumps({"pages": results, "baseline": baseline}, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    (RESULTS / "lighthouse.md").write_text(lighthouse.table(results, baseline), encoding="utf-8")
    below = lighthouse.below(results, lighthouse.TARGETS) + [f"not measured: {f}" for f in failed]
    for line in below:
        print(f"lighthouse: below the issue's target: {line}")
    summary = {}
    for category in lighthouse.CATEGORIES:
        ours = [r["scores"][category] for r in results.values()]
        summary[category] = {
            "min": min(ours),
            "median": statistics.median(ours),
            "max": max(ours),
            "baseline": [r["scores"][category] for r in baseline.values()],
        }
    return {
        "what": f"Lighthouse {next(iter(results.values()))['lighthouse']}, mobile, {len(pages)} pages, median of {RUNS} runs each",
        "baseline": "a default Material page (one short paragraph), / and /en/, same server and command",
        "scores": summary,
        "below_target": below,
    }


def measure_suite(tmp: Path) -> dict:
    """The pytest run of `make test`, once: a figure for planning, with no baseline to divide by."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-n",
        "2",
        "--dist",
        "loadfile",
        "-p",
        "no:cacheprovider",
        "--nbval",
        "--nbval-cell-timeout=120",
        "--nbval-kernel-name=python3",
        "-q",
        "tests",
        "notebooks",
    ]
    seconds, cpu = timed(lambda: run_checked(cmd, ROOT, "the pytest run of make test"))
    return {
        "what": "pytest of make test (tests and notebooks, -n 2), once",
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
    }


MEASURE = {"build": measure_build, "nbval": measure_nbval, "lighthouse": measure_lighthouse, "suite": measure_suite}


# --- results --------------------------------------------------------------------------------------------------


def machine() -> dict:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "commit": commit,
        "load_before": round(os.getloadavg()[0], 2),
    }


def about(m: dict) -> str:
    return (
        f"{m['cpus']} CPUs, 1-minute load average {m['load_before']} before and {m.get('load_after', '?')} after, "
        f"Python {m['python']}, Linux {m['kernel']}, commit {m['commit']}"
    )


def render(data: dict) -> str:
    """perf.md from perf.json: one table of every figure with its baseline and ratio, then how each was taken."""
    lines = [
        "# `make perf`",
        "",
        "Each figure next to a baseline measured in the same run on the same machine; the ratio is what "
        "carries over to another machine. Written by `tools/perf.py` (`make perf`); nothing here is asserted by `make test`.",
        "",
        "| figure | infra-notes | baseline | ratio | measured |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for part in ("build", "nbval"):
        if f := data.get(part):
            lines.append(
                f"| {f['what']}: wall clock | {f['median']['ours']:.1f} s | {f['median']['baseline']:.1f} s | {f['ratio']:.2f}× | "
                f"{f['measured']} |"
            )
            if "cpu_median" in f:
                lines.append(
                    f"| {f['what']}: CPU (user + system) | {f['cpu_median']['ours']:.1f} s | {f['cpu_median']['baseline']:.1f} s | "
                    f"{f['cpu_ratio']:.2f}× | {f['measured']} |"
                )
    if f := data.get("lighthouse"):
        for category, s in f["scores"].items():
            base = ", ".join(f"{b * 100:.0f}" for b in s["baseline"])
            lines.append(
                f"| Lighthouse {category}, every page: median (min–max) | {s['median'] * 100:.0f} ({s['min'] * 100:.0f}–"
                f"{s['max'] * 100:.0f}) | {base} | — | {f['measured']} |"
            )
    if f := data.get("suite"):
        lines.append(f"| {f['what']}: wall clock | {f['seconds']:.0f} s | — | — | {f['measured']} |")
        if "cpu_seconds" in f:
            lines.append(f"| {f['what']}: CPU (user + system) | {f['cpu_seconds']:.0f} s | — | — | {f['measured']} |")
    lines += ["", "How each was taken:", ""]
    for part, f in data.items():
        if isinstance(f, dict) and "what" in f:
            runs = ""
            if isinstance(f.get("seconds"), dict):
                runs = f" — every run, wall clock (s): ours {f['seconds']['ours']}, baseline {f['seconds']['baseline']}"
            if isinstance(f.get("cpu_seconds"), dict):
                runs += f"; CPU (s): ours {f['cpu_seconds']['ours']}, baseline {f['cpu_seconds']['baseline']}"
            lines.append(
                f"- **{part}**: {f['what']}; baseline: {f.get('baseline', 'none')}{runs}. {about(f['machine'])}."
            )
    if (f := data.get("lighthouse")) and f["below_target"]:
        lines += ["", "Below the issue's Lighthouse targets in this run:", ""] + [f"- {b}" for b in f["below_target"]]
    lines += ["", "Lighthouse, every page: [lighthouse.md](lighthouse.md)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    path = RESULTS / "perf.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if "--render" not in argv:
        parts = [a for a in argv if not a.startswith("-")] or list(PARTS)
        if unknown := sorted(set(parts) - set(MEASURE)):
            raise SystemExit(f"perf: unknown part(s) {', '.join(unknown)}; known: {', '.join(MEASURE)}")
        for part in parts:
            with tempfile.TemporaryDirectory(prefix=f"perf-{part}-") as tmp:
                about = machine()
                data[part] = MEASURE[part](Path(tmp)) | {
                    "machine": about,
                    "measured": datetime.date.today().isoformat(),
                }
                data[part]["machine"]["load_after"] = round(os.getloadavg()[0], 2)
            RESULTS.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / "perf.md").write_text(render(data), encoding="utf-8")
    print(render(data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
