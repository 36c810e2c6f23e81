"""Tests for snippets.docker.overlay: a real overlayfs mount, so Linux and CAP_SYS_ADMIN (see conftest)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from snippets.docker import overlay
from snippets.docker.overlay import IMAGE, tree

from .conftest import require_live

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def live() -> None:
    require_live(overlay.why_not_live)


def test_tree_lists_files_sorted_and_marks_character_devices(tmp_path: Path) -> None:
    (tmp_path / "b" / "c").mkdir(parents=True)
    (tmp_path / "b" / "c" / "f").write_text("x")
    (tmp_path / "a").write_text("x")
    (tmp_path / "empty").mkdir()
    assert tree(tmp_path) == ["a", "b/c/f"]
    if os.geteuid() == 0:
        os.mknod(tmp_path / "gone", stat.S_IFCHR | 0o600, os.makedev(0, 0))
        assert tree(tmp_path)[-1] == "gone (character device 0:0)"


def test_merged_shows_lower_and_upper_starts_empty(live) -> None:
    with overlay.overlay() as base:
        assert os.path.ismount(base / "merged")
        assert tree(base / "merged") == tree(base / "lower") == sorted(IMAGE)
        assert tree(base / "upper") == []


def test_a_write_copies_up_and_leaves_lower_alone(live) -> None:
    with overlay.overlay() as base:
        (base / "merged/etc/motd").write_text("changed\n")
        assert (base / "upper/etc/motd").read_text() == "changed\n"
        assert (base / "lower/etc/motd").read_text() == IMAGE["etc/motd"]
        assert tree(base / "upper") == ["etc/motd"]


def test_a_delete_leaves_a_whiteout_and_leaves_lower_alone(live) -> None:
    with overlay.overlay() as base:
        (base / "merged/etc/hostname").unlink()
        info = (base / "upper/etc/hostname").lstat()
        assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(0, 0)
        assert not (base / "merged/etc/hostname").exists()
        assert (base / "lower/etc/hostname").read_text() == IMAGE["etc/hostname"]


def test_a_file_created_then_deleted_leaves_nothing(live) -> None:
    with overlay.overlay() as base:
        (base / "merged/tmp.txt").write_text("x")
        (base / "merged/tmp.txt").unlink()
        assert tree(base / "upper") == []  # nothing below to hide, so no whiteout


def test_a_failing_body_still_unmounts_and_removes(live) -> None:
    with pytest.raises(RuntimeError, match="boom"), overlay.overlay() as base:
        raise RuntimeError("boom")
    assert not os.path.ismount(base / "merged") and not base.exists()


def test_a_failed_mount_removes_the_temp_dir(monkeypatch) -> None:
    class NoMount:  # a libc whose mount(2) fails with EPERM, as it does without CAP_SYS_ADMIN
        def mount(self, *args: object) -> int:
            return -1

    monkeypatch.setattr(
        overlay, "ctypes", SimpleNamespace(CDLL=lambda *a, **k: NoMount(), get_errno=lambda: errno.EPERM)
    )
    with pytest.raises(PermissionError, match="mount: Operation not permitted"), overlay.overlay():
        pytest.fail("the body must not run")  # and no_container_leaks checks that the temp dir is gone


def test_printed_steps(live, capsys) -> None:
    overlay.layers()
    overlay.copy_up()
    overlay.whiteout()
    overlay.cleanup()
    out = capsys.readouterr().out
    assert "upper:   ['etc/hostname (character device 0:0)']" in out
    assert "lower  etc/motd: 'hello from the image\\n'" in out
    assert out.endswith("after the with block: mounted False - temp dir exists False\n")
