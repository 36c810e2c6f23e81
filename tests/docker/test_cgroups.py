"""Tests for snippets.docker.cgroups, cgroup_workloads and cgroup_demo.

The live tests need Linux and CAP_SYS_ADMIN with cgroup v1 or v2 (see conftest). cgroup v2 cannot be
tested live on a v1 machine (a controller belongs to one hierarchy at a time), so the v2 names and
parsing are tested on a fake tree.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from snippets.docker import cgroup_demo, cgroups
from snippets.docker.cgroups import FILES, Cgroup, MiB, start_inside

from .conftest import require_live

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def live() -> None:
    require_live(cgroups.why_not_live)


def fake_v1(root: Path) -> Path:
    for controller in ("memory", "pids"):
        (root / controller).mkdir(parents=True)
    (root / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    return root


def fake_v2(root: Path, subtree: str = "cpu memory pids") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cgroup.controllers").write_text("cpu io memory pids\n")
    (root / "cgroup.subtree_control").write_text(subtree + "\n")
    return root


def test_version_is_detected_from_the_tree(tmp_path: Path) -> None:
    assert cgroups.version(fake_v1(tmp_path / "v1")) == 1
    assert cgroups.version(fake_v2(tmp_path / "v2")) == 2
    with pytest.raises(RuntimeError, match="no cgroup v2 and no v1 memory and pids"):
        cgroups.version(tmp_path)


def test_v2_names_the_files_of_one_directory(tmp_path: Path) -> None:
    cgroup = Cgroup(32 * MiB, 8, root=fake_v2(tmp_path))
    assert cgroup.dirs["memory"] == cgroup.dirs["pids"]
    assert [cgroup.file(c).name for c in FILES] == [v2 for _v1, v2 in FILES.values()]
    assert cgroup.join_files == [cgroup.dirs["memory"] / "cgroup.procs"]


def test_v1_names_one_directory_per_controller(tmp_path: Path) -> None:
    cgroup = Cgroup(32 * MiB, 8, root=fake_v1(tmp_path))
    assert cgroup.dirs["memory"].parent.name == "memory" and cgroup.dirs["pids"].parent.name == "pids"
    assert [cgroup.file(c).name for c in FILES] == [v1 for v1, _v2 in FILES.values()]
    assert len(cgroup.join_files) == 2


def test_counters_and_limits_are_read_the_same_from_v1_and_v2_files(tmp_path: Path) -> None:
    v1, v2 = Cgroup(MiB, 8, root=fake_v1(tmp_path / "a")), Cgroup(MiB, 8, root=fake_v2(tmp_path / "b"))
    for directory in {*v1.dirs.values(), *v2.dirs.values()}:
        directory.mkdir()
    v1.file("oom kills").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
    v2.file("oom kills").write_text("low 0\nhigh 0\nmax 12\noom 3\noom_kill 3\noom_group_kill 0\n")
    for cgroup in (v1, v2):
        cgroup.file("fork refusals").write_text("max 5\n")
        cgroup.file("pids limit").write_text("max\n")
        cgroup.file("memory limit").write_text("1048576\n")
        assert [cgroup.read(c) for c in ("oom kills", "fork refusals", "pids limit", "memory limit")] == [3, 5, -1, MiB]


def test_why_not_live_names_what_is_missing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(cgroups, "why_not_linux_admin", lambda: None)
    assert "no cgroup v2" in cgroups.why_not_live(tmp_path / "empty")
    assert "without memory and pids" in cgroups.why_not_live(fake_v2(tmp_path / "v2", subtree="cpu"))
    monkeypatch.setattr(cgroups, "why_not_linux_admin", lambda: "not Linux (Darwin)")
    assert cgroups.why_not_live(fake_v2(tmp_path / "v2b")) == "not Linux (Darwin)"


def test_limits_are_written_and_the_cgroup_removed(live) -> None:
    with Cgroup(32 * MiB, 8) as cgroup:
        assert all(d.is_dir() for d in cgroup.dirs.values())
        assert (cgroup.read("memory limit"), cgroup.read("pids limit"), cgroup.processes()) == (32 * MiB, 8, [])
    assert not any(d.exists() for d in cgroup.dirs.values())


def test_a_failing_body_still_removes_the_cgroup(live) -> None:
    with pytest.raises(ZeroDivisionError), Cgroup(32 * MiB, 8) as cgroup:
        1 / 0
    assert not any(d.exists() for d in cgroup.dirs.values())


def test_a_bad_limit_removes_the_half_made_cgroup(live) -> None:
    cgroup = Cgroup(-5, 8)
    with pytest.raises(OSError):
        cgroup.__enter__()
    assert not any(d.exists() for d in cgroup.dirs.values())


def test_exit_kills_a_process_still_inside(live) -> None:
    with Cgroup(32 * MiB, 8) as cgroup, start_inside(cgroup, "wait") as process:
        cgroup_demo._wait_until_joined(cgroup)
        cgroup.remove()  # the stdin of `wait` is still open: only SIGKILL ends it
        assert process.wait(timeout=5) == -signal.SIGKILL
    assert not any(d.exists() for d in cgroup.dirs.values())


def test_memory_over_the_limit_is_oom_killed(live) -> None:
    with Cgroup(16 * MiB, 8) as cgroup:
        process = start_inside(cgroup, "hog", "64")
        out, err = process.communicate(timeout=10)
        assert (process.returncode, out, err) == (-signal.SIGKILL, "", "")
        assert cgroup.read("oom kills") == 1


def test_memory_under_the_limit_is_fine(live) -> None:
    with Cgroup(64 * MiB, 8) as cgroup:
        process = start_inside(cgroup, "hog", "8")
        out, _err = process.communicate(timeout=10)
        assert (process.returncode, out) == (0, '{"allocated_mib": 8}\n')
        assert cgroup.read("oom kills") == 0


@pytest.mark.parametrize("pids", [2, 5])
def test_forks_stop_at_pids_max(live, pids: int) -> None:
    with Cgroup(256 * MiB, pids) as cgroup:
        process = start_inside(cgroup, "forks", "10")
        out, _err = process.communicate(timeout=10)
        assert out == f'{{"forked": {pids - 1}, "refused": "EAGAIN"}}\n'
        assert cgroup.read("fork refusals") == 1


def test_unknown_workload_fails(live) -> None:
    with Cgroup(32 * MiB, 8) as cgroup, start_inside(cgroup, "mine-bitcoin") as process:
        _out, err = process.communicate(timeout=10)
        assert process.returncode == 1 and "unknown workload 'mine-bitcoin'" in err


def test_a_failing_or_hanging_workload_is_reported_and_reaped(live) -> None:
    with Cgroup(32 * MiB, 8) as cgroup:
        with pytest.raises(RuntimeError, match=r"workload failed \(1\): .*unknown workload 'nope'"):
            cgroup_demo._finish(start_inside(cgroup, "nope"))
        assert cgroup.processes() == []
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    hanging = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], **pipes)
    with pytest.raises(subprocess.TimeoutExpired):
        cgroup_demo._finish(hanging, timeout=0.2)
    assert hanging.returncode == -signal.SIGKILL  # killed and reaped, not left behind


def test_printed_steps(live, capsys) -> None:
    cgroup_demo.limits()
    cgroup_demo.oom()
    cgroup_demo.fork_limit()
    cgroup_demo.cleanup()
    out = capsys.readouterr().out
    for line in (
        "memory limit: 32 MiB",
        "stopped by: SIGKILL",
        "OOM kills counted by the cgroup: 1",
        "children forked: 7",
        "the next fork failed with: EAGAIN",
        "rmdir while a process is inside: EBUSY",
        "directories left after the with block: 0",
    ):
        assert line in out
