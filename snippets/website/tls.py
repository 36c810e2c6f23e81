"""TLS on loopback with a certificate authority of our own, made by trustme.

The server proves it is www.example.test with a certificate signed by a CA;
the client trusts that CA's certificate (public data only: never its key)
and checks two things: the chain ends at a CA it trusts, and the name it
asked for is in the certificate. Either failing stops the handshake.

Builds on http_raw.py: HTTPS is the same HTTP inside TLS.
Shown on docs/*/website.md, run by notebooks/website_tls.ipynb, tested by tests/website/.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from dataclasses import dataclass

import trustme

from snippets.loopback import LOOPBACK, ListeningServer
from snippets.website.http_raw import Response, build_request, parse_response

PAGE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\nConnection: close\r\n\r\nhello over TLS\n"


@dataclass(frozen=True)
class HandshakeResult:
    verified: bool
    version: str | None  # e.g. TLSv1.3
    peer_subject_cn: str | None
    peer_issuer_o: str | None
    peer_names: tuple[str, ...]  # subjectAltName DNS entries: what is checked
    error: str | None  # why verification failed, in OpenSSL's words


def make_ca(organization: str) -> trustme.CA:
    """A fresh CA; the unit name is fixed so nothing random shows."""
    return trustme.CA(organization_name=organization, organization_unit_name="infra-notes")


# --8<-- [start:server-context]
def server_context(ca: trustme.CA, hostname: str) -> ssl.SSLContext:
    """A server context holding a certificate for hostname, signed by ca."""
    cert = ca.issue_cert(hostname, common_name=hostname, organization_name="Example Site", organization_unit_name="web")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.num_tickets = 0  # no TLS 1.3 session tickets: nothing left unread at close
    cert.configure_cert(context)  # the key and the chain up to (not incl.) the CA
    return context


# --8<-- [end:server-context]


class TLSServer(ListeningServer):
    """Serve each connection in a thread of its own: handshake, one fixed HTTP response, close_notify."""

    def __init__(self, ca: trustme.CA, hostname: str = "www.example.test"):
        self.context = server_context(ca, hostname)
        self.handshakes = 0
        self.errors: list[str] = []  # complete once close() returns
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._wakers: set[socket.socket] = set()  # one per open connection: close() shuts them down

    def start(self) -> TLSServer:
        if self._listener is not None:
            raise RuntimeError("server is already started")
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.05)  # wake up now and then to notice close()
        self._thread = threading.Thread(target=self._serve, args=(self._listener,), name="tls-serve")
        self._thread.start()
        return self

    def _serve(self, listener: socket.socket) -> None:
        workers: list[threading.Thread] = []
        with listener:
            while not self._stopping.is_set():
                try:
                    conn, _peer = listener.accept()
                except TimeoutError:
                    continue
                conn.settimeout(2.0)
                waker = conn.dup()  # wrap_socket takes conn over; shutting a dup down still wakes a blocked read
                with self._lock:
                    self._wakers.add(waker)
                # a thread per connection, so a slow client delays only itself
                workers = [w for w in workers if w.is_alive()]
                workers.append(threading.Thread(target=self._handle, args=(conn, waker), name="tls-conn"))
                workers[-1].start()
        for worker in workers:
            worker.join()

    def _handle(self, conn: socket.socket, waker: socket.socket) -> None:
        try:
            self._exchange(conn)
        finally:
            with self._lock:
                self._wakers.discard(waker)
            waker.close()

    def _exchange(self, conn: socket.socket) -> None:
        try:
            tls = self.context.wrap_socket(conn, server_side=True)  # the handshake
        except ssl.SSLError as exc:
            self.errors.append(exc.reason or type(exc).__name__)  # the client's alert
            return
        except OSError:
            return
        with self._lock:
            self.handshakes += 1
        with tls:
            try:
                request = b""
                while b"\r\n\r\n" not in request and len(request) < 8192:
                    if not (chunk := tls.recv(4096)):
                        return  # the client only wanted the handshake
                    request += chunk
                tls.sendall(PAGE)
                tls.unwrap()  # close_notify: the end is the server's choice, not a cut (RFC 8446 §6.1)
            except OSError:
                pass  # a client that left early ends only its own connection

    def close(self) -> None:
        self._stopping.set()
        with self._lock:
            for waker in self._wakers:
                with contextlib.suppress(OSError):  # already closed: nothing to wake
                    waker.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> TLSServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --8<-- [start:client]
def _client_context(trusted_ca_pem: bytes) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=trusted_ca_pem.decode("ascii"))  # only this CA
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.hostname_checks_common_name = False  # the name must be in subjectAltName (RFC 9525 §6.3)
    return context


def _field(name: tuple[tuple[tuple[str, str], ...], ...], key: str) -> str | None:
    return next((value for rdn in name for k, value in rdn if k == key), None)


def handshake(address: tuple[str, int], server_hostname: str, trusted_ca_pem: bytes) -> HandshakeResult:
    """Connect, verify the server's certificate for server_hostname, report."""
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only connects to {LOOPBACK}")
    context = _client_context(trusted_ca_pem)
    with socket.create_connection(address, timeout=5.0) as raw:
        try:
            with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
                cert = tls.getpeercert()
                return HandshakeResult(
                    True,
                    tls.version(),
                    _field(cert["subject"], "commonName"),
                    _field(cert["issuer"], "organizationName"),
                    tuple(v for k, v in cert.get("subjectAltName", ()) if k == "DNS"),
                    None,
                )
        except ssl.SSLCertVerificationError as exc:
            return HandshakeResult(False, None, None, None, (), exc.verify_message)


# --8<-- [end:client]


def https_get(address: tuple[str, int], server_hostname: str, trusted_ca_pem: bytes, path: str = "/") -> Response:
    """The same GET as over plain TCP, written into the TLS socket instead."""
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only connects to {LOOPBACK}")
    context = _client_context(trusted_ca_pem)
    with socket.create_connection(address, timeout=5.0) as raw:
        with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
            tls.sendall(build_request("GET", server_hostname, path))
            with tls.makefile("rb") as reader:
                return parse_response(reader)
