"""Fixtures for the container demo tests: a leak check after every test, and `live` for tests that
need Linux and CAP_SYS_ADMIN (they skip elsewhere, and fail in CI, where nothing may be skipped)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from .leaks import leftovers


@pytest.fixture(autouse=True)
def no_container_leaks(no_leaks: None) -> Iterator[None]:
    """No mount, cgroup, temp dir or child process of ours survives a test (plus threads and fds)."""
    before = leftovers()
    yield
    assert leftovers() == before


def require_live(why_not_live: Callable[[], str | None]) -> None:
    if (reason := why_not_live()) is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"this test must run live in CI: {reason}", pytrace=False)
    pytest.skip(f"needs Linux and root: {reason}")
