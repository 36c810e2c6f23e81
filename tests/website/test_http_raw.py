"""Tests for snippets.website.http_raw and http_server: request bytes, response parsing, the local server, bad peers."""

from __future__ import annotations

import io
import socket
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snippets.website.http_raw import MAX_BODY, HTTPError, Response, build_request, fetch, parse_response, send_raw
from snippets.website.http_server import LocalHTTPServer
from tests.fuzzing import fuzz

pytestmark = pytest.mark.timeout(10)


def parse(data: bytes) -> Response:
    return parse_response(io.BytesIO(data))


OK_HEAD = b"HTTP/1.1 200 OK\r\n"


# build_request


def test_build_request_bytes() -> None:
    assert build_request("GET", "www.example.test", "/") == (
        b"GET / HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n"
    )
    assert build_request("HEAD", "a.test", "/x?y=1", (("Accept", "text/html"),)) == (
        b"HEAD /x?y=1 HTTP/1.1\r\nHost: a.test\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    )


@pytest.mark.parametrize(
    ("method", "host", "path", "headers"),
    [
        ("GE T", "a.test", "/", ()),
        ("GET", "", "/", ()),
        ("GET", "a.test", "no-slash", ()),
        ("GET", "a.test", "/", (("X-Evil", "1\r\nInjected: yes"),)),  # header injection
        ("GET", "a.test", "/", (("Bad Name", "1"),)),
        ("GET", "a.test", "/", (("host", "b.test"),)),  # a second Host
        ("GET", "a.test", "/", (("Connection", "keep-alive"),)),
    ],
)
def test_build_request_rejects_bad_parts(method: str, host: str, path: str, headers: tuple) -> None:
    with pytest.raises(HTTPError):
        build_request(method, host, path, headers)


# parse_response


def test_content_length_body() -> None:
    response = parse(OK_HEAD + b"Content-Type: text/plain\r\nContent-Length: 5\r\nX-Two:  a b \r\n\r\nhello")
    assert response == Response(
        200, "OK", (("content-type", "text/plain"), ("content-length", "5"), ("x-two", "a b")), b"hello"
    )
    assert response.header("Content-Type") == "text/plain"
    assert response.header("missing") is None


def test_chunked_body_with_extensions_and_trailers() -> None:
    data = (
        OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n1 ; ext\r\n \r\nA\r\n0123456789\r\n0\r\nChecksum: abc\r\n\r\n"
    )
    response = parse(data)
    assert response.body == b"hello 0123456789"
    assert response.trailers == (("checksum", "abc"),)


def test_repeated_equal_content_lengths_are_one_length() -> None:
    assert parse(OK_HEAD + b"Content-Length: 2, 2\r\nContent-Length: 2\r\n\r\nhi").body == b"hi"


def test_body_until_close_and_bodyless_statuses() -> None:
    assert parse(OK_HEAD + b"\r\neverything until EOF").body == b"everything until EOF"
    assert parse(b"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n").body == b""
    assert parse(b"HTTP/1.1 304 Not Modified\r\n\r\nleftover").body == b""
    assert parse(b"HTTP/1.0 200\r\nContent-Length: 0\r\n\r\n").reason == ""  # reason is optional


def test_interim_responses_are_skipped() -> None:
    """F8: 1xx responses before the final one (RFC 9110 15.2) are not the answer."""
    data = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        + OK_HEAD
        + b"Content-Length: 2\r\n\r\nhi"
    )
    response = parse(data)
    assert (response.status, response.interim, response.headers, response.body) == (
        200,
        (100, 103),
        (("content-length", "2"),),
        b"hi",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", "unexpected interim response 101"),
        (b"HTTP/1.1 103 Early Hints\r\n\r\n" * 11 + OK_HEAD + b"\r\n", r"unexpected interim response 103 after \[103"),
        (b"HTTP/1.1 103 Early Hints\r\n\r\n", "closed in the middle of a line"),
        (b"", "closed in the middle of a line"),
        (b"HTTP/1.1 200 OK\n\r\n", "bare LF"),
        (b"HTTP/2 200 OK\r\n\r\n", "malformed status line"),
        (b"HTTP/1.1 20 OK\r\n\r\n", "malformed status line"),
        (b"HTTP/1.1 600 Nope\r\n\r\n", "malformed status line"),
        (b"ICY 200 OK\r\n\r\n", "malformed status line"),
        (b"HTTP/1.1  200 OK\r\n\r\n", "malformed status line"),
        (b"HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n", "malformed header line"),
        (b"HTTP/1.1 200 OK\r\nName : value\r\n\r\n", "malformed header line"),
        (b"HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n", "malformed header line"),
        (b"HTTP/1.1 200 OK\r\nA: 1\r\n", "closed in the middle of a line"),
        (b"HTTP/1.1 200 OK\r\n" + b"A: 1\r\n" * 101 + b"\r\n", "more than 100 header lines"),
        (b"HTTP/1.1 200 OK\r\nA: " + b"x" * 9000 + b"\r\n\r\n", "line longer than 8192"),
        (OK_HEAD + b"Content-Length: 10\r\n\r\nshort", "connection closed after 5 of 10 body bytes"),
        (OK_HEAD + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", "conflicting Content-Length"),
        (OK_HEAD + b"Content-Length: 5, 6\r\n\r\nhello!", "conflicting Content-Length"),
        (OK_HEAD + b"Content-Length: -1\r\n\r\n", "bad Content-Length"),
        (OK_HEAD + b"Content-Length: 0x10\r\n\r\n", "bad Content-Length"),
        (OK_HEAD + b"Content-Length: \r\n\r\n", "bad Content-Length"),
        (OK_HEAD + b"Content-Length: " + str(MAX_BODY + 1).encode() + b"\r\n\r\n", "bad Content-Length"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", "both Transfer-Encoding"),
        (OK_HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n", "unsupported Transfer-Encoding"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size line"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", "bad chunk size line"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n\r\n", "bad chunk size line"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n5", "closed in the middle of a line"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXY0\r\n\r\n", "not followed by CRLF"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhel", "connection closed after 3 of 5"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", "closed in the middle of a line"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n0\r\n", "closed in the middle of a line"),  # no end of trailers
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n100001\r\n", "body larger than"),
    ],
)
def test_bad_responses_raise_http_error(data: bytes, message: str) -> None:
    with pytest.raises(HTTPError, match=message):
        parse(data)


def test_body_until_close_is_limited() -> None:
    with pytest.raises(HTTPError, match="body larger than"):
        parse(OK_HEAD + b"\r\n" + bytes(MAX_BODY + 1))


FUZZ = fuzz(2000)
lines = st.sampled_from(
    [
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.0 404 Not Found\r\n",
        b"HTTP/1.1 103 Early Hints\r\n",
        b"Content-Length: 3\r\n",
        b"Content-Length: 4\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"\r\n",
        b"3\r\nabc\r\n",
        b"0\r\n",
        b"X: y\r\n",
        b"abc",
        b"\n",
        b"ff;x\r\n",
    ]
)


def parses_or_http_error(data: bytes) -> None:
    try:
        response = parse(data)
    except HTTPError:
        return
    assert 100 <= response.status <= 599
    assert all(name == name.lower() for name, _ in response.headers)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_http_error(data: bytes) -> None:
    parses_or_http_error(data)


@FUZZ
@given(st.lists(st.one_of(lines, st.binary(max_size=8)), max_size=10).map(b"".join))
def test_response_shaped_bytes_raise_only_http_error(data: bytes) -> None:
    parses_or_http_error(data)


# the local server, over real sockets


@pytest.fixture(scope="module")
def server():
    with LocalHTTPServer() as running:
        yield running


def test_fetch_page_with_content_length(server: LocalHTTPServer) -> None:
    response = fetch(server.address, "www.example.test", "/")
    assert (response.status, response.reason) == (200, "OK")
    assert response.headers == (
        ("server", "infra-notes-demo"),
        ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ("content-type", "text/html; charset=utf-8"),
        ("content-length", str(len(response.body))),
        ("connection", "close"),  # fetch() asks to close; the server says it does (RFC 9112 §9.6 SHOULD)
    )
    assert b"Hello from www.example.test" in response.body


def test_fetch_chunked(server: LocalHTTPServer) -> None:
    response = fetch(server.address, "www.example.test", "/chunked")
    assert (response.status, response.header("transfer-encoding"), response.body) == (
        200,
        "chunked",
        b"Hello, chunked world!\n",
    )


def test_fetch_not_found(server: LocalHTTPServer) -> None:
    response = fetch(server.address, "www.example.test", "/missing")
    assert (response.status, response.reason, response.body) == (404, "Not Found", b"not found\n")


def test_responses_are_the_same_every_time(server: LocalHTTPServer) -> None:
    assert fetch(server.address, "www.example.test", "/") == fetch(server.address, "www.example.test", "/")


def raw_exchange(address: tuple[str, int], request: bytes) -> Response:
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(request)
        with sock.makefile("rb") as reader:
            return parse_response(reader)


def test_server_requires_host(server: LocalHTTPServer) -> None:
    response = raw_exchange(server.address, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert (response.status, response.body) == (400, b"missing Host\n")


def responses(data: bytes) -> list[Response]:
    """Every response in data, one after another, as a client on a kept-alive connection reads them."""
    reader, found = io.BytesIO(data), []
    while reader.tell() < len(data):
        found.append(parse_response(reader))
    return found


GET_HOME = b"GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n"
SMUGGLED = b"GET /nope HTTP/1.1\r\nHost: smuggled\r\n\r\n"  # 38 bytes


def test_a_request_body_is_read_not_taken_for_the_next_request(server: LocalHTTPServer) -> None:
    """F5, the issue's printf | nc: the body is a request's bytes; the server must answer once, not twice."""
    smuggle = b"GET / HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 38\r\n\r\n" + SMUGGLED
    assert [r.status for r in responses(send_raw(server.address, smuggle))] == [200]
    assert [r.status for r in responses(send_raw(server.address, smuggle + GET_HOME))] == [200, 200]
    as_in_the_issue = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n" + SMUGGLED
    assert [r.status for r in responses(send_raw(server.address, as_in_the_issue))] == [421]  # x: not a site here


def test_bodies_on_a_kept_alive_connection(server: LocalHTTPServer) -> None:
    posts = (
        b"POST /echo HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 5\r\n\r\nfirst"
        b"POST /echo HTTP/1.1\r\nHost: www.example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nsec\r\n3;x=y\r\nond\r\n0\r\nTrailer: t\r\n\r\n"
        b"POST /echo HTTP/1.1\r\nHost: www.example.test\r\n\r\n"  # no length: no body (RFC 9112 6.3)
    )
    assert [(r.status, r.body) for r in responses(send_raw(server.address, posts))] == [
        (200, b"first"),
        (200, b"second"),
        (200, b""),
    ]


@pytest.mark.parametrize(
    ("framing", "status", "message"),
    [
        (b"Transfer-Encoding: chunked\r\nContent-Length: 38\r\n", 400, b"ambiguous framing\n"),
        (b"Content-Length: 38\r\nTransfer-Encoding: chunked\r\n", 400, b"ambiguous framing\n"),
        (b"Transfer-Encoding: gzip, chunked\r\n", 501, b"unsupported Transfer-Encoding\n"),
        (b"Transfer-Encoding: chunked, gzip\r\n", 400, b"chunked is not the last transfer coding\n"),
        (b"Transfer-Encoding: identity\r\n", 400, b"chunked is not the last transfer coding\n"),
        (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 501, b"unsupported Transfer-Encoding\n"),
        (b"Transfer-Encoding: chunked\r\n\r\nzz", 400, b"bad chunk size line: b'zz\\r\\n'\n"),
        (b"Content-Length: 38\r\nContent-Length: 39\r\n", 400, b"bad Content-Length\n"),
        (b"Content-Length: +38\r\n", 400, b"bad Content-Length\n"),
        (b"Content-Length: 99999999999\r\n", 413, b"body too large\n"),
    ],
)
def test_ambiguous_or_unsupported_framing_is_refused_and_the_connection_closed(
    server: LocalHTTPServer, framing: bytes, status: int, message: bytes
) -> None:
    """RFC 9112 6.3: when the body's end is unclear, answer an error and close; never guess."""
    data = b"POST /echo HTTP/1.1\r\nHost: www.example.test\r\n" + framing + b"\r\n" + SMUGGLED + GET_HOME
    (refusal,) = responses(send_raw(server.address, data))  # and nothing after it
    assert (refusal.status, refusal.header("connection"), refusal.body) == (status, "close", message)


def test_transfer_encoding_from_an_http_1_0_client_is_refused(server: LocalHTTPServer) -> None:
    data = b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    assert [r.status for r in responses(send_raw(server.address, data))] == [400]  # RFC 9112 6.1: faulty framing


def test_no_chunked_for_http_1_0(server: LocalHTTPServer) -> None:
    """F6: an HTTP/1.0 client does not know chunked; the server closes the connection to end the body."""
    data = send_raw(server.address, b"GET /chunked HTTP/1.0\r\n\r\n")
    (response,) = responses(data)
    assert (response.status, response.header("transfer-encoding"), response.body) == (
        200,
        None,
        b"Hello, chunked world!\n",
    )
    assert response.header("connection") == "close"


def test_head_has_the_headers_of_get_and_no_body(server: LocalHTTPServer) -> None:
    """F7: HEAD is a GET without the body; the next response on the connection starts right after."""
    data = send_raw(server.address, GET_HOME.replace(b"GET", b"HEAD") + GET_HOME)
    head, _, rest = data.partition(b"\r\n\r\n")
    (get,) = responses(rest)
    assert head.decode().split("\r\n")[1:] == [f"{n.title()}: {v}" for n, v in get.headers]
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert get.body == b"<!doctype html>\n<title>example</title>\n<p>Hello from www.example.test</p>\n"


@pytest.mark.parametrize(
    ("request_head", "status"),
    [
        (b"GET / HTTP/1.1\r\nHost: www.example.test\r\nHost: evil.test\r\n", 400),  # which site?
        (b"GET / HTTP/1.1\r\nHost: www.example.test\r\nHost: www.example.test\r\n", 400),
        (b"GET / HTTP/1.0\r\n", 200),  # Host is required only since HTTP/1.1
        (b"Host: www.example.test\r\n", 400),  # no request line: an error with a status line, not HTTP/0.9's bare body
        (b"GET / HTTP/1.0\r\nHost: www.example.test\r\n", 200),
        (b"GET http://www.example.test/ HTTP/1.1\r\nHost: www.example.test\r\n", 200),  # absolute-form
        (b"GET http://www.example.test:80/chunked HTTP/1.1\r\nHost: other.test\r\n", 200),  # its authority wins
        (b"GET http://other.test/ HTTP/1.1\r\nHost: www.example.test\r\n", 421),
        (b"GET https://www.example.test/ HTTP/1.1\r\nHost: www.example.test\r\n", 400),  # not on this port
        (b"GET / HTTP/1.1\r\nHost: other.test\r\n", 421),
        (b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n", 200),
        (b"GET / HTTP/1.1\r\nHost: [::1\r\n", 400),
        (b"GET http://[::1/ HTTP/1.1\r\nHost: www.example.test\r\n", 400),
    ],
)
def test_host_and_request_target(server: LocalHTTPServer, request_head: bytes, status: int) -> None:
    assert [r.status for r in responses(send_raw(server.address, request_head + b"\r\n"))] == [status]


@pytest.mark.parametrize(
    ("request_head", "status", "allow"),
    [
        (b"POST / HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 0\r\n", 405, "GET, HEAD"),
        (b"GET /echo HTTP/1.1\r\nHost: localhost\r\n", 405, "POST"),
        (b"PUT / HTTP/1.1\r\nHost: www.example.test\r\n", 501, None),  # http.server has no do_PUT
    ],
)
def test_methods_a_path_does_not_allow(server: LocalHTTPServer, request_head: bytes, status: int, allow: str) -> None:
    (response,) = responses(send_raw(server.address, request_head + b"\r\n"))
    assert (response.status, response.header("allow")) == (status, allow)


def test_server_survives_a_client_that_resets(server: LocalHTTPServer) -> None:
    with socket.create_connection(server.address, timeout=5) as rude:
        rude.sendall(b"GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n")  # keep-alive: the server waits for more
        rude.recv(1)
        rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # close = RST
    assert fetch(server.address, "www.example.test", "/").status == 200


class OneShotServer:
    """Accept one connection, read the request, send `reply` as is, close."""

    def __init__(self, reply: bytes):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = self.listener.getsockname()
        self.thread = threading.Thread(target=self._run, args=(reply,))

    def _run(self, reply: bytes) -> None:
        conn, _ = self.listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(reply)

    def __enter__(self) -> OneShotServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.thread.join()
        self.listener.close()


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (OK_HEAD + b"Content-Length: 100\r\n\r\nonly this", "connection closed after 9 of 100 body bytes"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n10\r\ncut", "connection closed after 3 of 16"),
        (b"HTTP/1.1 200 OK\r\nContent-Le", "closed in the middle of a line"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "malformed status line"),
    ],
)
def test_fetch_from_a_server_that_misbehaves(reply: bytes, message: str) -> None:
    with OneShotServer(reply) as bad:
        with pytest.raises(HTTPError, match=message):
            fetch(bad.address, "www.example.test", "/")


def test_fetch_only_connects_to_loopback() -> None:
    with pytest.raises(ValueError, match="only connects to 127.0.0.1"):
        fetch(("93.184.216.34", 80), "example.com", "/")
    with pytest.raises(ValueError, match="only connects to 127.0.0.1"):
        send_raw(("93.184.216.34", 80), b"GET / HTTP/1.0\r\n\r\n")


def test_start_close_and_address_misuse() -> None:
    server = LocalHTTPServer()
    with pytest.raises(RuntimeError, match="not started"):
        server.address
    server.close()
    with server, pytest.raises(RuntimeError, match="already started"):
        server.start()


def test_close_leaves_no_threads_behind() -> None:
    before = threading.active_count()
    running = set(threading.enumerate())
    with LocalHTTPServer() as server:
        for path in ("/", "/chunked", "/x"):
            fetch(server.address, "www.example.test", path)
    assert threading.active_count() == before
    assert set(threading.enumerate()) == running


request_lines = st.sampled_from(
    [
        b"GET / HTTP/1.1\r\n",
        b"POST /echo HTTP/1.1\r\n",
        b"GET /chunked HTTP/1.0\r\n",
        b"GET http://www.example.test/ HTTP/1.1\r\n",
        b"Host: www.example.test\r\n",
        b"Host: other.test\r\n",
        b"Content-Length: 3\r\n",
        b"Content-Length: x\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Expect: 100-continue\r\n",
        b"Connection: close\r\n",
        b"\r\n",
        b"3\r\nabc\r\n",
        b"0\r\n\r\n",
        b"abc",
    ]
)


@fuzz(300)
@given(st.lists(st.one_of(request_lines, st.binary(max_size=8)), max_size=12).map(b"".join))
def test_the_server_answers_anything_with_well_framed_responses(server: LocalHTTPServer, data: bytes) -> None:
    """Whatever arrives, every byte the server sends back parses as complete responses: never a half-framed
    one a client could misread (a 100 Continue before a final response is skipped as interim)."""
    for response in responses(send_raw(server.address, data)):
        assert response.status in (200, 400, 404, 405, 413, 421, 501), response
