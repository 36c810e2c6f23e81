"""Headless Chromium for the browser tests: Debian's `chromium` package, driven by Playwright.

In CI (CI=true) a missing browser fails the run with what to install; elsewhere the tests skip with one
line saying how to enable them. `playwright install` is never used: it cannot download browsers here.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tools.serve import Handler

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


class QuietHandler(Handler):
    def log_message(self, format, *args):  # keep the test output readable
        pass


@contextlib.contextmanager
def serve(site: Path):
    """Serve a built site on 127.0.0.1 (a free port) as `make serve` does; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def browser():
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
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()
