"""The HTTP demos against real peers on 127.0.0.1: curl 7.88 and h11 0.16 as clients of the demo server, and
an h11 server that sends 103 Early Hints before its answer to the raw client.

Each test asserts what a real peer needs (issue 13, F5-F8). Without curl or h11 the tests skip with one
line saying what to install; with CI=true they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest

from snippets.website.http_raw import fetch
from snippets.website.http_server import PAGE, LocalHTTPServer
from tests.peers import missing_peer

pytestmark = pytest.mark.timeout(30)

HOST = "www.example.test"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as running:
        yield running


@pytest.fixture(scope="module")
def h11():
    try:
        import h11
    except ImportError:
        missing_peer("HTTP", "h11", "pip install h11==0.16.0")
    return h11


def curl(*args: str) -> str:
    """Run curl 7.88 with the given arguments; its stdout. Proxies from the environment are ignored."""
    if shutil.which("curl") is None:
        missing_peer("HTTP", "curl", "apt-get install curl")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run(
        ["curl", "--silent", "--show-error", "--max-time", "10", *args],
        capture_output=True,
        env=env,
        timeout=20,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()  # not text=True: that would turn CRLF into LF


def url(server: LocalHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.address[1]}{path}"


# curl as the client


def test_curl_posts_two_bodies_on_one_connection(server: LocalHTTPServer) -> None:
    """F5: both bodies are read as bodies, and the second request reuses the connection (0 new connects)."""
    report = "%{http_code} %{num_connects}\n"
    out = curl(
        *("--data", "first", "--write-out", report, url(server, "/echo")),
        "--next",
        *("--silent", "--data", "second", "--write-out", report, url(server, "/echo")),
    )
    assert out == "first200 1\nsecond200 0\n"


def test_curl_is_not_answered_with_a_smuggled_response(server: LocalHTTPServer) -> None:
    """F5, the issue's case: a GET whose body is a request; curl's next request on that connection must get
    its own answer (200), not the answer to the smuggled request (404)."""
    smuggled = f"GET /nope HTTP/1.1\r\nHost: {HOST}\r\n\r\n"
    out = curl(
        *("--request", "GET", "--header", "Content-Type:", "--data-binary", smuggled),
        *("--output", "/dev/null", url(server, "/")),
        "--next",
        *("--silent", "--write-out", "%{http_code} %{num_connects}", url(server, "/")),
    )
    assert out.endswith("200 0")  # same connection, the page's status
    assert out.removesuffix("200 0").encode() == PAGE


def test_curl_head(server: LocalHTTPServer) -> None:
    """F7: curl -I gets GET's header fields and no body; curl would complain of a body left over otherwise."""
    out = curl("--head", url(server, "/"), "--next", "--silent", "--head", url(server, "/chunked"))
    first, second = out.split("\r\n\r\n")[:2]
    assert first.splitlines()[0] == "HTTP/1.1 200 OK"
    assert f"Content-Length: {len(PAGE)}" in first.splitlines()
    assert "Transfer-Encoding: chunked" in second.splitlines()


def test_curl_http_1_0_gets_no_chunked(server: LocalHTTPServer) -> None:
    """F6: curl -0 asks in HTTP/1.0, which has no chunked coding; the body ends when the server closes."""
    out = curl("--http1.0", "--include", url(server, "/chunked"))
    head, _, body = out.partition("\r\n\r\n")
    assert body == "Hello, chunked world!\n"
    assert "transfer-encoding" not in head.lower()
    assert "Connection: close" in head.splitlines()


def test_curl_http_1_0_without_host(server: LocalHTTPServer) -> None:
    """F7: 'Host:' with no value makes curl leave the header out; HTTP/1.0 allows that."""
    out = curl(
        "--http1.0", "--header", "Host:", "--write-out", "%{http_code}", "--output", "/dev/null", url(server, "/")
    )
    assert out == "200"


def test_curl_through_the_server_as_a_proxy_sends_absolute_form(server: LocalHTTPServer) -> None:
    """F7: with --proxy curl sends 'GET http://www.example.test/ HTTP/1.1'; the server serves its own site
    and answers 421 Misdirected Request for another."""
    proxy = url(server, "")
    assert curl("--proxy", proxy, f"http://{HOST}/").encode() == PAGE
    report = ("--write-out", "%{http_code}", "--output", "/dev/null")
    assert curl("--proxy", proxy, *report, "http://elsewhere.test/") == "421"


# h11 as the client


def test_h11_client_keep_alive_with_bodies_and_head(server: LocalHTTPServer, h11) -> None:
    """F5, F7: h11 checks every response's framing; one connection carries a Content-Length body, a chunked
    body, a HEAD and a chunked GET."""
    client = h11.Connection(h11.CLIENT)
    headers = [("Host", HOST)]
    exchanges = [
        (h11.Request(method="POST", target="/echo", headers=[*headers, ("Content-Length", "5")]), [b"hello"]),
        (
            h11.Request(method="POST", target="/echo", headers=[*headers, ("Transfer-Encoding", "chunked")]),
            [b"ab", b"c"],
        ),
        (h11.Request(method="HEAD", target="/", headers=headers), []),
        (h11.Request(method="GET", target="/chunked", headers=headers), []),
    ]
    results = []
    with socket.create_connection(server.address, timeout=5) as sock:
        for request, body in exchanges:
            sock.sendall(client.send(request))
            for piece in body:
                sock.sendall(client.send(h11.Data(data=piece)))
            sock.sendall(client.send(h11.EndOfMessage()))
            status, received = None, b""
            while True:
                event = client.next_event()
                if event is h11.NEED_DATA:
                    client.receive_data(sock.recv(65536))
                elif isinstance(event, h11.Response):
                    status = event.status_code
                elif isinstance(event, h11.Data):
                    received += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
            results.append((status, received))
            client.start_next_cycle()  # raises unless both sides may keep the connection
    assert results == [(200, b"hello"), (200, b"abc"), (200, b""), (200, b"Hello, chunked world!\n")]


# h11 as the server


class EarlyHintsServer:
    """One connection: h11 reads the request, then sends 103 Early Hints and a 200 with a body."""

    def __init__(self, h11):
        self.h11 = h11
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = self.listener.getsockname()
        self.request_target: bytes | None = None
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        h11 = self.h11
        conn, _ = self.listener.accept()
        with conn:
            conn.settimeout(5)
            server = h11.Connection(h11.SERVER)
            while not isinstance(event := server.next_event(), h11.EndOfMessage):
                if event is h11.NEED_DATA:
                    server.receive_data(conn.recv(65536))
                elif isinstance(event, h11.Request):
                    self.request_target = event.target
            hints = [("Link", "</style.css>; rel=preload; as=style")]
            conn.sendall(server.send(h11.InformationalResponse(status_code=103, headers=hints)))
            conn.sendall(server.send(h11.Response(status_code=200, headers=[("Content-Length", "6")])))
            conn.sendall(server.send(h11.Data(data=b"final\n")))
            conn.sendall(server.send(h11.EndOfMessage()))

    def __enter__(self) -> EarlyHintsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.thread.join(timeout=10)
        self.listener.close()


def test_raw_client_skips_103_early_hints_from_h11(h11) -> None:
    """F8: the 103 is interim; the answer is the 200 after it (RFC 9110 15.2)."""
    with EarlyHintsServer(h11) as peer:
        response = fetch(peer.address, HOST, "/")
    assert (response.status, response.body) == (200, b"final\n")
    assert response.interim == (103,)
    assert peer.request_target == b"/"
