"""A threaded TCP echo server and client that speak length-prefixed frames.

Builds on framing.py. One thread per connection, so a slow, silent or broken
client only ends its own connection while the server keeps serving others.

Shown on docs/*/tcp-ip/, run by notebooks/tcp_ip_echo.ipynb, tested by tests/tcp_ip/.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from snippets.loopback import LOOPBACK, ListeningServer
from snippets.tcp_ip.framing import MAX_PAYLOAD, FrameError, close_after_error, encode_frame, read_frame


class EchoError(Exception):
    """The server answered with an error frame."""


class EchoServer(ListeningServer):
    """Echo every data frame back; answer a bad frame with an error frame."""

    def __init__(self, idle_timeout: float = 5.0, max_payload: int = MAX_PAYLOAD):
        if not 0 <= max_payload <= MAX_PAYLOAD:
            raise ValueError(f"max_payload must be between 0 and {MAX_PAYLOAD}")
        self.idle_timeout = idle_timeout
        self.max_payload = max_payload
        self.served_connections = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()

    def start(self) -> EchoServer:
        if self._listener is not None:
            raise RuntimeError("server is already started")
        self._listener = socket.create_server((LOOPBACK, 0))  # port 0: the OS picks
        self._listener.settimeout(0.05)  # wake up now and then to notice close()
        self._accept_thread = self._spawn(self._serve, "echo-accept", self._listener)
        return self

    # --8<-- [start:serve]
    def _serve(self, listener: socket.socket) -> None:
        """Accept connections and give each one its own thread."""
        with listener:
            while not self._stopping.is_set():
                try:
                    conn, _peer = listener.accept()
                except TimeoutError:
                    continue
                with self._lock:
                    self.served_connections += 1
                    self._connections.add(conn)
                self._spawn(self._handle, "echo-connection", conn)

    # --8<-- [end:serve]

    # --8<-- [start:handle]
    def _handle(self, conn: socket.socket) -> None:
        """Echo frames until the peer closes, goes silent, or misbehaves."""
        conn.settimeout(self.idle_timeout)  # a silent peer must not keep a thread
        try:
            while (frame := read_frame(conn, self.max_payload)) is not None:
                _kind, payload = frame
                conn.sendall(encode_frame(payload))  # send() may write only part
        except FrameError as exc:
            self._record(str(exc))
            with contextlib.suppress(OSError):  # the peer may already be gone
                conn.sendall(encode_frame(str(exc).encode(), b"E"))
            close_after_error(conn)  # FIN, not RST: the peer gets to read the error frame
        except TimeoutError:
            self._record(f"idle for more than {self.idle_timeout} s")
        except OSError as exc:
            self._record(f"connection error: {type(exc).__name__}")
        finally:
            with self._lock:
                self._connections.discard(conn)
            conn.close()  # a no-op if close_after_error() closed it

    # --8<-- [end:handle]

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting, end open connections and wait for every thread."""
        self._stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout)  # it closes the listener on its way out
        with self._lock:
            connections, threads = list(self._connections), list(self._threads)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv()
        for thread in threads:
            thread.join(timeout)

    def __enter__(self) -> EchoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, name=name)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        return thread

    def _record(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)


# --8<-- [start:client]
def echo_once(address: tuple[str, int], messages: list[bytes]) -> list[bytes]:
    """Send each message, read its echo, then close the connection politely."""
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only connects to {LOOPBACK}")
    replies: list[bytes] = []
    with socket.create_connection(address, timeout=5.0) as sock:
        for message in messages:
            sock.sendall(encode_frame(message))
            frame = read_frame(sock)
            if frame is None:
                raise EchoError("server closed the connection")
            kind, payload = frame
            if kind == b"E":
                raise EchoError(payload.decode())
            replies.append(payload)
        sock.shutdown(socket.SHUT_WR)  # "no more data from me": the server sees EOF
        while sock.recv(4096):  # wait for the server's EOF: an orderly close
            pass
    return replies


# --8<-- [end:client]
