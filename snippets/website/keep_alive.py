"""HTTP/1.1 persistent connections on loopback: many requests on one connection, or one connection each.

Builds on http_server.py (the demo server; here it also counts the TCP connections it accepts and the
TLS handshakes it completes, and serves /no-length) and http_raw.py (parse_response reads each body
exactly as framed, so the next response on the same connection starts where this one ended).
Counts, not times: a handshake saved is a handshake the server never saw.

Shown on docs/*/website.md, run by notebooks/website_keep_alive.ipynb, tested by tests/website/.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from dataclasses import dataclass

import trustme

from snippets.website.http_raw import LOOPBACK, TOKEN, HTTPError, Response, parse_response
from snippets.website.http_server import PIECES, LocalHTTPServer, _Handler
from snippets.website.tls import server_context

HOST = "www.example.test"


@dataclass(frozen=True)
class Seen:
    """What the server saw of one client's requests."""

    connection_of: tuple[int, ...]  # for each request, the connection it came on: 1, 2, ... in accept order
    tls_handshakes: int

    @property
    def connections(self) -> int:
        """TCP connections accepted: one 3-way handshake each."""
        return len(set(self.connection_of))


class _CountingHandler(_Handler):
    """The demo server's handler, once per connection: count it, complete TLS if asked, log each request."""

    def setup(self) -> None:
        owner: CountingHTTPServer = self.server.owner
        with owner.lock:
            owner.connections += 1
            self.number = owner.connections
        if owner.tls is not None:
            self.request.settimeout(self.timeout)  # a client that never says hello cannot hold close() up
            self.request = owner.tls.wrap_socket(self.request, server_side=True)  # the TLS handshake
            with owner.lock:
                owner.tls_handshakes += 1
        super().setup()

    def finish(self) -> None:
        super().finish()
        if isinstance(self.request, ssl.SSLSocket):
            with contextlib.suppress(OSError, ValueError):  # the client may be gone already
                self.request.unwrap()  # close_notify: a clean end the client can tell from a cut
            self.request.close()

    def _route(self, path: str, body: bytes) -> None:
        self.server.owner.log.append((self.number, path))
        if self.command == "GET" and path == "/no-length":
            # neither Content-Length nor chunked: only closing the connection can end this body (RFC 9112 §6.3)
            self.close_connection = True
            self._send(200, [("Content-Type", "text/plain")], b"".join(PIECES))
        else:
            super()._route(path, body)


class CountingHTTPServer(LocalHTTPServer):
    """LocalHTTPServer (and /no-length), counting connections and TLS handshakes; HTTPS if given a context."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__()
        self.tls = tls
        self.lock = threading.Lock()
        self.connections = self.tls_handshakes = 0
        self.log: list[tuple[int, str]] = []  # (connection number, path) per request, in order

    def start(self) -> CountingHTTPServer:
        super().start()
        self._server.owner = self
        self._server.RequestHandlerClass = _CountingHandler  # before any client knows the port
        return self

    @classmethod
    def https(cls, ca: trustme.CA) -> CountingHTTPServer:
        """The same server behind TLS, with a certificate for www.example.test signed by ca."""
        return cls(tls=server_context(ca, HOST))

    def __enter__(self) -> CountingHTTPServer:
        return self.start()

    def measure(self, paths: list[str], **client: object) -> tuple[list[Response], Seen]:
        """get_all(paths) from a fresh client: its responses, and what the server saw of it."""
        with self.lock:
            connections, handshakes, logged = self.connections, self.tls_handshakes, len(self.log)
        responses = get_all(self.address, paths, **client)
        with self.lock:  # complete: each request was logged before its response was sent
            seen = tuple(number - connections for number, _ in self.log[logged:])
            return responses, Seen(seen, self.tls_handshakes - handshakes)


def _tokens(value: str | None) -> set[str]:
    return {token.strip().lower() for token in (value or "").split(",")} - {""}


def _check(address: tuple[str, int], paths: list[str], version: str, connection: str | None) -> None:
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only connects to {LOOPBACK}")
    if version not in ("HTTP/1.0", "HTTP/1.1") or not (connection is None or TOKEN.fullmatch(connection)):
        raise HTTPError(f"bad version or Connection value: {version!r} {connection!r}")
    if not all(path.startswith("/") and path.isascii() and path.isprintable() and " " not in path for path in paths):
        raise HTTPError(f"bad path in {paths!r}")  # no request-line or header injection


# --8<-- [start:persists]
def framing(response: Response) -> str | None:
    """What marks the end of the body, or None: then only the server's close does (RFC 9112 §6.3)."""
    if response.status in (204, 304):
        return "no body"
    if coding := response.header("transfer-encoding"):
        return f"Transfer-Encoding: {coding}"
    if length := response.header("content-length"):
        return f"Content-Length: {length}"
    return None


def persists(version: str, connection: str | None, response: Response) -> bool:
    """May the next request go on this connection? RFC 9112 §9.3, for a server that answers in HTTP/1.1."""
    if "close" in _tokens(connection) | _tokens(response.header("connection")):
        return False  # either side said so (§9.6)
    if version == "HTTP/1.0" and "keep-alive" not in _tokens(connection):
        return False  # HTTP/1.0 closes unless the client asked to keep the connection
    return framing(response) is not None  # a body without a length ends only when the server closes


# --8<-- [end:persists]


def get_all(
    address: tuple[str, int],
    paths: list[str],
    version: str = "HTTP/1.1",
    connection: str | None = None,
    tls: ssl.SSLContext | None = None,
) -> list[Response]:
    """GET each path in turn, on one connection for as long as HTTP lets it persist."""
    _check(address, paths, version, connection)
    responses: list[Response] = []
    with contextlib.ExitStack() as open_connection:
        reader = None
        for path in paths:
            if reader is None:  # a new TCP connection: a 3-way handshake (and a TLS one)
                sock = open_connection.enter_context(socket.create_connection(address, timeout=5.0))
                if tls is not None:
                    sock = open_connection.enter_context(tls.wrap_socket(sock, server_hostname=HOST))
                reader = open_connection.enter_context(sock.makefile("rb"))
            header = f"Connection: {connection}\r\n" if connection else ""
            sock.sendall(f"GET {path} {version}\r\nHost: {HOST}\r\n{header}\r\n".encode("ascii"))
            response = parse_response(reader)  # reads exactly this response, nothing of the next
            responses.append(response)
            if not persists(version, connection, response):
                if reader.read(1) != b"":  # wait for the server's FIN: the close is a fact, not a guess
                    raise HTTPError("the server sent more after the response")
                open_connection.close()
                reader = None
    return responses


CASES = (("HTTP/1.1", None), ("HTTP/1.1", "close"), ("HTTP/1.0", None), ("HTTP/1.0", "keep-alive"))


def table(server: CountingHTTPServer, requests: int = 5, ca: trustme.CA | None = None) -> str:
    """Each case's requests from a fresh client, and the handshakes the server saw (HTTPS: HTTP/1.1 only)."""
    tls = ssl.create_default_context(cadata=ca.cert_pem.bytes().decode("ascii")) if ca else None
    rows = []
    for version, connection in CASES[:2] if ca else CASES:
        _, seen = server.measure(["/"] * requests, version=version, connection=connection, tls=tls)
        handshakes = f"{seen.connections} TCP" + (f" + {seen.tls_handshakes} TLS" if ca else "")
        rows.append(
            f"{version}  Connection: {connection or '(none)':<10}  {requests} requests, {handshakes} handshake(s)"
        )
    return "\n".join(rows)


def trace(server: CountingHTTPServer, paths: list[str]) -> str:
    """GET paths from a fresh client: for each, the connection it went on and how its body was framed."""
    responses, seen = server.measure(paths)
    return "\n".join(
        f"GET {path:<10}  connection {number}  {framing(response) or 'no length: ends when the server closes'}"
        for path, response, number in zip(paths, responses, seen.connection_of, strict=True)
    )
