"""Shared fixtures for the kube-proxy tests: Pods, a Service, raw TCP backends, a leak check."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from snippets.kube_proxy.pods import Pod
from snippets.kube_proxy.userspace import ServiceProxy, ServiceTable

CLUSTER_IP = "10.3.241.152:80"  # a label only: ServiceTable maps it to 127.0.0.1


@pytest.fixture
def pods() -> Iterator[list[Pod]]:
    started = [Pod(name).start() for name in ("pod-a", "pod-b", "pod-c")]
    yield started
    for pod in started:
        pod.close()


@pytest.fixture
def service(pods: list[Pod]) -> Iterator[tuple[ServiceTable, ServiceProxy]]:
    with ServiceTable() as table:
        proxy = table.add(CLUSTER_IP, [pod.endpoint for pod in pods])
        yield table, proxy


class RawBackend:
    """A TCP server on 127.0.0.1 that runs `handler(conn)` in a thread per connection."""

    def __init__(self, handler: Callable[[socket.socket], None]) -> None:
        self.handler = handler
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.address = self.listener.getsockname()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.accepter = threading.Thread(target=self._serve)
        self.accepter.start()

    def _serve(self) -> None:
        with self.listener:
            while not self.stopping.is_set():
                try:
                    conn, _ = self.listener.accept()
                except TimeoutError:
                    continue
                thread = threading.Thread(target=self._run, args=(conn,))
                self.threads.append(thread)
                thread.start()

    def _run(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            self.handler(conn)

    def close(self) -> None:
        self.stopping.set()
        self.accepter.join()
        for thread in self.threads:
            thread.join()

    def __enter__(self) -> RawBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
