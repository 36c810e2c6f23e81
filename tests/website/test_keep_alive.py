"""Tests for snippets.website.keep_alive: connections counted on the server, never timed.

N requests on one kept-alive connection, N connections with Connection: close, HTTP/1.0 with and without
keep-alive, the server closing after a body without a length, the same over TLS, and curl reusing one
connection for several URLs. Without curl the curl tests skip saying what to install; with CI=true they fail.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator

import pytest

from snippets.website.http_raw import HTTPError, Response, parse_response
from snippets.website.http_server import PIECES
from snippets.website.keep_alive import HOST, CountingHTTPServer, Seen, framing, get_all, persists, table, trace
from snippets.website.tls import make_ca, server_context
from tests.peers import need

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def server(no_leaks: None) -> Iterator[CountingHTTPServer]:
    with CountingHTTPServer() as running:
        yield running


@pytest.fixture(scope="module")
def ca():
    return make_ca("Example Test CA")


@pytest.fixture
def https(no_leaks: None, ca) -> Iterator[CountingHTTPServer]:
    with CountingHTTPServer(tls=server_context(ca, HOST)) as running:
        yield running


@pytest.fixture
def client_tls(ca) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=ca.cert_pem.bytes().decode("ascii"))


# keep-alive and close, counted on the server


def test_keep_alive_sends_n_requests_on_one_connection(server: CountingHTTPServer) -> None:
    responses, seen = server.measure(["/"] * 5)
    assert [r.status for r in responses] == [200] * 5
    assert seen == Seen((1, 1, 1, 1, 1), 0)
    assert seen.connections == 1


def test_connection_close_opens_one_connection_per_request(server: CountingHTTPServer) -> None:
    responses, seen = server.measure(["/"] * 5, connection="close")
    assert [r.status for r in responses] == [200] * 5
    assert seen.connection_of == (1, 2, 3, 4, 5)


@pytest.mark.parametrize(
    ("version", "connection", "connections"),
    [
        ("HTTP/1.0", None, 4),
        ("HTTP/1.0", "keep-alive", 1),
        ("HTTP/1.0", "Keep-Alive", 1),
        ("HTTP/1.1", "keep-alive", 1),
    ],
)
def test_http_1_0_persists_only_when_asked(
    server: CountingHTTPServer, version: str, connection: str | None, connections: int
) -> None:
    _, seen = server.measure(["/"] * 4, version=version, connection=connection)
    assert seen.connections == connections


def test_every_request_is_logged_on_its_connection(server: CountingHTTPServer) -> None:
    server.measure(["/", "/chunked"])
    server.measure(["/nope"], connection="close")
    assert server.log == [(1, "/"), (1, "/chunked"), (2, "/nope")]
    assert (server.connections, server.tls_handshakes) == (2, 0)


def test_chunked_and_404_keep_the_connection(server: CountingHTTPServer) -> None:
    responses, seen = server.measure(["/chunked", "/nope", "/chunked"])
    chunked = "Transfer-Encoding: chunked"
    assert [framing(r) for r in responses] == [chunked, "Content-Length: 10", chunked]
    assert responses[2].body == b"".join(PIECES)
    assert seen.connection_of == (1, 1, 1)


def test_table_and_trace_print_what_the_server_counted(server: CountingHTTPServer, ca) -> None:
    assert table(server, requests=3).splitlines() == [
        "HTTP/1.1  Connection: (none)      3 requests, 1 TCP handshake(s)",
        "HTTP/1.1  Connection: close       3 requests, 3 TCP handshake(s)",
        "HTTP/1.0  Connection: (none)      3 requests, 3 TCP handshake(s)",
        "HTTP/1.0  Connection: keep-alive  3 requests, 1 TCP handshake(s)",
    ]
    assert trace(server, ["/no-length", "/"]).splitlines() == [
        "GET /no-length  connection 1  no length: ends when the server closes",
        "GET /           connection 2  Content-Length: 74",
    ]
    with CountingHTTPServer.https(ca) as https:
        assert table(https, requests=2, ca=ca).splitlines() == [
            "HTTP/1.1  Connection: (none)      2 requests, 1 TCP + 1 TLS handshake(s)",
            "HTTP/1.1  Connection: close       2 requests, 2 TCP + 2 TLS handshake(s)",
        ]


# a body without a length: the server must close to end it


def test_server_closes_after_a_response_without_length(server: CountingHTTPServer) -> None:
    responses, seen = server.measure(["/", "/no-length", "/"])
    assert framing(responses[1]) is None
    assert responses[1].body == b"".join(PIECES)  # complete: read until the server closed
    assert seen.connection_of == (1, 1, 2)  # the next request needed a new connection


def test_a_request_pipelined_after_no_length_is_never_answered(server: CountingHTTPServer) -> None:
    """Two requests in one write: the server answers the first, then closes; EOF, not a timeout, ends the read."""
    two = f"GET /no-length HTTP/1.1\r\nHost: {HOST}\r\n\r\nGET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    with socket.create_connection(server.address, timeout=10.0) as sock:
        sock.sendall(two)
        with sock.makefile("rb") as reader:
            received = reader.read()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"content-length" not in head.lower() and b"transfer-encoding" not in head.lower()
    assert body == b"".join(PIECES)  # nothing of a second response
    assert server.log == [(1, "/no-length")]


def test_no_request_after_connection_close_is_processed(server: CountingHTTPServer) -> None:
    """RFC 9112 §9.6: after the response to a request with "close", the server closes and answers nothing more."""
    two = f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\nGET /chunked HTTP/1.1\r\nHost: {HOST}\r\n\r\n"
    with socket.create_connection(server.address, timeout=10.0) as sock:
        sock.sendall(two.encode())
        with sock.makefile("rb") as reader:
            assert parse_response(reader).status == 200
            assert reader.read() == b""  # EOF: the server closed without answering the second request
    assert server.log == [(1, "/")]


def test_keep_alive_survives_a_pipelined_pair(server: CountingHTTPServer) -> None:
    """Two framed responses on one connection: the parser stops exactly at the end of the first."""
    two = f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\nGET /chunked HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
    with socket.create_connection(server.address, timeout=10.0) as sock:
        sock.sendall(two.encode())
        with sock.makefile("rb") as reader:
            first, second = parse_response(reader), parse_response(reader)
            assert reader.read() == b""
    assert (first.status, second.body) == (200, b"".join(PIECES))
    assert server.log == [(1, "/"), (1, "/chunked")]


# over TLS: every new TCP connection costs a TLS handshake too


def test_tls_keep_alive_is_one_tcp_and_one_tls_handshake(https: CountingHTTPServer, client_tls: ssl.SSLContext) -> None:
    responses, seen = https.measure(["/"] * 5, tls=client_tls)
    assert [r.status for r in responses] == [200] * 5
    assert (seen.connections, seen.tls_handshakes) == (1, 1)


def test_tls_connection_close_is_a_handshake_of_each_per_request(
    https: CountingHTTPServer, client_tls: ssl.SSLContext
) -> None:
    _, seen = https.measure(["/", "/chunked", "/no-length"], connection="close", tls=client_tls)
    assert (seen.connection_of, seen.tls_handshakes) == ((1, 2, 3), 3)


def test_tls_body_without_length_ends_with_close_notify(https: CountingHTTPServer, client_tls: ssl.SSLContext) -> None:
    """A cut connection could truncate the body; the server's close_notify says the end is real."""
    responses, seen = https.measure(["/no-length", "/"], tls=client_tls)
    assert responses[0].body == b"".join(PIECES)
    assert seen == Seen((1, 2), 2)


def test_plain_http_to_the_tls_server_is_no_handshake(https: CountingHTTPServer) -> None:
    with pytest.raises((HTTPError, OSError)):
        get_all(https.address, ["/"])
    https.close()
    assert (https.connections, https.tls_handshakes, https.log) == (1, 0, [])


# the rule, without a server


def response(status: int = 200, **headers: str) -> Response:
    return Response(status, "", tuple((name.replace("_", "-"), value) for name, value in headers.items()), b"")


@pytest.mark.parametrize(
    ("version", "connection", "answer", "expected"),
    [
        ("HTTP/1.1", None, response(content_length="0"), True),
        ("HTTP/1.1", None, response(transfer_encoding="chunked"), True),
        ("HTTP/1.1", None, response(204), True),  # never a body
        ("HTTP/1.1", None, response(), False),  # the body ends at close
        ("HTTP/1.1", "close", response(content_length="0"), False),
        ("HTTP/1.1", "foo, Close", response(content_length="0"), False),  # a list of tokens, any case
        ("HTTP/1.1", None, response(content_length="0", connection="close"), False),
        ("HTTP/1.0", None, response(content_length="0"), False),
        ("HTTP/1.0", "keep-alive", response(content_length="0"), True),
        ("HTTP/1.0", "keep-alive", response(), False),
    ],
)
def test_persists(version: str, connection: str | None, answer: Response, expected: bool) -> None:
    assert persists(version, connection, answer) is expected


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"address": ("10.0.0.1", 80)}, ValueError),
        ({"paths": ["/\r\nX: y"]}, HTTPError),
        ({"paths": ["no-slash"]}, HTTPError),
        ({"paths": ["/a b"]}, HTTPError),
        ({"connection": "close\r\nX: y"}, HTTPError),
        ({"version": "HTTP/2"}, HTTPError),
    ],
)
def test_bad_input_is_refused_before_connecting(kwargs: dict, error: type[Exception]) -> None:
    call = {"address": ("127.0.0.1", 9), "paths": ["/"]} | kwargs
    with pytest.raises(error):
        get_all(**call)


def test_a_server_that_talks_after_closing_its_response_is_an_error(no_leaks: None) -> None:
    """Connection: close, then more bytes: the client must not take them for a next response."""
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def serve() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\nextra")

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            with pytest.raises(HTTPError, match="more after the response"):
                get_all(listener.getsockname(), ["/", "/"])
        finally:
            thread.join()


# curl as the client: a real peer reuses the connection too


def curl(*args: str) -> str:
    binary = need("HTTP", "curl", "apt-get install curl")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run(
        [binary, "--silent", "--show-error", "--max-time", "10", *args],
        capture_output=True,
        env=env,
        timeout=20,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def urls(server: CountingHTTPServer, *paths: str) -> list[str]:
    return [f"http://127.0.0.1:{server.address[1]}{path}" for path in paths]


def test_curl_reuses_one_connection_for_several_urls(server: CountingHTTPServer) -> None:
    """One curl command, three URLs on the same host: curl connects once (num_connects 1, 0, 0), and the
    server agrees: it accepted one connection and saw all three requests on it."""
    out = curl(
        "--write-out",
        "%{http_code} %{num_connects}\n",
        *["--output", "/dev/null"] * 3,
        *urls(server, "/", "/chunked", "/"),
    )
    assert out == "200 1\n200 0\n200 0\n"
    assert server.log == [(1, "/"), (1, "/chunked"), (1, "/")]


def test_curl_with_connection_close_connects_for_each_url(server: CountingHTTPServer) -> None:
    curl("--header", "Connection: close", "--output", "/dev/null", "--output", "/dev/null", *urls(server, "/", "/"))
    assert server.log == [(1, "/"), (2, "/")]


def test_curl_after_a_body_without_length_connects_again(server: CountingHTTPServer) -> None:
    out = curl("--write-out", "%{num_connects}\n", *urls(server, "/no-length", "/no-length"))
    assert out == (b"".join(PIECES).decode() + "1\n") * 2
    assert server.log == [(1, "/no-length"), (2, "/no-length")]
