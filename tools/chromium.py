"""The one browser everything here drives: Debian's `chromium` (Playwright cannot download browsers on these
machines), headless, with nothing running in the background that could reach the network."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
