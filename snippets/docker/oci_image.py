"""An OCI image from scratch: config, manifest, index and an image layout directory.
Builds on oci_layers.py (the layer tars and their digests); oci_check.py checks what this writes.

OCI image-spec: config.md (rootfs.diff_ids), manifest.md, image-index.md, image-layout.md (oci-layout,
index.json, blobs/sha256/<hex>), descriptor.md (mediaType, digest, size).

Shown on docs/*/docker.md, run by notebooks/docker_oci_image.ipynb, tested by tests/docker/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from snippets.docker.oci_layers import compress, digest, layer_tar

# --8<-- [start:media-types]
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
# --8<-- [end:media-types]


def to_json(document: dict) -> bytes:
    """Sorted keys, no spaces: the same object gives the same bytes, and so the same digest."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def descriptor(media_type: str, blob: bytes) -> dict:
    return {"mediaType": media_type, "digest": digest(blob), "size": len(blob)}


@dataclass
class Image:
    blobs: dict[str, bytes]  # digest -> bytes: layers, config, manifest
    config: dict
    manifest: dict
    index: dict


# --8<-- [start:build]
def build(layers: list[dict[str, bytes | None]]) -> Image:
    tars = [layer_tar(files) for files in layers]
    gzips = [compress(tar) for tar in tars]
    config = {
        "architecture": "amd64",  # what the binaries need; these layers hold only text files
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [digest(tar) for tar in tars]},  # uncompressed
        "history": [
            {
                "created_by": f"layer {n}: "
                + ", ".join(
                    ("delete " if content is None else "add ") + path for path, content in sorted(files.items())
                )
            }
            for n, files in enumerate(layers, 1)
        ],
    }  # no "created" date: it would change the config's digest, the image ID, on every build
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": descriptor(CONFIG, to_json(config)),
        "layers": [descriptor(LAYER, blob) for blob in gzips],  # compressed, as stored
    }
    index = {
        "schemaVersion": 2,
        "mediaType": INDEX,
        "manifests": [
            descriptor(MANIFEST, to_json(manifest)) | {"annotations": {"org.opencontainers.image.ref.name": "demo"}}
        ],
    }
    blobs = {digest(blob): blob for blob in [*gzips, to_json(config), to_json(manifest)]}
    return Image(blobs, config, manifest, index)


# --8<-- [end:build]


# --8<-- [start:write]
def write_layout(image: Image, directory: Path) -> None:
    (directory / "blobs" / "sha256").mkdir(parents=True)
    (directory / "oci-layout").write_bytes(to_json({"imageLayoutVersion": "1.0.0"}))
    (directory / "index.json").write_bytes(to_json(image.index))
    for name, blob in image.blobs.items():
        (directory / "blobs" / "sha256" / name.removeprefix("sha256:")).write_bytes(blob)


# --8<-- [end:write]
