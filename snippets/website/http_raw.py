"""HTTP/1.1 by hand over a plain TCP socket: one request, one response.

The message syntax is RFC 9112's: a start line, header lines, an empty line,
then a body whose end is given by Content-Length, by chunked transfer coding
(section 7.1), or by the server closing the connection. Everything read from
the peer is checked; a bad response raises HTTPError and nothing else.

The demo server is in http_server.py. Shown on docs/*/website.md,
run by notebooks/website_http.ipynb, tested by tests/website/.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import BinaryIO

LOOPBACK = "127.0.0.1"
MAX_LINE, MAX_HEADERS, MAX_BODY, MAX_INTERIM = 8192, 100, 1 << 20, 10
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([1-5][0-9]{2})(?: ([\t\x20-\x7e\x80-\xff]*))?\r\n")
CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,8})[ \t]*(?:;[^\r\n]*)?\r\n")


class HTTPError(Exception):
    """The request cannot be built, or the response is not valid HTTP/1.1."""


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]  # in order received, names lower-cased
    body: bytes
    trailers: tuple[tuple[str, str], ...] = ()
    interim: tuple[int, ...] = ()  # 1xx statuses skipped before this final one

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key == name.lower()]
        return ", ".join(values) if values else None


# --8<-- [start:request]
def build_request(method: str, host: str, path: str, headers: tuple[tuple[str, str], ...] = ()) -> bytes:
    """Request line, Host (required in HTTP/1.1), our headers, an empty line."""
    if not TOKEN.fullmatch(method) or not path.startswith("/") or not host:
        raise HTTPError(f"bad request line parts: {method!r} {host!r} {path!r}")
    fields = [("Host", host), *headers, ("Connection", "close")]  # one exchange, then EOF
    lines = [f"{method} {path} HTTP/1.1"]
    for name, value in fields:
        if not TOKEN.fullmatch(name) or any(c in value for c in "\r\n\0"):
            raise HTTPError(f"bad header field: {name!r}")  # no header injection
        lines.append(f"{name}: {value}")
    if len({name.lower() for name, _ in fields}) != len(fields):
        raise HTTPError("Host and Connection are set by build_request, once")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


# --8<-- [end:request]


def _read_line(reader: BinaryIO) -> bytes:
    line = reader.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise HTTPError(f"line longer than {MAX_LINE} bytes")
    if not line.endswith(b"\r\n"):
        raise HTTPError(
            "connection closed in the middle of a line"
            if not line.endswith(b"\n")
            else "line ends in a bare LF, not CRLF"
        )
    return line


def _read_fields(reader: BinaryIO) -> list[tuple[str, str]]:
    fields = []
    while (line := _read_line(reader)) != b"\r\n":
        name, colon, value = line[:-2].decode("latin-1").partition(":")
        if not colon or not TOKEN.fullmatch(name):  # also rejects obs-fold and "Name :"
            raise HTTPError(f"malformed header line: {line[:40]!r}")
        fields.append((name.lower(), value.strip(" \t")))
        if len(fields) > MAX_HEADERS:
            raise HTTPError(f"more than {MAX_HEADERS} header lines")
    return fields


def _read_exactly(reader: BinaryIO, n: int) -> bytes:
    data = reader.read(n)
    if len(data) < n:
        raise HTTPError(f"connection closed after {len(data)} of {n} body bytes")
    return data


# --8<-- [start:chunked]
def read_chunked(reader: BinaryIO) -> tuple[bytes, list[tuple[str, str]]]:
    """Chunks of "size in hex CRLF data CRLF" until size 0, then trailers."""
    body = b""
    while True:
        line = _read_line(reader)
        match = CHUNK_SIZE.fullmatch(line)  # extensions after ';' are ignored
        if not match:
            raise HTTPError(f"bad chunk size line: {line[:40]!r}")
        size = int(match[1], 16)
        if size == 0:
            return body, _read_fields(reader)  # trailer fields, then the empty line
        if len(body) + size > MAX_BODY:
            raise HTTPError(f"body larger than {MAX_BODY} bytes")
        body += _read_exactly(reader, size)
        if reader.read(2) != b"\r\n":
            raise HTTPError("chunk data is not followed by CRLF")


# --8<-- [end:chunked]


# --8<-- [start:parse-response]
def parse_response(reader: BinaryIO) -> Response:
    """Status line, header fields, then a body framed as the headers say; 1xx responses skipped."""
    interim: list[int] = []
    while True:
        status_line = _read_line(reader)
        match = STATUS_LINE.fullmatch(status_line)
        if not match:
            raise HTTPError(f"malformed status line: {status_line[:40]!r}")
        status, reason = int(match[2]), (match[3] or b"").decode("latin-1")
        headers = _read_fields(reader)
        if status >= 200:
            break  # the final response
        if status == 101 or len(interim) == MAX_INTERIM:  # 101 only answers an Upgrade we never send
            raise HTTPError(f"unexpected interim response {status} after {interim}")
        interim.append(status)  # e.g. 103 Early Hints: a client skips a 1xx it did not ask for (RFC 9110 §15.2)
    coding = [v.lower() for k, v in headers if k == "transfer-encoding"]
    lengths = {
        part.strip() for name, value in headers if name == "content-length" for part in value.split(",")
    }  # "5, 5" is allowed; "5, 6" is not
    trailers: list[tuple[str, str]] = []
    if status in (204, 304):
        body = b""  # these responses never have a body (RFC 9112 §6.3)
    elif coding and lengths:  # a classic request-smuggling shape
        raise HTTPError("both Transfer-Encoding and Content-Length")
    elif coding:
        if coding != ["chunked"]:
            raise HTTPError(f"unsupported Transfer-Encoding: {', '.join(coding)}")
        body, trailers = read_chunked(reader)
    elif lengths:
        if len(lengths) > 1:
            raise HTTPError(f"conflicting Content-Length values: {sorted(lengths)}")
        (length,) = lengths
        if not length.isdigit() or not length.isascii() or int(length) > MAX_BODY:
            raise HTTPError(f"bad Content-Length: {length[:20]!r}")
        body = _read_exactly(reader, int(length))
    else:
        body = reader.read(MAX_BODY + 1)  # the body ends when the server closes
        if len(body) > MAX_BODY:
            raise HTTPError(f"body larger than {MAX_BODY} bytes")
    return Response(status, reason, tuple(headers), body, tuple(trailers), tuple(interim))


# --8<-- [end:parse-response]


# --8<-- [start:fetch]
def fetch(address: tuple[str, int], host: str, path: str) -> Response:
    """Connect, send one GET, read the response until the server closes."""
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only connects to {LOOPBACK}")
    with socket.create_connection(address, timeout=5.0) as sock:
        sock.sendall(build_request("GET", host, path))
        with sock.makefile("rb") as reader:
            return parse_response(reader)


# --8<-- [end:fetch]


def send_raw(address: tuple[str, int], data: bytes) -> bytes:
    """Send bytes exactly as given (a malformed request too), say that is all, read until the server closes."""
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only connects to {LOOPBACK}")
    with socket.create_connection(address, timeout=5.0) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # FIN: no further requests on this connection
        with sock.makefile("rb") as reader:
            return reader.read()
