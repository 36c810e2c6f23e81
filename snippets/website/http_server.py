"""A tiny HTTP/1.1 server on loopback for the demo: /, /chunked, and 404.

http.server does the work; the overrides only make every response the same
on every run (a fixed Date and Server, no log lines on stderr) and let
close() wait for every handler thread.

Shown on docs/*/website.md, run by notebooks/website_http.ipynb, tested by tests/website/.
"""

from __future__ import annotations

import http.server
import threading

LOOPBACK = "127.0.0.1"
PAGE = b"<!doctype html>\n<title>example</title>\n<p>Hello from www.example.test</p>\n"
PIECES = (b"Hello, ", b"chunked ", b"world!\n")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # so chunked responses are allowed
    timeout = 2.0  # an idle keep-alive client must not hold close() up for long

    # --8<-- [start:routes]
    def do_GET(self) -> None:
        if not self.headers.get("Host"):
            self._send(400, [("Content-Length", "12")], b"missing Host")
        elif self.path == "/":
            self._send(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PAGE)))], PAGE)
        elif self.path == "/chunked":
            chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in PIECES)
            self._send(200, [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")], chunks + b"0\r\n\r\n")
        else:
            self._send(404, [("Content-Type", "text/plain"), ("Content-Length", "10")], b"not found\n")

    # --8<-- [end:routes]

    def _send(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def version_string(self) -> str:
        return "infra-notes-demo"  # instead of the Python version

    def date_time_string(self, timestamp: float | None = None) -> str:
        return "Sun, 06 Nov 1994 08:49:37 GMT"  # RFC 9110's example date: same every run

    def log_message(self, format: str, *args: object) -> None:
        pass  # its lines carry ports and times


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = False  # so server_close() joins every handler thread

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that reset its connection ends only that connection


class LocalHTTPServer:
    """http.server on 127.0.0.1, port chosen by the OS, serving /, /chunked and 404."""

    def __init__(self) -> None:
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError("server is not started")
        host, port = self._server.server_address[:2]
        return host, port

    def start(self) -> LocalHTTPServer:
        if self._server is not None:
            raise RuntimeError("server is already started")
        self._server = _Server((LOOPBACK, 0), _Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="http-serve"
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()  # joins the handler threads
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
