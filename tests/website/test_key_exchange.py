"""Tests for snippets.website.key_exchange: ECDHE vs RSA key transport, the leaked-key attack, a real handshake's wire."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa, x25519
from hypothesis import given
from hypothesis import strategies as st

from snippets.website.key_exchange import (
    HELLO_RETRY,
    attack_tls12,
    attack_tls13,
    ephemeral,
    forge_certificate_verify,
    handshake_keys,
    key_shares,
    man_in_the_middle,
    prf,
    record_handshake,
    records,
    share,
    tls12_rsa_handshake,
    tls13_handshake,
)
from snippets.website.tls import TLSServer, make_ca
from tests.fuzzing import fuzz
from tests.peers import openssl_s_server

pytestmark = pytest.mark.timeout(30)

# RFC 8448 §3 (Simple 1-RTT Handshake): the ephemeral X25519 keys, the messages and the secrets that follow.
RFC8448 = {
    "client_private": "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005",
    "client_public": "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c",
    "server_private": "b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e",
    "server_public": "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f",
    "shared": "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d",
    "handshake_secret": "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac",
    "client_secret": "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21",
    "server_secret": "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38",
    "client_key": "dbfaa693d1762c5b666af5d950258d01",
    "client_iv": "5bd3c71b836e0b76bb73265f",
    "server_key": "3fce516009c21727d0f2e4e86ee403bc",
    "server_iv": "5d313eb2671276ee13000b30",
    "client_hello": (
        "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b"
        "0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099"
        "381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e0403050306030203080408"
        "05080604010501060102010402050206020202002d00020101001c00024001"
    ),
    "server_hello": (
        "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c98288"
        "76112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304"
    ),
}
VECTOR = {name: bytes.fromhex(value) for name, value in RFC8448.items()}


@pytest.fixture(scope="module")
def server_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def swap_client_share(replacement: bytes):
    def tamper(name: str, data: bytes) -> bytes:
        return replacement if name == "ClientHello.key_share" else data

    return tamper


def another_share() -> bytes:
    return share(ephemeral())


# The key schedule, against RFC 8448 and the TLS 1.2 PRF's published vector


def test_key_schedule_matches_rfc8448() -> None:
    keys = handshake_keys(VECTOR["shared"], VECTOR["client_hello"] + VECTOR["server_hello"])
    for name in (
        "handshake_secret",
        "client_secret",
        "server_secret",
        "client_key",
        "client_iv",
        "server_key",
        "server_iv",
    ):
        assert getattr(keys, name) == VECTOR[name], name


def test_rfc8448_ephemeral_keys_give_its_shared_secret_on_both_sides(server_key) -> None:
    session = tls13_handshake(server_key, VECTOR["client_private"], VECTOR["server_private"])
    assert session.wire.messages["ClientHello.key_share"] == VECTOR["client_public"]
    assert session.wire.messages["ServerHello.key_share"] == VECTOR["server_public"]
    assert session.client_shared == session.server_shared == VECTOR["shared"]


def test_tls12_prf_matches_the_published_vector() -> None:
    # P_SHA256 test vector from the IETF TLS working group (mail-archive/web/tls/current/msg03416.html)
    out = prf(
        bytes.fromhex("9bbe436ba940f017b17652849a71db35"),
        b"test label",
        bytes.fromhex("a0ba9f936cda311827a6f796ffd5198c"),
        100,
    )
    assert out.hex() == (
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af"
        "0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
    )


# Both sides agree; nothing secret crosses the wire


def test_tls13_both_sides_derive_the_same_secret_and_keys(server_key) -> None:
    session = tls13_handshake(server_key)
    assert session.client_shared == session.server_shared
    assert session.client_keys == session.server_keys
    assert session.signature_ok
    assert [(name, len(data)) for name, data in session.wire.messages.items()] == [
        ("ClientHello.key_share", 32),
        ("ServerHello.key_share", 32),
        ("CertificateVerify", 256),
    ]


def test_tls12_both_sides_derive_the_same_keys(server_key) -> None:
    session = tls12_rsa_handshake(server_key)
    assert session.client_keys == session.server_keys
    assert len(session.premaster) == 48 and session.premaster[:2] == b"\x03\x03"
    assert len(session.wire.messages["ClientKeyExchange"]) == 256  # the premaster, encrypted to a 2048-bit key


def test_no_secret_on_the_tls13_wire(server_key) -> None:
    session = tls13_handshake(server_key)
    wire = session.wire.recorded()
    keys = session.client_keys
    for secret in (
        session.client_shared,
        keys.handshake_secret,
        keys.client_secret,
        keys.server_secret,
        keys.client_key,
        keys.server_key,
    ):
        assert secret not in wire


def test_no_secret_on_the_tls12_wire(server_key) -> None:
    session = tls12_rsa_handshake(server_key)
    wire = session.wire.recorded()
    assert session.premaster not in wire
    assert session.premaster[2:] not in wire  # not even its random part
    assert session.client_keys not in wire


def test_sessions_keep_no_ephemeral_private_key(server_key) -> None:
    session = tls13_handshake(server_key)
    values = [getattr(session, f.name) for f in dataclasses.fields(session)]
    assert not any(isinstance(value, x25519.X25519PrivateKey) for value in values)


def test_each_handshake_has_fresh_ephemeral_keys(server_key) -> None:
    first, second = tls13_handshake(server_key), tls13_handshake(server_key)
    assert first.wire.messages["ClientHello.key_share"] != second.wire.messages["ClientHello.key_share"]
    assert first.client_shared != second.client_shared


# The leaked long-term key: RSA sessions open, ECDHE sessions do not


def test_recorded_rsa_session_is_recovered_with_the_leaked_key(server_key) -> None:
    session = tls12_rsa_handshake(server_key)
    assert attack_tls12(session.wire, server_key) == session.client_keys


def test_recorded_ecdhe_session_is_not_recovered_with_the_leaked_key(server_key) -> None:
    session = tls13_handshake(server_key)
    attempt = attack_tls13(session.wire, server_key)
    assert attempt.handshake_secret != session.client_keys.handshake_secret
    assert attempt != session.client_keys


def test_the_leaked_key_signs_new_handshakes(server_key) -> None:
    assert forge_certificate_verify(server_key, b"a later handshake")


def test_another_servers_key_does_not_open_an_rsa_session(server_key) -> None:
    session = tls12_rsa_handshake(server_key)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    try:  # with implicit rejection (RFC 5246 §7.4.7.1's advice, in newer OpenSSL) a bad decryption returns junk
        assert attack_tls12(session.wire, other) != session.client_keys
    except ValueError:
        pass  # older OpenSSL: the padding check fails


# A man in the middle


def test_tampered_key_share_gives_different_secrets_and_a_failed_signature(server_key) -> None:
    session = tls13_handshake(server_key, tamper=swap_client_share(another_share()))
    assert session.client_shared != session.server_shared
    assert session.client_keys != session.server_keys
    assert not session.signature_ok  # the server signed what it received, not what the client sent


def test_tampered_certificate_verify_fails_and_secrets_still_match(server_key) -> None:
    def flip(name: str, data: bytes) -> bytes:
        return bytes([data[0] ^ 1]) + data[1:] if name == "CertificateVerify" else data

    session = tls13_handshake(server_key, tamper=flip)
    assert session.client_shared == session.server_shared
    assert not session.signature_ok


def test_man_in_the_middle_is_caught_by_the_signature(server_key) -> None:
    session = man_in_the_middle(server_key)
    assert session.client_shared != session.server_shared
    assert not session.signature_ok


# Parsing what crossed the wire


def test_key_shares_of_rfc8448_hellos() -> None:
    assert key_shares(VECTOR["client_hello"]) == (("x25519", 32),)
    assert key_shares(VECTOR["server_hello"]) == (("x25519", 32),)


def test_records_splits_a_stream() -> None:
    stream = b"\x16\x03\x01\x00\x02ab" + b"\x14\x03\x03\x00\x01\x01" + b"\x17\x03\x03\x00\x00"
    assert records(stream) == [(22, b"ab"), (20, b"\x01"), (23, b"")]


@pytest.mark.parametrize("cut", [1, 5, 40, 100, len(RFC8448["client_hello"]) // 2 - 1])
def test_truncated_hello_raises_value_error(cut: int) -> None:
    with pytest.raises(ValueError):
        key_shares(VECTOR["client_hello"][:cut])


def test_truncated_record_raises_value_error() -> None:
    with pytest.raises(ValueError):
        records(b"\x16\x03\x01\x00\x05ab")


@fuzz(1000)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_value_error(data: bytes) -> None:
    for parse in (key_shares, records):
        try:
            parse(data)
        except ValueError:
            pass


# The real handshake, by Python's ssl on loopback


@pytest.mark.timeout(10)
@pytest.mark.usefixtures("no_leaks")
def test_real_handshake_sends_only_key_shares_and_encrypts_the_rest() -> None:
    ca = make_ca("Example Test CA")
    with TLSServer(ca) as server:
        real = record_handshake(server.address, "www.example.test", ca.cert_pem.bytes())
    assert server.handshakes == 1 and server.errors == []
    assert (real.version, real.cipher) == ("TLSv1.3", "TLS_AES_256_GCM_SHA384")
    assert ("x25519", 32) in real.client_shares
    assert real.server_shares == (("x25519", 32),)
    assert [kind for kind, _ in records(real.received)][:2] == [22, 20]  # ServerHello, then change_cipher_spec
    assert {kind for kind, _ in records(real.received)[2:]} == {23}  # then only encrypted records
    assert real.certificate and real.certificate not in real.received  # TLS 1.3 sends the certificate encrypted
    assert [kind for kind, _ in records(real.received)].count(22) == 1  # only ServerHello in the clear


def test_record_handshake_refuses_other_addresses() -> None:
    with pytest.raises(ValueError, match="127.0.0.1"):
        record_handshake(("192.0.2.1", 443), "www.example.test", b"")


def test_key_shares_of_a_hello_retry_request() -> None:
    hrr = bytearray(VECTOR["server_hello"])
    hrr[6:38] = HELLO_RETRY
    hrr = bytes(hrr).replace(bytes.fromhex("00330024001d0020") + VECTOR["server_public"], bytes.fromhex("003300020017"))
    hrr = hrr[:42] + (len(hrr) - 44).to_bytes(2, "big") + hrr[44:]  # the extensions' new length
    assert key_shares(hrr) == (("secp256r1", 0),)


# The real handshake against OpenSSL's s_server, a peer that is not Python's ssl


def s_server(directory: Path, *options: str):
    return openssl_s_server(directory, "-cert", "cert.pem", "-key", "key.pem", "-tls1_3", "-www", *options)


@pytest.fixture(scope="module")
def peer_files(tmp_path_factory) -> tuple[Path, bytes]:
    ca = make_ca("Peer Test CA")
    directory = tmp_path_factory.mktemp("s_server")
    cert = ca.issue_cert("www.example.test")
    cert.private_key_pem.write_to_path(str(directory / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(directory / "cert.pem"))
    return directory, ca.cert_pem.bytes()


def test_s_server_agrees_on_x25519_in_one_round_trip(peer_files) -> None:
    directory, trusted = peer_files
    with s_server(directory) as address:
        real = record_handshake(address, "www.example.test", trusted)
    assert (real.version, real.server_shares, real.retried) == ("TLSv1.3", (("x25519", 32),), False)
    assert real.certificate not in real.received


def test_s_server_that_wants_p256_asks_again(peer_files) -> None:
    """A server without the group of the client's first key share sends a HelloRetryRequest (RFC 8446 §4.1.4):
    the extra round trip the 1-RTT answer mentions. The second ClientHello carries a P-256 share (65 bytes)."""
    directory, trusted = peer_files
    with s_server(directory, "-groups", "P-256") as address:
        real = record_handshake(address, "www.example.test", trusted)
    assert real.retried
    assert real.client_shares == real.server_shares == (("secp256r1", 65),)
