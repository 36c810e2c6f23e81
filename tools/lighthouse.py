"""Lighthouse scores of the built site, mobile preset.

    python tools/lighthouse.py            # every page of both languages: write benchmarks/results/lighthouse.{md,json}
    python tools/lighthouse.py --check    # home and the TCP/IP page in each language: fail below the targets
                                          # (the last step of `make test`)
    python tools/lighthouse.py /iac/ /en/  # these pages, RUNS times each (LIGHTHOUSE_RUNS, default 3): print only

Lighthouse 12.2.3 (npm, pinned in package-lock.json; 13.x needs Node 22) drives Debian's Chromium
(CHROME_PATH) against the site served as tools/serve.py serves it (gzip, like GitHub Pages) on 127.0.0.1.
The checked pages are measured RUNS times and the run with the median performance score is kept (other
pages once): performance depends on how busy the machine is, so `make test` runs this after the tests,
not beside them. Targets (issue 7): performance >= 0.98, accessibility, best practices and SEO = 1; `make test`
fails below them. What got the long pages there: Material's scripts deferred (overrides/main.html) and notebook
output as <samp>, which Material's script does not mount (hooks/notebook_cells.py); benchmarks/README.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.build import build  # noqa: E402
from tools.chromium import CHROMIUM, FLAGS  # noqa: E402
from tools.serve import serving  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules/.bin/lighthouse"
CHECKED = ["/", "/tcp-ip/", "/en/", "/en/tcp-ip/"]


def every_page() -> list[str]:
    pages = sorted(p.relative_to(ROOT / "docs/ko").with_suffix("").as_posix() for p in (ROOT / "docs/ko").rglob("*.md"))
    paths = ["/" if p == "index" else f"/{p}/" for p in pages]
    return paths + ["/en" + p for p in paths]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 0.98, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}  # issue 7
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
RESULTS = ROOT / "benchmarks/results"


def missing() -> str | None:
    if not LIGHTHOUSE.exists():
        return "node_modules/.bin/lighthouse is missing (npm ci installs it; apt-get install npm)"
    if not shutil.which(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def run_once(url: str, out: Path) -> dict:
    cmd = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}", f"--chrome-flags={' '.join(FLAGS)}",
           "--form-factor=mobile", "--only-categories=" + ",".join(CATEGORIES)]
    proc = subprocess.run(cmd, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True, timeout=180)
    if proc.returncode or not out.is_file():
        raise RuntimeError(f"lighthouse {url} failed ({proc.returncode}): {proc.stderr[-1500:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse {url}: {report['runtimeError']}")
    scores = {c: report["categories"][c]["score"] for c in CATEGORIES}
    failing = sorted(f"{k} ({a['score']})" for k, a in report["audits"].items()
                     if a.get("score") is not None and a["score"] < 0.9 and a.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings"))
    return {"scores": scores, "failing": failing, "lighthouse": report["lighthouseVersion"]}


def measure(pages: list[str], runs: int = RUNS, repeated: tuple[str, ...] = tuple(CHECKED)) -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        site = Path(tmp) / "site"
        build(site)
        with serving(site) as base:
            results = {}
            for page in pages:
                tries = sorted((run_once(base + page, Path(tmp) / f"run-{i}.json") for i in range(runs if page in repeated else 1)),
                               key=lambda r: r["scores"]["performance"])
                results[page] = tries[len(tries) // 2] | {"performance_runs": [t["scores"]["performance"] for t in tries]}
                print(f"{page}: {results[page]['scores']} (performance runs {results[page]['performance_runs']})", flush=True)
            return results


def below(results: dict[str, dict], limits: dict[str, float]) -> list[str]:
    return [f"{page}: {cat} {r['scores'][cat]} < {limits[cat]} (failing audits: {', '.join(r['failing']) or 'none'})"
            for page, r in results.items() for cat in CATEGORIES if r["scores"][cat] is None or r["scores"][cat] < limits[cat]]


def table(results: dict[str, dict]) -> str:
    version = next(iter(results.values()))["lighthouse"]
    lines = [f"Lighthouse {version}, mobile preset; pages checked by `make test` (*) median of {RUNS} runs by performance, "
             "others one run; `make lighthouse` (site served by tools/serve.py, gzip on, 127.0.0.1).", "",
             "| page | performance | accessibility | best practices | SEO | performance, all runs |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for page, r in results.items():
        s = r["scores"]
        lines.append(f"| `{page}`{' (*)' if page in CHECKED else ''} | {s['performance'] * 100:.0f} | {s['accessibility'] * 100:.0f} | "
                     f"{s['best-practices'] * 100:.0f} | {s['seo'] * 100:.0f} | {', '.join(f'{p * 100:.0f}' for p in r['performance_runs'])} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    chosen = [a for a in argv if a.startswith("/")]
    if unknown := sorted(set(chosen) - set(every_page())):
        raise SystemExit(f"lighthouse: not a page of the site: {', '.join(unknown)}")
    if problem := missing():
        if os.environ.get("CI") == "true" or not check:
            raise SystemExit(f"lighthouse: {problem}")
        print(f"lighthouse: skipped ({problem}); CI runs it")
        return 0
    if chosen:
        measure(chosen, repeated=tuple(chosen))
        return 0
    results = measure(CHECKED if check else every_page())
    if not check:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "lighthouse.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        (RESULTS / "lighthouse.md").write_text(table(results), encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}/lighthouse.md")
    for p in below({p: r for p, r in results.items() if p not in CHECKED}, TARGETS):
        print(f"lighthouse: below the target (not a page `make test` checks): {p}")
    problems = below({p: r for p, r in results.items() if p in CHECKED}, TARGETS)
    for p in problems:
        print(f"lighthouse: FAIL {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
