"""Tests for snippets.event_driven.clients: the same clients against every server."""

from __future__ import annotations

import pytest

from snippets.event_driven.clients import SERVERS, Summary, fragile, run_clients

pytestmark = pytest.mark.timeout(10)


@pytest.mark.parametrize("name", list(SERVERS))
def test_every_server_echoes_every_client(name: str, no_leaks) -> None:
    with SERVERS[name]() as server:
        summary = run_clients(server, clients=50, messages=5)
    assert summary == Summary(clients=50, messages=5, all_echoed=True, failed=[], server_errors=[])


@pytest.mark.parametrize("name", ["callbacks", "coroutines", "asyncio"])
def test_one_failing_request_ends_one_client_only(name: str, no_leaks) -> None:
    with SERVERS[name](handler=fragile) as server:
        summary = run_clients(server, clients=50, messages=5, boom={7})
    assert summary == Summary(
        clients=50,
        messages=5,
        all_echoed=False,
        failed=["client 7: connection closed after 2 of 5 echoes"],
        server_errors=["ValueError in fragile: boom"],
    )


def test_error_frames_are_reported_per_client() -> None:
    with SERVERS["callbacks"](max_payload=10) as server:
        summary = run_clients(server, clients=3, messages=2)
    assert summary.failed == [
        f"client {n}: message 0 came back as (b'E', b'frame too large: 18 > 10 bytes')" for n in range(3)
    ]
    assert summary.server_errors == ["frame too large: 18 > 10 bytes"] * 3


def test_run_clients_only_connects_to_loopback() -> None:
    class Elsewhere:
        address = ("192.0.2.1", 7)
        errors: list[str] = []

    with pytest.raises(ValueError, match="only connects to 127.0.0.1"):
        run_clients(Elsewhere())
