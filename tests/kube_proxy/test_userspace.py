"""Tests for snippets.kube_proxy.userspace and pods: a real proxy and real Pods on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from snippets.kube_proxy.pods import EmptyReply, Pod, http_get
from snippets.kube_proxy.userspace import ServiceProxy, ServiceTable, UnknownService

from .conftest import CLUSTER_IP, RawBackend

pytestmark = [pytest.mark.timeout(10), pytest.mark.usefixtures("no_leaks")]


def test_pod_answers_directly() -> None:
    with Pod("pod-a") as pod:
        assert pod.address[0] == "127.0.0.1"
        assert http_get(pod.address) == "hello from pod-a\n"
        with pytest.raises(ConnectionError, match="404"):
            http_get(pod.address, "/missing")


def test_requests_spread_round_robin_over_three_pods(service) -> None:
    table, proxy = service
    address = table.redirect(CLUSTER_IP)
    assert address[0] == "127.0.0.1"
    bodies = [http_get(address) for _ in range(6)]
    assert bodies == [f"hello from pod-{p}\n" for p in "abcabc"]
    assert proxy.chosen == ["pod-a", "pod-b", "pod-c", "pod-a", "pod-b", "pod-c"]
    assert proxy.errors == []


def test_unknown_cluster_ip_raises(service) -> None:
    table, _proxy = service
    with pytest.raises(UnknownService, match=r"no Service at 10\.0\.0\.1:80 \(known: 10\.3\.241\.152:80\)"):
        table.redirect("10.0.0.1:80")
    with pytest.raises(ValueError, match="already has a Service"):
        table.add(CLUSTER_IP, [])


def test_endpoints_off_loopback_are_refused() -> None:
    with pytest.raises(ValueError, match="only connects to 127.0.0.1"):
        ServiceProxy(CLUSTER_IP, [("pod-x", ("10.0.0.7", 80))])
    with pytest.raises(ValueError, match="only connects to 127.0.0.1"):
        http_get(("10.3.241.152", 80))


def test_pod_going_down_traffic_continues_on_the_others(service, pods) -> None:
    table, proxy = service
    address = table.redirect(CLUSTER_IP)
    assert http_get(address) == "hello from pod-a\n"
    pods[1].close()  # pod-b is gone but still listed in the endpoints
    bodies = [http_get(address) for _ in range(4)]
    assert bodies == [f"hello from pod-{p}\n" for p in "caca"]
    assert proxy.chosen == ["pod-a", "pod-c", "pod-a", "pod-c", "pod-a"]
    assert proxy.errors == ["pod-b: ConnectionRefusedError"] * 2


def test_all_pods_down_then_one_comes_back(service, pods) -> None:
    table, proxy = service
    address = table.redirect(CLUSTER_IP)
    for pod in pods:
        pod.close()
    with pytest.raises(EmptyReply):
        http_get(address)  # the proxy closed cleanly: EOF, no reset
    assert proxy.errors == [f"pod-{p}: ConnectionRefusedError" for p in "abc"] + [
        f"{CLUSTER_IP}: no endpoint accepted the connection"
    ]
    with Pod("pod-d") as new_pod:  # a replacement Pod, and the Endpoints update
        proxy.set_endpoints([new_pod.endpoint])
        assert http_get(address) == "hello from pod-d\n"
    assert proxy.chosen == ["pod-d"]


def test_no_endpoints_at_all_is_an_empty_reply() -> None:
    with ServiceTable() as table:
        table.add(CLUSTER_IP, [])
        with pytest.raises(EmptyReply):
            http_get(table.redirect(CLUSTER_IP))


def test_half_close_is_relayed() -> None:
    def shout_after_eof(conn: socket.socket) -> None:
        received = b""
        while data := conn.recv(65536):
            received += data
        conn.sendall(received.upper())  # reply only after the client's FIN arrived

    payload = b"abc" * 100_000
    with RawBackend(shout_after_eof) as backend, ServiceTable() as table:
        table.add(CLUSTER_IP, [("pod-a", backend.address)])
        with socket.create_connection(table.redirect(CLUSTER_IP), timeout=5) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            reply = b""
            while data := sock.recv(65536):
                reply += data
    assert reply == payload.upper()


def test_backend_closing_early(service) -> None:
    def say_bye(conn: socket.socket) -> None:
        conn.sendall(b"bye\n")

    table, _ = service
    with RawBackend(say_bye) as backend, ServiceTable() as other:
        proxy = other.add("10.3.241.153:80", [("pod-bye", backend.address)])
        with socket.create_connection(other.redirect("10.3.241.153:80"), timeout=5) as sock:
            received = b""
            while data := sock.recv(65536):
                received += data
        assert received == b"bye\n"
        assert proxy.chosen == ["pod-bye"]
    assert http_get(table.redirect(CLUSTER_IP)) == "hello from pod-a\n"


def test_client_disconnecting_mid_stream() -> None:
    backend_done = threading.Event()

    def stream_forever(conn: socket.socket) -> None:
        try:
            while True:
                conn.sendall(bytes(65536))
        finally:
            backend_done.set()  # the proxy cut the backend off too

    with RawBackend(stream_forever) as backend, ServiceTable() as table:
        proxy = table.add(CLUSTER_IP, [("pod-stream", backend.address)])
        with socket.create_connection(table.redirect(CLUSTER_IP), timeout=5) as sock:
            assert len(sock.recv(1000)) > 0
        assert backend_done.wait(5)
        assert proxy.chosen == ["pod-stream"]
        assert proxy.errors and all(e.startswith("relay: ") for e in proxy.errors)


def test_hundred_concurrent_connections(service) -> None:
    table, proxy = service
    address = table.redirect(CLUSTER_IP)
    with ThreadPoolExecutor(max_workers=100) as pool:
        bodies = list(pool.map(lambda _: http_get(address), range(100)))
    assert sorted(set(bodies)) == [f"hello from pod-{p}\n" for p in "abc"]
    assert proxy.counts() == {"pod-a": 34, "pod-b": 33, "pod-c": 33}
    assert proxy.errors == []


def test_close_with_connections_still_open(pods) -> None:
    table = ServiceTable()
    table.add(CLUSTER_IP, [pods[0].endpoint])
    idle = socket.create_connection(table.redirect(CLUSTER_IP), timeout=5)
    with idle:
        table.close()  # must not wait for the idle client
        assert idle.recv(1) == b""
    with pytest.raises(UnknownService):
        table.redirect(CLUSTER_IP)
