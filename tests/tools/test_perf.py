"""tools/perf.py without measuring anything: its baselines have the shape they claim, and perf.md shows each
figure next to its baseline. (The figures themselves are never asserted: they depend on the machine's load.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from tools import perf


def test_build_baseline_is_default_material_with_as_many_pages_of_the_same_sizes(tmp_path: Path) -> None:
    root = perf.build_baseline(tmp_path / "new")
    for config, lang in (("mkdocs.yml", "ko"), ("mkdocs.en.yml", "en")):
        assert yaml.safe_load((root / config).read_text(encoding="utf-8")) == {
            "site_name": "baseline",
            "docs_dir": f"docs/{lang}",
            "theme": {"name": "material", "language": lang},
        }
    ours = {
        p.relative_to(perf.ROOT / "docs/ko").as_posix(): p.stat().st_size for p in (perf.ROOT / "docs/ko").rglob("*.md")
    }
    for lang in ("ko", "en"):
        theirs = {
            p.relative_to(root / "docs" / lang).as_posix(): p.stat().st_size
            for p in (root / "docs" / lang).rglob("*.md")
        }
        assert theirs.keys() == ours.keys()
        for page, size in ours.items():
            assert size <= theirs[page] < size + 1500, f"{page}: {theirs[page]} bytes for our {size}"


def test_nbval_baseline_has_as_many_notebooks_and_code_cells_each_valid_and_trivial(tmp_path: Path) -> None:
    perf.nbval_baseline(tmp_path / "new")
    tmp_path = tmp_path / "new"
    ours = sorted((perf.ROOT / "notebooks").glob("*.ipynb"))
    assert ours and [p.name for p in ours] == sorted(p.name for p in tmp_path.glob("*.ipynb"))
    for notebook in ours:
        code = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
        baseline = nbformat.read(tmp_path / notebook.name, as_version=4)
        nbformat.validate(baseline)
        assert len(baseline.cells) == len(code), notebook.name
        assert {(c.source, c.execution_count is not None, len(c.outputs)) for c in baseline.cells} == {
            ("x = 1", True, 0)
        }


def test_perf_md_puts_each_figure_next_to_its_baseline_and_ratio() -> None:
    machine = {"cpus": 2, "python": "3.11.7", "kernel": "6", "commit": "abc1234", "load_before": 2.5, "load_after": 3.0}
    build = {
        "what": "tools/build.py",
        "baseline": "default Material",
        "median": {"ours": 9.04, "baseline": 3.0},
        "ratio": 3.01,
        "seconds": {"ours": [9.04], "baseline": [3.0]},
        "machine": machine,
        "measured": "2026-12-07",
        "cpu_seconds": {"ours": [6.0], "baseline": [3.0]},
        "cpu_median": {"ours": 6.0, "baseline": 3.0},
        "cpu_ratio": 2.0,
    }
    lighthouse = {
        "what": "Lighthouse",
        "baseline": "default page",
        "machine": machine,
        "measured": "2026-12-07",
        "scores": {"performance": {"min": 0.7, "median": 0.99, "max": 1, "baseline": [1, 0.98]}},
        "below_target": ["/: x"],
    }
    text = perf.render({"build": build, "lighthouse": lighthouse})
    assert "| tools/build.py: wall clock | 9.0 s | 3.0 s | 3.01× | 2026-12-07 |" in text
    assert "| tools/build.py: CPU (user + system) | 6.0 s | 3.0 s | 2.00× | 2026-12-07 |" in text
    assert "| Lighthouse performance, every page: median (min–max) | 99 (70–100) | 100, 98 | — | 2026-12-07 |" in text
    assert "load average 2.5 before and 3.0 after" in text and "- /: x" in text


def test_interleaved_runs_alternate_and_count_the_cpu_of_the_processes_run() -> None:
    order = []
    burn = [sys.executable, "-c", "sum(range(3_000_000))"]
    figure = perf.interleaved(
        lambda: order.append("ours") or subprocess.run(burn, check=True),
        lambda: order.append("baseline") or subprocess.run(burn, check=True),
        2,
        "test",
    )
    assert order == ["ours", "baseline", "ours", "baseline"]
    assert all(c > 0 for who in ("ours", "baseline") for c in figure["cpu_seconds"][who]), (
        "a child's CPU time was not counted"
    )
