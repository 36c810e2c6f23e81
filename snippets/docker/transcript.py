"""Run a Linux-only demo step live, or replay what it printed when it last ran live.

Namespaces, cgroups and overlayfs need Linux and CAP_SYS_ADMIN (root). Where they are missing (a Mac,
a laptop without sudo, an unprivileged container) a notebook cell must still print the same text, so
what each step printed is kept in transcripts/<notebook>.json and printed from there.

    CONTAINERS_DEMO=auto     (default) live where possible, otherwise replay
    CONTAINERS_DEMO=replay   replay even where live would work
    CONTAINERS_DEMO=record   run live and rewrite the transcript:
                             CONTAINERS_DEMO=record make notebooks NB=notebooks/docker_cgroups.ipynb

tests/docker/test_transcripts.py runs every recorded step live and compares, so a transcript
cannot drift from the code. Used by notebooks/docker_{namespaces,cgroups,overlay}.ipynb.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"
MODES = ("auto", "replay", "record")
CAP_NET_RAW = 13  # bits in /proc/self/status CapEff; capabilities(7)
CAP_SYS_ADMIN = 21


def effective_capabilities() -> int:
    """This process's effective capability set (Linux only)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("CapEff:")), 16)


def why_not_linux_admin() -> str | None:
    """None if this process may create namespaces and mounts; otherwise why not."""
    if sys.platform != "linux":
        return f"not Linux ({platform.system()})"
    if not effective_capabilities() >> CAP_SYS_ADMIN & 1:
        return "no CAP_SYS_ADMIN (not root, or an unprivileged container)"
    return None


def host_description() -> str:
    from snippets.docker import cgroups  # imported here: cgroups imports this module

    try:
        cgroup = f"cgroup v{cgroups.version()}"
    except RuntimeError:
        cgroup = "no cgroup memory and pids controllers"
    return (
        f"{platform.system()} {platform.release()} ({platform.machine()}), {cgroup}, Python {platform.python_version()}"
    )


class Demo:
    """A notebook's steps: `show(step)` runs `step()` live and prints, or prints its transcript."""

    def __init__(
        self,
        notebook: str,
        why_not_live: Callable[[], str | None],
        directory: Path | None = None,
        needs: str = "CAP_SYS_ADMIN",
    ) -> None:
        self.notebook, self.needs = notebook, needs
        self.path = (directory or TRANSCRIPTS) / f"{notebook}.json"
        wanted = os.environ.get("CONTAINERS_DEMO", "auto")
        if wanted not in MODES:
            raise ValueError(f"CONTAINERS_DEMO={wanted!r}: expected one of {', '.join(MODES)}")
        self.reason = "CONTAINERS_DEMO=replay" if wanted == "replay" else why_not_live()
        self.live = self.reason is None
        self.recording = wanted == "record"
        if self.recording and not self.live:
            raise RuntimeError(f"cannot record {self.path.name}: {self.reason}")
        if self.recording:
            record = f"CONTAINERS_DEMO=record make notebooks NB=notebooks/{notebook}.ipynb"
            self.transcript = {"recorded_on": host_description(), "record_again_with": record, "steps": []}
        elif self.path.exists():
            self.transcript = json.loads(self.path.read_text(encoding="utf-8"))
        elif not self.live:
            raise FileNotFoundError(
                f"no transcript {self.path.name} to replay ({self.reason}); record it on Linux as root"
            )

    def __str__(self) -> str:
        if self.recording:
            return f"ran live, recording transcripts/{self.path.name}"
        if self.live:
            return f"ran live on this machine (Linux, {self.needs})"
        return f"replayed from transcript recorded on {self.transcript['recorded_on']} (here: {self.reason})"

    def show(self, step: Callable[..., None], **kwargs: object) -> None:
        """Print what `step(**kwargs)` prints: live, or from the transcript."""
        name = f"{step.__module__}:{step.__qualname__}"
        kwargs = json.loads(json.dumps(kwargs))  # as the transcript stores them (tuples become lists)
        if not self.live:
            for line in self.recorded(name, kwargs):
                print(line)
            return
        try:
            with contextlib.redirect_stdout(io.StringIO()) as out:
                step(**kwargs)
        finally:
            print(out.getvalue(), end="")  # what it printed before it failed, too
        if self.recording:
            self.transcript["steps"].append({"step": name, "kwargs": kwargs, "lines": out.getvalue().splitlines()})
            self.path.write_text(json.dumps(self.transcript, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def recorded(self, name: str, kwargs: dict) -> list[str]:
        for entry in self.transcript["steps"]:
            if entry["step"] == name and entry["kwargs"] == kwargs:
                return entry["lines"]
        raise LookupError(
            f"{self.path.name} has no step {name}({kwargs}): record it again (see snippets/docker/transcript.py)"
        )
