"""Tests for snippets.tcp_ip.stream: bytes arrive complete and in order."""

from __future__ import annotations

import hashlib
import random

import pytest

from snippets.tcp_ip.stream import TransferResult, transfer

pytestmark = pytest.mark.timeout(10)


def test_one_mebibyte_arrives_intact() -> None:
    result = transfer()
    expected = hashlib.sha256(random.Random(7).randbytes(1024 * 1024)).hexdigest()
    assert result == TransferResult(
        sent_bytes=1024 * 1024,
        received_bytes=1024 * 1024,
        digest_matches=True,
        recv_calls_more_than_one=True,
        sha256_prefix=expected[:16],
    )


def test_result_is_the_same_every_run() -> None:
    # Above 64 KiB, the most one recv() asks for, more than one call is certain.
    first = transfer(200_000, seed=3)
    assert first == transfer(200_000, seed=3)
    assert first.recv_calls_more_than_one


def test_seed_changes_the_data() -> None:
    assert transfer(1000, seed=1).sha256_prefix != transfer(1000, seed=2).sha256_prefix


@pytest.mark.parametrize("size", [0, 1])
def test_tiny_transfers(size: int) -> None:
    result = transfer(size)
    assert result.sent_bytes == result.received_bytes == size
    assert result.digest_matches
    assert not result.recv_calls_more_than_one
    data = random.Random(7).randbytes(size)
    assert result.sha256_prefix == hashlib.sha256(data).hexdigest()[:16]


def test_negative_size_is_rejected() -> None:
    with pytest.raises(ValueError):
        transfer(-1)
