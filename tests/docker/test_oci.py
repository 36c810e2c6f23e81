"""Tests for snippets.docker.oci_layers, oci_image and oci_check: pure Python, on any machine.

The spec's rules are checked here directly as well as through oci_check.verify_layout, so a mistake
shared by the builder and the checker would still fail: every blob is named by its sha256, sizes and
media types match, diff_ids are digests of the uncompressed layers, and the bytes never change.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import struct
import tarfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.docker.oci_check import verify_layout
from snippets.docker.oci_image import CONFIG, INDEX, LAYER, MANIFEST, build, to_json, write_layout
from snippets.docker.oci_layers import APP, BASE, apply, compress, digest, entries, layer_tar

# The digests the notebook prints. They must be the same on every machine and Python version: a change
# here means the tar or gzip bytes changed, and every page that shows them is wrong.
DIFF_IDS = [
    "sha256:0f3bedb8de7172f145b6895d9a81600591dc27d1f61e344b0e6206012eae349f",
    "sha256:8222067a9be01932481c5354065abd439a22eb9575a68f266ccaebdfa487e34e",
]


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    write_layout(build([BASE, APP]), tmp_path / "image")
    return tmp_path / "image"


def blob_path(layout: Path, digest_: str) -> Path:
    return layout / "blobs" / "sha256" / digest_.removeprefix("sha256:")


def test_layers_are_byte_for_byte_reproducible() -> None:
    assert [digest(layer_tar(BASE)), digest(layer_tar(APP))] == DIFF_IDS
    assert layer_tar(dict(reversed(list(BASE.items())))) == layer_tar(BASE)  # order of the dict does not matter


def test_tar_entries_are_sorted_with_parents_and_fixed_metadata() -> None:
    assert entries(layer_tar(APP)) == ["app/", "app/hello.txt", "etc/", "etc/.wh.motd"]
    with tarfile.open(fileobj=io.BytesIO(layer_tar(BASE))) as tar:
        for member in tar.getmembers():
            assert (member.mtime, member.uid, member.gid, member.uname, member.gname) == (0, 0, 0, "root", "root")
            assert member.mode == (0o755 if member.isdir() else 0o644)


def test_gzip_is_stored_blocks_that_any_gzip_reads() -> None:
    tar = layer_tar(BASE)
    blob = compress(tar)
    assert blob[:10] == bytes.fromhex("1f8b08000000000000ff")  # mtime 0, OS 255 "unknown"
    assert blob[10:15] == b"\x01" + struct.pack("<HH", len(tar), len(tar) ^ 0xFFFF)  # one final stored block
    assert blob[-8:] == struct.pack("<II", zlib.crc32(tar), len(tar))
    assert gzip.decompress(blob) == tar


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 200_000])
def test_gzip_round_trips_at_block_boundaries(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert gzip.decompress(compress(data)) == data


def test_diff_id_is_not_the_layer_digest() -> None:
    image = build([BASE, APP])
    assert image.config["rootfs"]["diff_ids"] == DIFF_IDS
    assert [layer["digest"] for layer in image.manifest["layers"]] == [
        digest(compress(layer_tar(f))) for f in (BASE, APP)
    ]
    assert not set(DIFF_IDS) & {layer["digest"] for layer in image.manifest["layers"]}


def test_layout_follows_the_spec(layout: Path) -> None:
    assert json.loads((layout / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    for path in (layout / "blobs" / "sha256").iterdir():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
    index = json.loads((layout / "index.json").read_text())
    assert (index["schemaVersion"], index["mediaType"], len(index["manifests"])) == (2, INDEX, 1)
    entry = index["manifests"][0]
    manifest_bytes = blob_path(layout, entry["digest"]).read_bytes()
    assert (entry["mediaType"], entry["size"]) == (MANIFEST, len(manifest_bytes))
    manifest = json.loads(manifest_bytes)
    assert (manifest["schemaVersion"], manifest["mediaType"], manifest["config"]["mediaType"]) == (2, MANIFEST, CONFIG)
    assert [layer["mediaType"] for layer in manifest["layers"]] == [LAYER, LAYER]
    for descriptor in [manifest["config"], *manifest["layers"]]:
        assert set(descriptor) == {"mediaType", "digest", "size"}
        assert blob_path(layout, descriptor["digest"]).stat().st_size == descriptor["size"]
    config = json.loads(blob_path(layout, manifest["config"]["digest"]).read_bytes())
    assert config["rootfs"] == {
        "type": "layers",
        "diff_ids": [
            digest(gzip.decompress(blob_path(layout, layer["digest"]).read_bytes())) for layer in manifest["layers"]
        ],
    }
    assert (config["architecture"], config["os"]) == ("amd64", "linux")
    assert len(list((layout / "blobs" / "sha256").iterdir())) == 4  # 2 layers, config, manifest
    assert verify_layout(layout) == []


def test_json_documents_are_canonical() -> None:
    image = build([BASE, APP])
    assert to_json(image.manifest) == json.dumps(image.manifest, sort_keys=True, separators=(",", ":")).encode()
    assert to_json({"b": 1, "a": [1, 2]}) == b'{"a":[1,2],"b":1}'


def test_a_tampered_layer_is_found(layout: Path) -> None:
    layer = blob_path(layout, build([BASE, APP]).manifest["layers"][1]["digest"])
    layer.write_bytes(layer.read_bytes().replace(b"layer 2", b"layer X"))
    problems = verify_layout(layout)
    assert problems[0].startswith("manifest 0 layer 1: blob content has digest sha256:")
    assert problems[-1] == "manifest 0 config: rootfs.diff_ids are not the digests of the uncompressed layers"


def rewrite_manifest(layout: Path, change) -> None:
    """Change the manifest, store it under its new digest and point index.json at it."""
    index = json.loads((layout / "index.json").read_text())
    manifest = json.loads(blob_path(layout, index["manifests"][0]["digest"]).read_bytes())
    change(manifest)
    data = to_json(manifest)
    blob_path(layout, digest(data)).write_bytes(data)
    index["manifests"][0].update(digest=digest(data), size=len(data))
    (layout / "index.json").write_bytes(to_json(index))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda m: m["layers"][0].update(mediaType="application/vnd.docker.image.rootfs.diff.tar.gzip"),
            "manifest 0 layer 0: mediaType 'application/vnd.docker.image.rootfs.diff.tar.gzip', expected 'application/vnd.oci.image.layer.v1.tar+gzip'",
        ),
        (
            lambda m: m["layers"][0].update(size=m["layers"][0]["size"] + 1),
            "manifest 0 layer 0: size 10264, blob has 10263 bytes",
        ),
        (lambda m: m["config"].update(digest="sha256:" + "0" * 64), "manifest 0 config: no blob sha256:000000000000"),
        (lambda m: m["config"].update(digest="md5:abc"), "manifest 0 config: digest 'md5:abc' is not sha256:<64 hex>"),
        (lambda m: m.update(schemaVersion=1), f"manifest 0: schemaVersion must be 2 and mediaType {MANIFEST}"),
        (
            lambda m: m["layers"].reverse(),
            "manifest 0 config: rootfs.diff_ids are not the digests of the uncompressed layers",
        ),
    ],
    ids=["docker-media-type", "size", "missing-blob", "bad-digest", "schema-version", "layer-order"],
)
def test_each_broken_rule_is_named(layout: Path, change, problem: str) -> None:
    rewrite_manifest(layout, change)
    assert verify_layout(layout) == [problem]


def test_missing_and_malformed_top_level_files(layout: Path) -> None:
    (layout / "oci-layout").unlink()
    (layout / "index.json").write_text("{not json")
    assert verify_layout(layout) == ["oci-layout: missing", "index.json: not a JSON object"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["schemaVersion", "mediaType", "manifests", "digest", "size", "x"]), inner, max_size=4
        )
    ),
    max_leaves=10,
)


def test_verify_reports_and_never_raises_whatever_index_json_or_a_manifest_holds(tmp_path: Path) -> None:
    write_layout(build([BASE]), tmp_path)
    good_index = (tmp_path / "index.json").read_bytes()

    @settings(max_examples=60, deadline=None)
    @given(st.binary(max_size=100) | json_values.map(lambda v: json.dumps(v).encode()))
    def any_index(data: bytes) -> None:
        (tmp_path / "index.json").write_bytes(data)
        assert isinstance(verify_layout(tmp_path), list)

    @settings(max_examples=40, deadline=None)
    @given(json_values)
    def any_manifest(value: object) -> None:
        data = json.dumps(value).encode()
        blob_path(tmp_path, digest(data)).write_bytes(data)
        index = {"schemaVersion": 2, "manifests": [{"mediaType": MANIFEST, "digest": digest(data), "size": len(data)}]}
        (tmp_path / "index.json").write_bytes(to_json(index))
        assert isinstance(verify_layout(tmp_path), list)

    any_index()
    any_manifest()
    (tmp_path / "index.json").write_bytes(good_index)


def test_whiteouts_delete_files_and_directories_from_lower_layers() -> None:
    assert apply([layer_tar(BASE), layer_tar(APP)]) == {
        "app/hello.txt": b"hello from layer 2\n",
        "etc/os-release": b"NAME=from-scratch\n",
    }
    assert apply([layer_tar({"a/b/c": b"1", "a/d": b"2"}), layer_tar({"a/b": None})]) == {"a/d": b"2"}
    assert apply([layer_tar({"f": b"old"}), layer_tar({"f": b"new"})]) == {"f": b"new"}


paths = st.lists(st.text("abcxyz", min_size=1, max_size=4), min_size=1, max_size=3).map("/".join)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(paths, st.binary(max_size=64), max_size=6))
def test_apply_of_one_layer_gives_its_files_back(files: dict[str, bytes]) -> None:
    # a path cannot be both a file and a directory in one tree
    files = {p: c for p, c in files.items() if not any(q.startswith(p + "/") for q in files)}
    assert apply([layer_tar(files)]) == dict(sorted(files.items()))
    assert layer_tar(files) == layer_tar(dict(reversed(list(files.items()))))
