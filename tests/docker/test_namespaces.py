"""Tests for snippets.docker.namespaces and namespace_demo: real namespaces, so Linux and CAP_SYS_ADMIN (see conftest)."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from snippets.docker import namespace_demo, namespaces
from snippets.docker.namespaces import CLONE_NEW, CONTAINER, Container

from .conftest import require_live

pytestmark = pytest.mark.timeout(20)


@pytest.fixture(autouse=True)
def live() -> None:
    require_live(namespaces.why_not_live)


def host_namespaces() -> dict[str, str]:
    return {kind: os.readlink(f"/proc/self/ns/{kind}") for kind in CLONE_NEW}


def test_the_eight_types_are_those_in_proc_self_ns() -> None:
    assert sorted(CLONE_NEW) == ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"]
    assert set(CLONE_NEW) <= set(os.listdir("/proc/self/ns"))
    assert len(set(CLONE_NEW.values())) == 8


def test_a_container_sees_itself_as_pid_1_with_its_own_hostname_and_only_lo() -> None:
    hostname = socket.gethostname()
    with Container() as box:
        view = box.view
    assert view["pid"] == 1
    assert view["processes"] == [1]
    assert view["hostname"] == "box"
    assert socket.gethostname() == hostname
    assert view["interfaces"] == ["lo"]
    assert view["connect"] == "ENETUNREACH"
    assert view["release"] == os.uname().release


def test_the_host_sees_an_ordinary_process_with_two_pids() -> None:
    with Container() as box:
        status = Path(f"/proc/{box.host_pid}/status").read_text()
        assert box.host_pid != 1
        assert next(line for line in status.splitlines() if line.startswith("NSpid:")).split()[-1] == "1"
        assert os.readlink(f"/proc/{box.host_pid}/ns/net") != os.readlink("/proc/self/ns/net")
    assert not Path(f"/proc/{box.host_pid}").exists()  # gone once the with block ends


@pytest.mark.parametrize("kinds", [CONTAINER, ("uts",), ("net", "user"), tuple(sorted(CLONE_NEW))], ids="-".join)
def test_exactly_the_requested_namespaces_are_new(kinds: tuple[str, ...]) -> None:
    host = host_namespaces()
    with Container(kinds) as box:
        own = sorted(kind for kind in CLONE_NEW if box.view["ns"][kind] != host[kind])
    assert own == sorted(kinds)


def test_without_a_pid_namespace_the_process_is_not_pid_1_and_host_proc_stays() -> None:
    with Container(("mnt", "uts")) as box:
        assert box.view["pid"] == box.host_pid != 1
        assert len(box.view["processes"]) > 1
    assert Path("/proc/self").resolve().name == str(os.getpid())  # our /proc was never touched


@pytest.mark.parametrize("kinds", [(), ("mnt", "bogus")])
def test_unknown_or_no_namespaces_are_refused(kinds: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="namespaces must be some of"):
        Container(kinds)


def test_pid_1_killed_from_the_host_still_cleans_up() -> None:
    with Container() as box:
        os.kill(box.host_pid, signal.SIGKILL)
    assert not Path(f"/proc/{box.host_pid}").exists()


def test_a_launcher_that_fails_says_why(monkeypatch) -> None:
    monkeypatch.setattr(namespaces, "ROOT", Path("/"))  # `-m snippets.docker.namespaces` not found
    with pytest.raises(RuntimeError, match="the container did not start: .*No module named"):
        Container().__enter__()


def test_printed_steps(capsys) -> None:
    namespace_demo.inside()
    namespace_demo.host_view()
    namespace_demo.compare()
    out = capsys.readouterr().out
    assert "PID: 1\n" in out and "kernel release is the host's: True\n" in out
    assert "the innermost is 1\n" in out
    assert [line.split()[0] for line in out.splitlines()[-8:]] == sorted(CLONE_NEW)
    assert out.count(" own\n") == 4
