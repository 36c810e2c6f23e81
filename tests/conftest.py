"""Fixtures shared by the topic tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """After the test: as many threads and open file descriptors as before it."""
    threads, fds = threading.active_count(), open_fds()
    yield
    assert threading.active_count() == threads
    assert open_fds() == fds
