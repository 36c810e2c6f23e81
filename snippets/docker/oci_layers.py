"""Image layers as tar files that are byte-for-byte the same on every run and machine, and their digests.

A layer is a tar of the files it adds or changes; a file it deletes is an empty entry named `.wh.<name>`
(a whiteout, OCI image-spec layer.md). The config lists each layer's DiffID, the sha256 of the
uncompressed tar; the manifest lists each blob's digest, the sha256 of the bytes as stored (here gzip).
Next: oci_image.py puts layers, config and manifest into an OCI image layout.

Shown on docs/*/docker.md, run by notebooks/docker_oci_image.ipynb, tested by tests/docker/.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import struct
import tarfile
import zlib

MTIME = 0  # 1970-01-01: a fixed time, as reproducible builds do (SOURCE_DATE_EPOCH)
WHITEOUT = ".wh."

# --8<-- [start:files]
BASE = {"etc/motd": b"hello from layer 1\n", "etc/os-release": b"NAME=from-scratch\n"}
APP = {"app/hello.txt": b"hello from layer 2\n", "etc/motd": None}  # None: layer 2 deletes etc/motd
# --8<-- [end:files]


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --8<-- [start:tar]
def layer_tar(files: dict[str, bytes | None]) -> bytes:
    """An uncompressed layer: sorted entries, owner root, fixed modes and mtime; None makes a whiteout."""
    entries: dict[str, bytes | None] = {}  # path -> content; None for a directory
    for path, content in files.items():
        parent, name = posixpath.split(path)
        if content is None:
            path, content = posixpath.join(parent, WHITEOUT + name), b""
        entries[path] = content
        while parent:
            entries.setdefault(parent, None)
            parent = posixpath.dirname(parent)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path in sorted(entries):
            info = tarfile.TarInfo(path)
            info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "root", "root"
            if entries[path] is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(entries[path]), 0o644
                tar.addfile(info, io.BytesIO(entries[path]))
    return buffer.getvalue()


# --8<-- [end:tar]


def entries(tar: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        return [member.name + "/" * member.isdir() for member in archive.getmembers()]


# --8<-- [start:gzip]
def compress(tar: bytes) -> bytes:
    """gzip (RFC 1952) around deflate "stored" blocks (RFC 1951 3.2.4): the bytes depend only on `tar`.

    Real deflate output differs between zlib builds (zlib, zlib-ng), and Python 3.11's
    gzip.compress(mtime=0) lets zlib write the header's OS byte, so its digest differs between machines.
    """
    header = b"\x1f\x8b\x08\x00" + (0).to_bytes(4, "little") + b"\x00\xff"  # deflate, no flags, mtime 0, OS unknown
    blocks, size = b"", 65535
    for start in range(0, len(tar), size) or [0]:
        chunk, final = tar[start : start + size], start + size >= len(tar)
        blocks += bytes([final]) + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk
    return header + blocks + struct.pack("<II", zlib.crc32(tar), len(tar) & 0xFFFFFFFF)


# --8<-- [end:gzip]


# --8<-- [start:apply]
def apply(layers: list[bytes]) -> dict[str, bytes]:
    """The root filesystem a runtime unpacks: each tar in order, whiteouts deleting from below."""
    root: dict[str, bytes] = {}
    for layer in layers:
        with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
            for member in tar.getmembers():
                parent, name = posixpath.split(member.name)
                if name.startswith(WHITEOUT):
                    hidden = posixpath.join(parent, name[len(WHITEOUT) :])
                    root = {p: c for p, c in root.items() if p != hidden and not p.startswith(hidden + "/")}
                elif member.isfile():
                    root[member.name] = tar.extractfile(member).read()
    return dict(sorted(root.items()))


# --8<-- [end:apply]
