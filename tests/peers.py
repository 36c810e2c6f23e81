"""Real peers (dig, unbound, curl, openssl, socat, ncat, h11) for the interop tests, tests/*/test_*_peers.py.

A peer that is missing skips its test with one line saying what to install on a contributor's machine;
in CI (CI=true) it fails instead, because .ci/run installs every peer and a skip there would hide a gap.
"""

from __future__ import annotations

import os
import shutil

import pytest


def missing_peer(suite: str, what: str, install: str) -> None:
    """Skip (or, in CI, fail) with one line saying what to install."""
    message = f"{what} is not installed: {install}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{suite} peer tests cannot run in CI: {message}", pytrace=False)
    pytest.skip(f"{suite} peer tests skipped: {message}")


def need(suite: str, binary: str, install: str) -> str:
    """The binary's path, or missing_peer()."""
    if path := shutil.which(binary):
        return path
    missing_peer(suite, binary, install)
    raise AssertionError("unreachable: missing_peer skips or fails")
