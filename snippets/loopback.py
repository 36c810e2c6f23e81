"""What the demo servers share: they listen on 127.0.0.1, on a port the kernel picks (port 0).

Nothing in this project connects anywhere else; the servers' `address` is where clients go.
"""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


class ListeningServer:
    """A server with a listening socket in `_listener`; `address` is its real (host, port)."""

    _listener: socket.socket | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._listener is None:
            raise RuntimeError("server is not started")
        host, port = self._listener.getsockname()
        return host, port
