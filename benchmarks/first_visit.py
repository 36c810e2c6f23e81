"""Bytes a first visit to each page loads, uncompressed, in Chromium (what the 400 KiB budget counts).

    .venv/bin/python benchmarks/first_visit.py     # builds the site, prints one line per page, largest first

The same measurement is asserted for every page by tests/browser/test_browser.py; this prints the numbers.
The search index is left out (Material's search worker fetches it after the page is usable).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.build import build  # noqa: E402
from tools.checks.budgets import FIRST_VISIT_BUDGET  # noqa: E402
from tools.chromium import CHROMIUM  # noqa: E402
from tools.chromium import FLAGS as CHROMIUM_FLAGS  # noqa: E402
from tools.lighthouse import every_page  # noqa: E402
from tools.serve import serving  # noqa: E402


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build(site)
        rows = []
        with serving(site) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            for path in every_page():
                context = browser.new_context()
                page = context.new_page()
                responses = []
                page.on("response", responses.append)
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                sizes = [len(r.body()) for r in responses if not r.url.endswith("/search/search_index.json")]
                rows.append((sum(sizes), len(sizes), path))
                context.close()
            browser.close()
    for total, count, path in sorted(rows, reverse=True):
        print(f"{total:>9,} bytes in {count:>2} responses  {path}")
    print(f"budget {FIRST_VISIT_BUDGET:,} bytes; largest {max(rows)[0]:,} ({max(rows)[2]})")


if __name__ == "__main__":
    main()
