"""Tests for snippets.website.tls: a trustme CA, a TLS server on 127.0.0.1, and the two classic failures."""

from __future__ import annotations

import contextlib
import datetime
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from snippets.website.tls import PAGE, TLSServer, handshake, https_get, make_ca, server_context

pytestmark = pytest.mark.timeout(10)

HOST = "www.example.test"
MISMATCH = "Hostname mismatch, certificate is not valid for 'other.test'."
UNKNOWN_ISSUER = "unable to get local issuer certificate"


@pytest.fixture(scope="module")
def ca():
    return make_ca("Example Test CA")


@pytest.fixture(scope="module")
def ca_pem(ca) -> bytes:
    return ca.cert_pem.bytes()


@pytest.fixture
def server(ca):
    with TLSServer(ca) as running:
        yield running


def test_handshake_succeeds_and_reports_the_certificate(server: TLSServer, ca_pem: bytes) -> None:
    result = handshake(server.address, HOST, ca_pem)
    assert (result.verified, result.version, result.error) == (True, "TLSv1.3", None)
    assert (result.peer_subject_cn, result.peer_issuer_o, result.peer_names) == (HOST, "Example Test CA", (HOST,))


def test_hostname_mismatch_fails_verification(server: TLSServer, ca_pem: bytes) -> None:
    result = handshake(server.address, "other.test", ca_pem)
    assert (result.verified, result.version, result.error) == (False, None, MISMATCH)
    server.close()
    assert (server.handshakes, server.errors) == (0, ["SSLV3_ALERT_BAD_CERTIFICATE"])  # the client's alert


def test_untrusted_ca_fails_verification(server: TLSServer) -> None:
    stranger = make_ca("Some Other CA")
    result = handshake(server.address, HOST, stranger.cert_pem.bytes())
    assert (result.verified, result.error) == (False, UNKNOWN_ISSUER)
    server.close()
    assert server.errors == ["TLSV1_ALERT_UNKNOWN_CA"]


def test_the_failures_are_ssl_cert_verification_errors(server: TLSServer, ca_pem: bytes) -> None:
    context = ssl.create_default_context(cadata=ca_pem.decode())
    for hostname, reason in (("other.test", MISMATCH), (HOST, None)):
        with socket.create_connection(server.address, timeout=5) as raw:
            if reason is None:
                with context.wrap_socket(raw, server_hostname=hostname) as tls:
                    assert tls.version() == "TLSv1.3"
                continue
            with pytest.raises(ssl.SSLCertVerificationError) as caught:
                context.wrap_socket(raw, server_hostname=hostname)
            assert (caught.value.verify_code, caught.value.verify_message) == (62, reason)


def test_server_keeps_serving_after_failed_handshakes(server: TLSServer, ca_pem: bytes) -> None:
    assert not handshake(server.address, "other.test", ca_pem).verified
    assert handshake(server.address, HOST, ca_pem).verified
    server.close()
    assert (server.handshakes, len(server.errors)) == (1, 1)


def test_https_get_is_http_inside_tls(server: TLSServer, ca_pem: bytes) -> None:
    response = https_get(server.address, HOST, ca_pem)
    assert (response.status, response.body) == (200, b"hello over TLS\n")
    with pytest.raises(ssl.SSLCertVerificationError):
        https_get(server.address, "other.test", ca_pem)


def test_tls_1_2_is_the_minimum(server: TLSServer, ca_pem: bytes) -> None:
    old = ssl.create_default_context(cadata=ca_pem.decode())
    old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(server.address, timeout=5) as raw:
        with old.wrap_socket(raw, server_hostname=HOST) as tls:
            assert tls.version() == "TLSv1.2"  # still allowed
    assert server_context(make_ca("x"), HOST).minimum_version == ssl.TLSVersion.TLSv1_2


def test_plain_http_to_a_tls_port_is_a_handshake_error(server: TLSServer) -> None:
    with socket.create_connection(server.address, timeout=5) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n")
        with contextlib.suppress(ConnectionResetError):
            assert raw.recv(1024) == b""  # no HTTP answer: the server hangs up
    server.close()
    assert server.errors == ["HTTP_REQUEST"]  # OpenSSL recognises the mistake


def test_only_loopback() -> None:
    with pytest.raises(ValueError, match="only connects to 127.0.0.1"):
        handshake(("93.184.216.34", 443), "example.com", b"")
    with pytest.raises(ValueError, match="only connects to 127.0.0.1"):
        https_get(("93.184.216.34", 443), "example.com", b"")


def test_start_close_and_address_misuse(ca) -> None:
    server = TLSServer(ca)
    with pytest.raises(RuntimeError, match="not started"):
        server.address
    server.close()
    with server, pytest.raises(RuntimeError, match="already started"):
        server.start()


def test_close_leaves_no_threads_behind(ca, ca_pem: bytes) -> None:
    before = threading.active_count()
    with TLSServer(ca) as server:
        assert handshake(server.address, HOST, ca_pem).verified
        assert not handshake(server.address, "other.test", ca_pem).verified
    assert threading.active_count() == before
    assert (server.handshakes, server.errors) == (1, ["SSLV3_ALERT_BAD_CERTIFICATE"])


def stuck_in_a_handshake(server: TLSServer, silent: socket.socket) -> None:
    """Send the start of a ClientHello, then nothing, and wait (no fixed sleep) until the server has
    accepted the connection: from then on it is, or is about to be, blocked reading the rest."""
    silent.sendall(b"\x16\x03\x01")
    for _ in range(500):  # 5 s at most: only a hang takes that long
        if server._wakers:
            return
        time.sleep(0.01)
    pytest.fail("the server never accepted the connection")


def test_close_wakes_a_server_stuck_in_a_handshake(ca) -> None:
    """close() shuts the connection down, so the blocked handshake ends at once with an EOF error. Had it
    waited for the server's 2 s read timeout instead, the handshake would end in TimeoutError, which the
    server does not record: the EOF error is the proof, whatever the clock says (see the test below)."""
    before = threading.active_count()
    with TLSServer(ca) as server, socket.create_connection(server.address, timeout=5) as silent:
        stuck_in_a_handshake(server, silent)
        server.close()
    assert threading.active_count() == before
    assert server.errors == ["UNEXPECTED_EOF_WHILE_READING"]


def test_a_handshake_left_to_time_out_records_no_eof_error(ca) -> None:
    """The negative of the test above: without close()'s wake-up the server waits out its read timeout,
    and `errors` stays empty, so that test's assertion would fail."""
    with TLSServer(ca) as server, socket.create_connection(server.address, timeout=5) as silent:
        stuck_in_a_handshake(server, silent)
        with server._lock:
            server._wakers.clear()  # close() finds nothing to wake: the handshake runs into the 2 s timeout
        server.close()
    assert server.errors == []


# F9: the name must be in subjectAltName


def cn_only_context(ca: trustme.CA, directory: Path) -> ssl.SSLContext:
    """A server context whose certificate names www.example.test only in its subject CN (no subjectAltName),
    issued by an intermediate of ca: what Python's default hostname_checks_common_name would still accept."""
    intermediate = ca.create_child_ca()
    issuer = x509.load_pem_x509_certificate(intermediate.cert_pem.bytes())
    issuer_key = serialization.load_pem_private_key(intermediate.private_key_pem.bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )
    (directory / "chain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM) + intermediate.cert_pem.bytes())
    (directory / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "chain.pem", directory / "key.pem")
    return context


def test_a_name_only_in_the_subject_cn_is_not_accepted(ca, ca_pem: bytes, tmp_path: Path) -> None:
    """F9: RFC 9525 6.3 (and RFC 6125 before it): a client checks subjectAltName, never the CN."""
    with TLSServer(ca) as server:
        server.context = cn_only_context(ca, tmp_path)  # used from the next connection on
        result = handshake(server.address, HOST, ca_pem)
        with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
            https_get(server.address, HOST, ca_pem)
    assert (result.verified, result.error) == (False, f"Hostname mismatch, certificate is not valid for '{HOST}'.")
    assert server.handshakes == 0


# F10: close_notify, and one slow client does not hold up the others


def test_the_server_ends_with_close_notify(server: TLSServer, ca_pem: bytes) -> None:
    """Without close_notify a TLS client cannot tell the server's end from a cut connection (RFC 8446 6.1):
    with suppress_ragged_eofs=False Python raises SSLEOFError for a bare TCP close, and reads b"" here."""
    context = ssl.create_default_context(cadata=ca_pem.decode())
    with socket.create_connection(server.address, timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=HOST, suppress_ragged_eofs=False) as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n")
            received = b""
            while chunk := tls.recv(4096):
                received += chunk
    assert received == PAGE


REQUEST = b"GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n"


def slow_client(address: tuple[str, int], ca_pem: bytes, others_done: threading.Event, events: list[str]) -> None:
    """Handshake, then send the request a byte at a time (every 0.1 s, each well inside the server's 2 s read
    timeout) while others_done is unset; the last byte only after it, or after at most about 5 s."""
    context = ssl.create_default_context(cadata=ca_pem.decode())
    with socket.create_connection(address, timeout=10) as raw, context.wrap_socket(raw, server_hostname=HOST) as tls:
        events.append("slow: handshake done")
        sent = 0
        while sent < len(REQUEST) - 1 and not others_done.wait(0.1):
            tls.sendall(REQUEST[sent : sent + 1])
            sent += 1
        others_done.wait(5)
        events.append("slow: request complete")
        tls.sendall(REQUEST[sent:])
        with tls.makefile("rb") as reader:
            events.append(f"slow: {reader.read().splitlines()[0].decode()}")


def test_a_slow_client_does_not_hold_up_others(server: TLSServer, ca_pem: bytes) -> None:
    """F10: while one client trickles its request, another one is served in full. The order of events is
    the proof: served one at a time, the fast client could only finish after the slow one's request."""
    others_done, events = threading.Event(), []
    slow = threading.Thread(target=slow_client, args=(server.address, ca_pem, others_done, events))
    slow.start()
    try:
        for _ in range(500):  # wait (no fixed sleep) until the slow client is inside its request
            if events:
                break
            time.sleep(0.01)
        try:
            response = https_get(server.address, HOST, ca_pem)
            events.append(f"fast: {response.status}")
        except OSError as error:
            events.append(f"fast: {type(error).__name__}")
    finally:
        others_done.set()
        slow.join()
    assert events == ["slow: handshake done", "fast: 200", "slow: request complete", "slow: HTTP/1.1 200 OK"]
