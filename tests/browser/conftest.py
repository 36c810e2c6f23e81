"""Headless Chromium for the browser tests: Debian's `chromium` package, driven by Playwright.

In CI (CI=true) a missing browser fails the run with what to install; elsewhere the tests skip with one
line saying how to enable them. `playwright install` is never used: it cannot download browsers here.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tools.chromium import CHROMIUM, FLAGS
from tools.serve import serving

# Generous limits that only catch a hang: Playwright's default of 30 s per action and pytest's 30 s per test
# were reached on a machine busy with other work, with nothing wrong in the site.
HANG_MS = 120_000

serve = serving  # the browser tests serve the built site exactly as `make serve` does


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module, not per session: while Playwright's sync API is running, the worker's main
    thread has a running event loop, and every later test on that worker that calls asyncio.run() fails."""
    missing = None
    if not shutil.which(CHROMIUM):
        missing = f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM=/path/to/chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = missing or "Playwright is not installed (make test installs it from requirements.txt)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {missing}", pytrace=False)
        pytest.skip(f"browser tests skipped: {missing}")
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
