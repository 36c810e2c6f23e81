"""The checks a reader of an OCI image layout makes, by the image-spec's rules: every blob's sha256 is
its name and its descriptor's digest, sizes match, media types are exact, and the config's diff_ids are
the digests of the uncompressed layers. Checks what oci_image.py writes.

Shown on docs/*/docker.md, run by notebooks/docker_oci_image.ipynb, tested by tests/docker/.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from pathlib import Path

from snippets.docker.oci_image import CONFIG, INDEX, LAYER, MANIFEST
from snippets.docker.oci_layers import digest

DIGEST = re.compile(r"sha256:[a-f0-9]{64}")  # descriptor.md: the sha256 encoding is 64 lowercase hex


# --8<-- [start:verify]
def verify_layout(directory: Path) -> list[str]:
    """What is wrong with an image layout by the spec's rules; [] if nothing."""
    problems: list[str] = []

    # --8<-- [start:descriptor]
    def blob(desc: object, media_type: str, where: str) -> bytes | None:
        """The blob a descriptor points to, if its digest, size and media type are right."""
        if not isinstance(desc, dict):
            problems.append(f"{where}: not a descriptor")
            return None
        if desc.get("mediaType") != media_type:
            problems.append(f"{where}: mediaType {desc.get('mediaType')!r}, expected {media_type!r}")
        if not isinstance(desc.get("digest"), str) or not DIGEST.fullmatch(desc["digest"]):
            problems.append(f"{where}: digest {desc.get('digest')!r} is not sha256:<64 hex>")
            return None
        path = directory / "blobs" / "sha256" / desc["digest"].removeprefix("sha256:")
        if not path.is_file():
            problems.append(f"{where}: no blob {desc['digest'][:19]}")
            return None
        data = path.read_bytes()
        if digest(data) != desc["digest"]:
            problems.append(f"{where}: blob content has digest {digest(data)[:19]}, not {desc['digest'][:19]}")
        if desc.get("size") != len(data):
            problems.append(f"{where}: size {desc.get('size')}, blob has {len(data)} bytes")
        return data

    # --8<-- [end:descriptor]

    def load(data: bytes | None, where: str) -> dict:
        try:
            value = json.loads(data) if data is not None else None
        except ValueError:
            value = None
        if data is not None and not isinstance(value, dict):
            problems.append(f"{where}: not a JSON object")
        return value if isinstance(value, dict) else {}

    def listed(document: dict, key: str, where: str) -> list:
        if not isinstance(value := document.get(key, []), list):
            problems.append(f"{where}: {key} is not a list")
            return []
        return value

    def diff_id(layer: bytes) -> str | None:
        try:
            return digest(gzip.decompress(layer))
        except (OSError, EOFError, zlib.error):
            return None

    files = {
        name: (directory / name).read_bytes() if (directory / name).is_file() else None
        for name in ("oci-layout", "index.json")
    }
    problems += [f"{name}: missing" for name, data in files.items() if data is None]
    if load(files["oci-layout"], "oci-layout").get("imageLayoutVersion", "1.0.0") != "1.0.0":
        problems.append("oci-layout: imageLayoutVersion must be 1.0.0")
    index = load(files["index.json"], "index.json")
    if index and (index.get("schemaVersion") != 2 or index.get("mediaType", INDEX) != INDEX):
        problems.append("index.json: schemaVersion must be 2 and mediaType an image index")
    for i, entry in enumerate(listed(index, "manifests", "index.json")):
        if not (manifest := load(blob(entry, MANIFEST, f"manifest {i}"), f"manifest {i}")):
            continue
        if manifest.get("schemaVersion") != 2 or manifest.get("mediaType") != MANIFEST:
            problems.append(f"manifest {i}: schemaVersion must be 2 and mediaType {MANIFEST}")
        config = load(blob(manifest.get("config"), CONFIG, f"manifest {i} config"), f"manifest {i} config")
        layers = [
            blob(layer, LAYER, f"manifest {i} layer {n}")
            for n, layer in enumerate(listed(manifest, "layers", f"manifest {i}"))
        ]
        rootfs = config.get("rootfs") if isinstance(config.get("rootfs"), dict) else {}
        if config and rootfs.get("type") != "layers":
            problems.append(f"manifest {i} config: rootfs.type must be 'layers'")
        if config and None not in layers and rootfs.get("diff_ids") != [diff_id(layer) for layer in layers]:
            problems.append(f"manifest {i} config: rootfs.diff_ids are not the digests of the uncompressed layers")
    return problems


# --8<-- [end:verify]
