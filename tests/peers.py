"""Real peers (dig, unbound, curl, openssl, socat, ncat, h11) for the interop tests, tests/*/test_*_peers.py.

A peer that is missing skips its test with one line saying what to install on a contributor's machine;
in CI (CI=true) it fails instead, because .ci/run installs every peer and a skip there would hide a gap.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

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


@contextlib.contextmanager
def openssl_s_server(directory: Path, *args: str) -> Iterator[tuple[str, int]]:
    """`openssl s_server -accept 127.0.0.1:0 ARGS` run in directory; yields the address it listens on (it prints
    `ACCEPT host:port` when ready; its output up to then is the error if it dies first)."""
    openssl = need("TLS", "openssl", "apt-get install openssl")
    process = subprocess.Popen(
        [openssl, "s_server", "-accept", "127.0.0.1:0", *args],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        lines = []
        while not (line := process.stdout.readline()).startswith(b"ACCEPT"):  # ends at EOF if it dies
            lines.append(line)
            assert line, f"s_server did not start: {b''.join(lines).decode()}"
        yield "127.0.0.1", int(line.rsplit(b":", 1)[1])
    finally:
        process.kill()
        process.wait(timeout=10)
