"""tools/hermetic.py: in CI every test runs in a network namespace with only loopback."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys

import pytest

from tools.build import ROOT

HERMETIC = os.environ.get("INFRA_NOTES_HERMETIC") == "1"


def test_ci_runs_the_tests_isolated() -> None:
    if os.environ.get("CI") != "true":
        pytest.skip("isolation is required in CI only (as root); `make test` says which applies")
    assert HERMETIC, "CI ran the tests outside tools/hermetic.py's network namespace"


@pytest.mark.skipif(not HERMETIC, reason="not isolated: nothing to check (and no address but 127.0.0.1 is ever tried)")
def test_only_loopback_exists_and_other_addresses_have_no_route() -> None:
    assert [name for _, name in socket.if_nameindex()] == ["lo"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # UDP connect() sends no packet
        with pytest.raises(OSError) as e:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737)
        assert e.value.errno == errno.ENETUNREACH


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a network namespace needs root")
def test_wrapper_gives_its_command_a_namespace_with_only_lo() -> None:
    code = "import os, socket; print(os.environ['INFRA_NOTES_HERMETIC'], [n for _, n in socket.if_nameindex()])"
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools/hermetic.py"), sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert out.splitlines() == ["hermetic: tests run in a new network namespace with only lo (127.0.0.1)", "1 ['lo']"]
