"""overlayfs: a container's writable layer on top of read-only image layers.

    mount -t overlay overlay -o lowerdir=LOWER,upperdir=UPPER,workdir=WORK MERGED

The merged directory shows the upper layer over the lower one. Writing to a lower file first copies it
up; deleting one leaves a whiteout in upper (a character device 0:0), and the lower layer never
changes (kernel docs: Documentation/filesystems/overlayfs.rst). Docker's overlay2 driver stacks image
layers as lowerdirs and gives each container an upperdir.

Shown on docs/*/docker.md, run by notebooks/docker_overlay.ipynb, tested by tests/docker/.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from snippets.docker.cgroups import PREFIX
from snippets.docker.transcript import why_not_linux_admin

IMAGE = {"etc/hostname": "image\n", "etc/motd": "hello from the image\n", "app/run.sh": "echo hi\n"}


def why_not_live() -> str | None:
    if reason := why_not_linux_admin():
        return reason
    if "overlay" not in Path("/proc/filesystems").read_text().split():
        return "no overlay filesystem in /proc/filesystems"
    return None


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


# --8<-- [start:overlay]
@contextlib.contextmanager
def overlay(image: dict[str, str] = IMAGE) -> Iterator[Path]:
    """A temp dir with lower (holding `image`), upper, work and merged, mounted; all gone on exit."""
    base = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-overlay-"))
    try:
        for name in ("lower", "upper", "work", "merged"):
            (base / name).mkdir()
        for path, text in image.items():
            (base / "lower" / path).parent.mkdir(parents=True, exist_ok=True)
            (base / "lower" / path).write_text(text)
        options = f"lowerdir={base}/lower,upperdir={base}/upper,workdir={base}/work"
        libc = ctypes.CDLL(None, use_errno=True)
        _check(libc.mount(b"overlay", bytes(base / "merged"), b"overlay", 0, options.encode()), "mount")
        try:
            yield base
        finally:
            _check(libc.umount2(bytes(base / "merged"), 0), "umount")
    finally:
        shutil.rmtree(base)


# --8<-- [end:overlay]


def tree(root: Path) -> list[str]:
    """Every file below `root`, relative and sorted; a whiteout is shown as one."""
    files = []
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        if stat.S_ISCHR(info.st_mode):
            files.append(
                f"{path.relative_to(root)} (character device {os.major(info.st_rdev)}:{os.minor(info.st_rdev)})"
            )
        elif not stat.S_ISDIR(info.st_mode):
            files.append(str(path.relative_to(root)))
    return files


# --8<-- [start:layers]
def layers() -> None:
    with overlay() as base:
        for name in ("lower", "upper", "merged"):
            print(f"{name + ':':<8}", tree(base / name))


# --8<-- [end:layers]


# --8<-- [start:copy-up]
def copy_up() -> None:
    with overlay() as base:
        (base / "merged/etc/motd").write_text("changed in the container\n")
        (base / "merged/app/new.txt").write_text("new\n")
        print("upper:  ", tree(base / "upper"))
        print("merged etc/motd:", repr((base / "merged/etc/motd").read_text()))
        print("lower  etc/motd:", repr((base / "lower/etc/motd").read_text()))


# --8<-- [end:copy-up]


# --8<-- [start:whiteout]
def whiteout() -> None:
    with overlay() as base:
        (base / "merged/etc/hostname").unlink()
        for name in ("lower", "upper", "merged"):
            print(f"{name + ':':<8}", tree(base / name))


# --8<-- [end:whiteout]


# --8<-- [start:cleanup]
def cleanup() -> None:
    with overlay() as base:
        print("merged is a mount point while in use:", os.path.ismount(base / "merged"))
    print("after the with block: mounted", os.path.ismount(base / "merged"), "- temp dir exists", base.exists())


# --8<-- [end:cleanup]
