"""The Jupyter kernel manager for every notebook run here: `make notebooks` (tools/notebooks.py) and nbval
(tools/pytest_guards.py)."""

from __future__ import annotations

import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_core.paths import jupyter_runtime_dir


class _Ipc:
    """A kernel whose ZeroMQ channels are Unix sockets, not loopback TCP ports.

    Over TCP a stopped kernel's client kept reconnecting to the kernel's old ports for a while, and a demo
    server that bind(port 0) gave one of those ports read ZeroMQ's greeting (0xff, then padding) as a frame:
    "unknown frame kind: b'\\xff'" in notebooks/event_driven_asyncio.ipynb, once in a make test run. Over IPC
    no port is taken. It also spares ipykernel's warning that its TCP channels are unencrypted.
    """

    def __init__(self, **kwargs):
        # An absolute path: by default "kernel-ipc" is relative to the working directory, and a kernel started
        # in the notebook's folder listened where its client did not look. Not under TMPDIR: each notebook's
        # kernel gets a private one that must be empty after its last cell (tools/pytest_guards.py).
        runtime = Path(jupyter_runtime_dir())
        runtime.mkdir(parents=True, exist_ok=True)
        super().__init__(transport="ipc", ip=str(runtime / f"ipc-{uuid.uuid4().hex[:12]}"), **kwargs)


class IpcKernelManager(_Ipc, KernelManager):
    """nbval's (blocking) kernel manager, over IPC."""


class AsyncIpcKernelManager(_Ipc, AsyncKernelManager):
    """nbclient's (async) kernel manager, over IPC."""
