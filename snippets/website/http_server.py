"""A tiny HTTP/1.1 server on loopback for the demo: /, /chunked, /echo and 404.

http.server parses the request line and the header fields; the handler does what a real client
relies on next (RFC 9112): it reads every request body, so what follows on a kept-alive connection
is the next request and never the rest of this one; it checks Host; it answers HEAD; and it frames
each response so the client can tell where it ends. The other overrides make every response the
same on every run (a fixed Date and Server, no log lines on stderr) and let close() wait for every
handler thread.

Shown on docs/*/website.md, run by notebooks/website_http.ipynb, tested by tests/website/.
"""

from __future__ import annotations

import http.server
import threading
from urllib.parse import urlsplit

from snippets.website.http_raw import MAX_BODY, HTTPError, read_chunked

LOOPBACK = "127.0.0.1"
SERVED_NAMES = frozenset({"www.example.test", "localhost", LOOPBACK})  # the sites this server is
PAGE = b"<!doctype html>\n<title>example</title>\n<p>Hello from www.example.test</p>\n"
PIECES = (b"Hello, ", b"chunked ", b"world!\n")


class Refused(Exception):
    """A request the server answers with an error status, then closes the connection."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # so chunked responses and keep-alive are allowed
    default_request_version = "HTTP/1.0"  # not 0.9: every response, an error too, starts with a status line
    timeout = 2.0  # an idle keep-alive client must not hold close() up for long

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_GET  # other methods get http.server's 501, and the connection closes

    def _serve(self) -> None:
        try:
            body = self._read_body()
            path = self._target_path()
        except Refused as refused:  # the body may be unread: closing is the only safe end
            message = f"{refused}\n".encode()
            headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(message)))]
            self._send(refused.status, [*headers, ("Connection", "close")], message)
            return
        self._route(path, body)

    # --8<-- [start:body]
    def _read_body(self) -> bytes:
        """Read the request body exactly as framed (RFC 9112 §6), or refuse the request."""
        codings = [c.strip().lower() for v in self.headers.get_all("Transfer-Encoding", []) for c in v.split(",")]
        lengths = {n.strip() for v in self.headers.get_all("Content-Length", []) for n in v.split(",")}
        if codings and (lengths or self.request_version == "HTTP/1.0"):
            raise Refused(400, "ambiguous framing")  # the classic request-smuggling shape (§6.3)
        if codings:
            if codings[-1] != "chunked":
                raise Refused(400, "chunked is not the last transfer coding")  # no way to find the end
            if codings != ["chunked"]:
                raise Refused(501, "unsupported Transfer-Encoding")
            try:
                return read_chunked(self.rfile)[0]  # the client's own parser; trailers are dropped
            except HTTPError as error:
                raise Refused(400, str(error)) from None
        if not lengths:
            return b""  # a request without either header has no body (§6.3, rule 7)
        length = lengths.pop()
        if lengths or not length.isdigit() or not length.isascii():
            raise Refused(400, "bad Content-Length")
        if int(length) > MAX_BODY:
            raise Refused(413, "body too large")
        if len(body := self.rfile.read(int(length))) < int(length):
            raise Refused(400, "body shorter than Content-Length")
        return body

    # --8<-- [end:body]

    def _target_path(self) -> str:
        """The path asked for, if Host (or an absolute-form target) names a site served here."""
        hosts = self.headers.get_all("Host", [])
        if len(hosts) > 1:
            raise Refused(400, "more than one Host")  # which site? (RFC 9112 §3.2)
        if not hosts and self.request_version != "HTTP/1.0":
            raise Refused(400, "missing Host")  # required since HTTP/1.1; HTTP/1.0 may leave it out
        authority, path = (hosts or [""])[0], self.path
        try:
            if not path.startswith("/"):  # absolute-form, as clients send to proxies (§3.2.2)
                url = urlsplit(path)
                if url.scheme.lower() != "http" or not url.netloc:
                    raise Refused(400, "bad request target")
                authority, path = url.netloc, (url.path or "/") + (f"?{url.query}" if url.query else "")
            name = urlsplit(f"//{authority}").hostname
        except ValueError:  # e.g. an unclosed "[" of an IPv6 address
            raise Refused(400, "bad host") from None
        if authority and name not in SERVED_NAMES:
            raise Refused(421, "not a site served here")  # 421 Misdirected Request
        return path

    # --8<-- [start:routes]
    def _route(self, path: str, body: bytes) -> None:
        get = self.command in ("GET", "HEAD")
        if get and path == "/":
            self._send(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PAGE)))], PAGE)
        elif get and path == "/chunked" and self.request_version == "HTTP/1.0":
            # HTTP/1.0 has no chunked coding (RFC 9112 §6.1): closing the connection ends the body
            self._send(200, [("Content-Type", "text/plain"), ("Connection", "close")], b"".join(PIECES))
        elif get and path == "/chunked":
            chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in PIECES)
            self._send(200, [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")], chunks + b"0\r\n\r\n")
        elif self.command == "POST" and path == "/echo":
            self._send(200, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))], body)
        elif path in ("/", "/chunked", "/echo"):
            allow = "POST" if path == "/echo" else "GET, HEAD"
            self._send(405, [("Allow", allow), ("Content-Length", "19")], b"method not allowed\n")
        else:
            self._send(404, [("Content-Type", "text/plain"), ("Content-Length", "10")], b"not found\n")

    # --8<-- [end:routes]

    def _send(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response(status)
        asked = {o.strip().lower() for v in self.headers.get_all("Connection", []) for o in v.split(",")}
        if "close" in asked and all(name.lower() != "connection" for name, _ in headers):
            headers = [*headers, ("Connection", "close")]  # a server SHOULD say it closes (RFC 9112 §9.6)
        for name, value in headers:
            self.send_header(name, value)  # "Connection: close" also makes http.server close after it
        self.end_headers()
        if self.command != "HEAD":  # HEAD: the same header fields as GET, no body (RFC 9110 §9.3.2)
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
    """http.server on 127.0.0.1, port chosen by the OS, serving /, /chunked, /echo and 404."""

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
