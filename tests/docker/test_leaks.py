"""The leak check itself (tests/docker/leaks.py) finds each kind of leftover: proof that it can fail.

After every test in this directory, conftest's no_container_leaks compares leftovers() before and after;
test_transcripts.py runs each docker_* notebook's cells in this process, so that covers them too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from snippets.docker import cgroups, overlay
from snippets.docker.cgroups import Cgroup, MiB

from .conftest import require_live
from .leaks import leftovers

pytestmark = pytest.mark.timeout(20)


def test_finds_a_temp_dir_and_a_child_process() -> None:
    with tempfile.TemporaryDirectory(prefix=f"{cgroups.PREFIX}{os.getpid()}-test-") as tmp:
        with subprocess.Popen([sys.executable, "-c", "input()"], stdin=subprocess.PIPE) as child:
            found = leftovers()
            child.stdin.close()
    assert f"temp dir {tmp}" in found
    assert any(line.startswith(f"process {child.pid} ") for line in found)
    assert not any(str(child.pid) in line or tmp in line for line in leftovers())


def test_finds_a_cgroup_left_behind() -> None:
    require_live(cgroups.why_not_live)
    with Cgroup(32 * MiB, 8) as cgroup:
        found = leftovers()
    assert {f"cgroup {d}" for d in cgroup.dirs.values()} <= set(found)


def test_finds_a_mount_left_behind() -> None:
    require_live(overlay.why_not_live)
    with overlay.overlay() as base:
        found = leftovers()
    assert f"mount {base}/merged" in found
