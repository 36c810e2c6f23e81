"""kube-proxy's old userspace mode, on loopback: a TCP proxy per Service that copies bytes.

In the real mode (removed in Kubernetes 1.26), kube-proxy opened one listening port per
Service on the node and installed iptables rules that REDIRECTed traffic for the Service's
ClusterIP:port to that port. kube-proxy itself accepted the connection, chose a backend Pod
round-robin, dialed it (trying the next Pod if a dial failed) and copied bytes both ways.

Here `ServiceTable` plays the iptables rules: it maps a ClusterIP label such as
"10.3.241.152:80" to a `ServiceProxy` listening on 127.0.0.1, and refuses any other label.
Nothing connects anywhere but 127.0.0.1. The Pods behind it are in pods.py.

Shown on docs/*/kube-proxy.md, tested by tests/kube_proxy/.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from snippets.loopback import LOOPBACK, ListeningServer

Endpoint = tuple[str, tuple[str, int]]  # (pod name, (host, port))


class UnknownService(LookupError):
    """No Service has this ClusterIP:port."""


# --8<-- [start:service-table]
class ServiceTable:
    """ClusterIP:port labels -> proxy listeners on 127.0.0.1: the REDIRECT rules, as a dict."""

    def __init__(self) -> None:
        self._services: dict[str, ServiceProxy] = {}

    def add(self, cluster_ip: str, endpoints: list[Endpoint]) -> ServiceProxy:
        if cluster_ip in self._services:
            raise ValueError(f"{cluster_ip} already has a Service")
        proxy = ServiceProxy(cluster_ip, endpoints).start()
        self._services[cluster_ip] = proxy
        return proxy

    def redirect(self, cluster_ip: str) -> tuple[str, int]:
        """Where a connection to `cluster_ip` really goes: the Service's proxy port."""
        if cluster_ip not in self._services:
            known = ", ".join(sorted(self._services)) or "none"
            raise UnknownService(f"no Service at {cluster_ip} (known: {known})")
        return self._services[cluster_ip].address

    # --8<-- [end:service-table]

    def close(self) -> None:
        for proxy in self._services.values():
            proxy.close()
        self._services.clear()

    def __enter__(self) -> ServiceTable:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ServiceProxy(ListeningServer):
    """One Service's proxy port: accept, pick a Pod round-robin, relay both ways."""

    def __init__(self, cluster_ip: str, endpoints: list[Endpoint], dial_timeout: float = 1.0):
        self.cluster_ip = cluster_ip
        self.dial_timeout = dial_timeout
        self.chosen: list[str] = []  # the Pod that served each connection, in order
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._next = 0
        self._endpoints: list[Endpoint] = []
        self.set_endpoints(endpoints)
        self._stopping = threading.Event()
        self._accept_thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()

    def set_endpoints(self, endpoints: list[Endpoint]) -> None:
        """What kube-proxy did when the Service's Endpoints changed."""
        for name, (host, _port) in endpoints:
            if host != LOOPBACK:
                raise ValueError(f"{name}: this demo only connects to {LOOPBACK}, not {host}")
        with self._lock:
            self._endpoints = list(endpoints)

    def start(self) -> ServiceProxy:
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.05)  # wake up now and then to notice close()
        self._accept_thread = self._spawn(self._serve, self._listener)
        return self

    def _serve(self, listener: socket.socket) -> None:
        with listener:
            while not self._stopping.is_set():
                try:
                    client, _peer = listener.accept()
                except TimeoutError:
                    continue
                self._track(client)
                self._spawn(self._handle, client)

    # --8<-- [start:choose-backend]
    def _dial_backend(self) -> tuple[str, socket.socket] | None:
        """Next Pod round-robin; if it refuses, the one after, until every Pod was tried."""
        with self._lock:
            endpoints = list(self._endpoints)
        for _attempt in endpoints:
            with self._lock:
                name, address = endpoints[self._next % len(endpoints)]
                self._next += 1  # a failed dial uses up a turn, as kube-proxy's did
            try:
                backend = socket.create_connection(address, timeout=self.dial_timeout)
            except OSError as exc:  # ConnectionRefusedError: nothing listens there
                self._record(f"{name}: {type(exc).__name__}")
                continue
            backend.settimeout(None)
            return name, backend
        return None

    # --8<-- [end:choose-backend]

    def _handle(self, client: socket.socket) -> None:
        dialed = self._dial_backend()
        if dialed is None:
            self._record(f"{self.cluster_ip}: no endpoint accepted the connection")
            self._refuse(client)
            return
        name, backend = dialed
        with self._lock:
            self.chosen.append(name)
        self._track(backend)
        self.relay(client, backend)

    # --8<-- [start:relay]
    def relay(self, client: socket.socket, backend: socket.socket) -> None:
        """Copy bytes both ways, one thread per direction, until both sides are done."""
        upstream = self._spawn(self._pipe, client, backend)
        self._pipe(backend, client)
        upstream.join()
        for sock in (client, backend):
            self._untrack(sock)
            sock.close()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError as exc:  # a side reset or vanished: end the pair, both ways
            self._record(f"relay: {type(exc).__name__}")
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        else:  # src sent FIN: pass it on, keep relaying the other way
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    # --8<-- [end:relay]

    def _refuse(self, client: socket.socket) -> None:
        """Close politely: FIN first, then read what the client sent, so it gets no RST."""
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_WR)
            client.settimeout(1.0)
            while client.recv(65536):
                pass
        self._untrack(client)
        client.close()

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting, cut open connections and wait for every thread."""
        self._stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout)
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes threads blocked in recv()
        for thread in threads:
            thread.join(timeout)

    def __enter__(self) -> ServiceProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def counts(self) -> dict[str, int]:
        """Connections served per Pod, sorted by name."""
        with self._lock:
            chosen = list(self.chosen)
        return {name: chosen.count(name) for name in sorted(set(chosen))}

    def _spawn(self, target: Callable[..., None], *args: object) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, name="kube-proxy")
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        return thread

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
        if self._stopping.is_set():  # close() may have missed it
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def _record(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)
