"""The backends for the kube-proxy demo: tiny HTTP "Pods" on 127.0.0.1, and a client.

`Pod(name)` answers `GET /` with "hello from <name>"; its replies carry no Date or Server
header, so they are the same bytes on every run. userspace.py proxies to these.

Shown on docs/*/kube-proxy.md, tested by tests/kube_proxy/.
"""

from __future__ import annotations

import http.server
import socket
import socketserver
import threading

from snippets.kube_proxy.userspace import Endpoint
from snippets.loopback import LOOPBACK


class EmptyReply(ConnectionError):
    """The connection closed before any answer: no backend could take it."""


# --8<-- [start:pod]
class _PodHandler(http.server.BaseHTTPRequestHandler):
    timeout = 5.0  # a silent client must not keep a thread

    def do_GET(self) -> None:
        found = self.path == "/"
        body = f"hello from {self.server.pod_name}\n" if found else "not found\n"
        self.send_response_only(200 if found else 404)  # no Date or Server: same bytes every run
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass  # no access log on stderr


# --8<-- [end:pod]


class _PodServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = False  # server_close() waits for handler threads
    request_queue_size = 128


class Pod:
    """A tiny HTTP server on 127.0.0.1 that answers GET / with its name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._server: _PodServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError(f"pod {self.name} is not running")
        host, port = self._server.server_address[:2]
        return host, port

    @property
    def endpoint(self) -> Endpoint:
        return self.name, self.address

    def start(self) -> Pod:
        self._server = _PodServer((LOOPBACK, 0), _PodHandler)
        self._server.pod_name = self.name
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=f"pod-{self.name}")
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()  # stops serve_forever
            self._server.server_close()  # closes the listener, joins handler threads
            self._thread.join()
            self._server = None

    def __enter__(self) -> Pod:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --8<-- [start:client]
def http_get(address: tuple[str, int], path: str = "/") -> str:
    """GET `path` over HTTP/1.0 and return the body; EmptyReply if nothing came back."""
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only connects to {LOOPBACK}")
    with socket.create_connection(address, timeout=5.0) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: service\r\n\r\n".encode())
        response = b""
        while chunk := sock.recv(65536):  # HTTP/1.0: the server closes after the answer
            response += chunk
    if not response:
        raise EmptyReply("connection closed without a reply")
    head, _, body = response.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].decode()
    if status != "HTTP/1.0 200 OK":
        raise ConnectionError(f"unexpected status: {status}")
    return body.decode()


# --8<-- [end:client]
