"""The TLS demos against real peers on 127.0.0.1: OpenSSL 3.0's s_client and curl 7.88 as clients of the
demo server, and OpenSSL's s_server (with a chain made by the openssl command: root, intermediate, leaf)
as the server for the demo client.

Each test asserts what a real peer needs (issue 13, F9-F10). Without openssl or curl the tests skip with
one line saying what to install; with CI=true they fail instead.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from snippets.website.tls import PAGE, TLSServer, handshake, https_get, make_ca
from tests.peers import need, openssl_s_server
from tests.website.test_tls import REQUEST, slow_client

pytestmark = pytest.mark.timeout(30)

HOST = "www.example.test"


def openssl(*args: str | Path, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [need("TLS", "openssl", "apt-get install openssl"), *map(str, args)],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        timeout=20,
    )


# the demo server, trusted through its CA's certificate in a file


@pytest.fixture(scope="module")
def ca():
    return make_ca("Example Test CA")


@pytest.fixture(scope="module")
def ca_file(ca, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def server(ca) -> Iterator[TLSServer]:
    with TLSServer(ca) as running:
        yield running


def test_s_client_gets_the_page_and_a_clean_close(server: TLSServer, ca_file: Path) -> None:
    """F10: -quiet waits for the server to end the connection. With close_notify that is a clean end and exit
    status 0; a bare TCP close is 'unexpected eof while reading' and exit status 1 (RFC 8446 6.1)."""
    done = openssl(
        *("s_client", "-connect", f"127.0.0.1:{server.address[1]}", "-servername", HOST),
        *("-CAfile", ca_file, "-verify_return_error", "-verify_hostname", HOST, "-quiet"),
        cwd=ca_file.parent,
        stdin=REQUEST,
    )
    assert b"unexpected eof" not in done.stderr
    assert (done.returncode, done.stdout) == (0, PAGE), done.stderr.decode()
    server.close()
    assert (server.handshakes, server.errors) == (1, [])


def test_s_client_is_refused_a_name_the_certificate_lacks(server: TLSServer, ca_file: Path) -> None:
    done = openssl(
        *("s_client", "-connect", f"127.0.0.1:{server.address[1]}", "-servername", "other.test"),
        *("-CAfile", ca_file, "-verify_return_error", "-verify_hostname", "other.test", "-quiet"),
        cwd=ca_file.parent,
    )
    assert done.returncode == 1
    assert b"hostname mismatch" in done.stderr


def test_curl_is_served_while_a_slow_client_trickles(server: TLSServer, ca, ca_file: Path) -> None:
    """F10: curl gets the page while another client is still sending its request a byte at a time; served one
    connection at a time, curl would wait behind it until its --max-time. The order of events is the proof."""
    need("TLS", "curl", "apt-get install curl")
    others_done, events = threading.Event(), []
    slow = threading.Thread(target=slow_client, args=(server.address, ca.cert_pem.bytes(), others_done, events))
    slow.start()
    try:
        for _ in range(500):  # wait (no fixed sleep) until the slow client is inside its request
            if events:
                break
            time.sleep(0.01)
        port = server.address[1]
        done = subprocess.run(
            ["curl", "--silent", "--show-error", "--max-time", "8", "--cacert", str(ca_file)]
            + ["--resolve", f"{HOST}:{port}:127.0.0.1", f"https://{HOST}:{port}/"],
            capture_output=True,
            timeout=20,
            env={k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
        )
        events.append(f"curl: exit {done.returncode}")
    finally:
        others_done.set()
        slow.join()
    assert events == ["slow: handshake done", "curl: exit 0", "slow: request complete", "slow: HTTP/1.1 200 OK"]
    assert done.stdout == b"hello over TLS\n"


# openssl s_server, with a chain made by the openssl command: the demo client must check what curl checks


NEW_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Path:
    """root.pem (trusted) -> inter.pem -> san.pem (subjectAltName www.example.test) and cn.pem (CN only)."""
    d = tmp_path_factory.mktemp("chain")

    def run(*args: str) -> None:
        done = openssl(*args, cwd=d)
        assert done.returncode == 0, done.stderr.decode()

    def issue(name: str, subject: str, issuer: str, extensions: str) -> None:
        (d / f"{name}.ext").write_text(extensions)
        run("req", *NEW_KEY, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject)
        run(
            *("x509", "-req", "-in", f"{name}.csr", "-CA", f"{issuer}.pem", "-CAkey", f"{issuer}.key"),
            *("-CAcreateserial", "-days", "1", "-extfile", f"{name}.ext", "-out", f"{name}.pem"),
        )

    run(
        *("req", "-x509", *NEW_KEY, "-keyout", "root.key", "-out", "root.pem", "-days", "1"),
        *("-subj", "/O=Peer Root CA", "-addext", "basicConstraints=critical,CA:TRUE"),
        *("-addext", "keyUsage=critical,keyCertSign"),
    )
    issue(
        "inter",
        "/O=Peer Intermediate CA",
        "root",
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n",
    )
    issue("san", f"/CN={HOST}", "inter", f"basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:{HOST}\n")
    issue("cn", f"/CN={HOST}", "inter", "basicConstraints=critical,CA:FALSE\n")  # the name only in the subject CN
    return d


def s_server(chain: Path, leaf: str):
    """openssl s_server with leaf and the intermediate, answering GET / with its status page (-www)."""
    return openssl_s_server(chain, "-cert", f"{leaf}.pem", "-key", f"{leaf}.key", "-cert_chain", "inter.pem", "-www")


def test_client_trusts_a_san_certificate_from_s_server_through_an_intermediate(chain: Path) -> None:
    root = (chain / "root.pem").read_bytes()
    with s_server(chain, "san") as address:
        result = handshake(address, HOST, root)
        response = https_get(address, HOST, root)
    assert (result.verified, result.peer_names, result.peer_issuer_o) == (True, (HOST,), "Peer Intermediate CA")
    assert (response.status, response.header("content-type")) == (200, "text/html")  # OpenSSL's status page
    assert response.body.startswith(b"<HTML>")


def test_client_refuses_a_cn_only_certificate_from_s_server(chain: Path) -> None:
    """F9: the certificate is valid and chains to the trusted root, but names the host only in its subject
    CN; RFC 9525 6.3: a client checks subjectAltName, so this is a hostname mismatch."""
    root = (chain / "root.pem").read_bytes()
    with s_server(chain, "cn") as address:
        result = handshake(address, HOST, root)
    assert (result.verified, result.peer_names) == (False, ())
    assert result.error == f"Hostname mismatch, certificate is not valid for '{HOST}'."
