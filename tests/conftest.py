"""Fixtures shared by the topic tests."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# Property tests assert behaviour, never speed: no per-example deadline and no "data generation too
# slow" health check, both of which fail on a busy machine with nothing wrong. A test's own @settings
# inherit this profile; `make fuzz` sets a deadline of its own (tests/fuzzing.py) to catch a hang.
settings.register_profile("behaviour", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("behaviour")


def open_fds() -> dict[int, str]:
    """This process's open file descriptors and what each refers to."""
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone by now
            fds[int(fd)] = os.readlink(f"/proc/self/fd/{fd}")
    return fds


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """After the test: no thread it started is still running, no descriptor it opened is still open.

    Threads and descriptors are compared by identity, not counted: a thread of an earlier test that ends
    during this one (seen under xdist) is not this test's business, and must not hide one it leaks."""
    threads, fds = set(threading.enumerate()), open_fds()
    yield
    started = [t.name for t in threading.enumerate() if t not in threads]
    opened = {fd: target for fd, target in open_fds().items() if fds.get(fd) != target}
    assert not started, f"threads still running: {started}"
    assert not opened, f"descriptors still open: {opened}"
