"""Fixtures shared by the topic tests."""

from __future__ import annotations

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


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """After the test: as many threads and open file descriptors as before it."""
    threads, fds = threading.active_count(), open_fds()
    yield
    assert threading.active_count() == threads
    assert open_fds() == fds
