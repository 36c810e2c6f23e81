"""Headless Chromium for the browser tests: Debian's `chromium` package, driven by Playwright.

In CI (CI=true) a missing browser fails the run with what to install; elsewhere the tests skip with one
line saying how to enable them. `playwright install` is never used: it cannot download browsers here.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tools.checks.pages import LANGUAGES, structure
from tools.chromium import CHROMIUM, FLAGS
from tools.serve import serving

# Generous limits that only catch a hang: Playwright's default of 30 s per action and pytest's 30 s per test
# were reached on a machine busy with other work, with nothing wrong in the site.
HANG_MS = 120_000
ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.relative_to(ROOT / "docs/ko").with_suffix("").as_posix() for p in (ROOT / "docs/ko").rglob("*.md"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def url_path(page: str, lang: str) -> str:
    return "/" + LANGUAGES[lang] + ("" if page == "index" else page.removesuffix("/index") + "/")


def sections(name: str) -> list[str]:
    """The ids of a page's second-level headings (the same in both languages; tests/site checks it)."""
    text = (ROOT / "docs/ko" / f"{name}.md").read_text(encoding="utf-8")
    return [id_ for level, id_, _ in structure(text)["headings"] if level == 2]


SETTLED_SECTION = "id => { const b = document.getElementById(id).getBoundingClientRect(); return b.bottom > 0 && b.top < innerHeight; }"

serve = serving  # the browser tests serve the built site exactly as `make serve` does


def require_browser() -> None:
    """Skip (fail in CI, with what to install) unless Chromium and Playwright are here."""
    missing = None
    if not shutil.which(CHROMIUM):
        missing = f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM=/path/to/chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = missing or "Playwright is not installed (make test installs it from requirements.txt)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {missing}", pytrace=False)
        pytest.skip(f"browser tests skipped: {missing}")


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module, not per session: while Playwright's sync API is running, the worker's main
    thread has a running event loop, and every later test on that worker that calls asyncio.run() fails."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that records every URL it requests in `page.requests`."""
    context = browser.new_context()
    context.set_default_timeout(HANG_MS)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()
