"""TLS 1.3 key agreement next to TLS 1.2 RSA key transport, and what a leaked server key opens.

Both handshakes are cut down to their key exchange. The secrets are derived as RFC 8446 §7.1 and
RFC 5246 §8.1 say, but the transcript hashed here is only the messages shown (a real one hashes
every handshake message): a simplification, named so on the page. The wire is a record of what
each side sends, the way an eavesdropper would keep it. record_handshake() then watches a real
TLS 1.3 handshake by Python's ssl on 127.0.0.1 and reads the key shares off the wire.

Builds on tls.py (its server). Shown on docs/*/website.md, run by notebooks/website_key_exchange.ipynb,
tested by tests/website/.
"""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from snippets.loopback import LOOPBACK

SHA256 = hashes.SHA256()
PSS = padding.PSS(mgf=padding.MGF1(SHA256), salt_length=padding.PSS.DIGEST_LENGTH)  # rsa_pss_rsae_sha256
CV_CONTEXT = b" " * 64 + b"TLS 1.3, server CertificateVerify\x00"  # RFC 8446 §4.4.3


@dataclass
class Wire:
    """What crossed the network, by message; tamper (a man in the middle) may change it in transit."""

    tamper: Callable[[str, bytes], bytes] | None = None
    messages: dict[str, bytes] = field(default_factory=dict)

    def send(self, name: str, data: bytes) -> bytes:
        delivered = self.tamper(name, data) if self.tamper else data
        self.messages[name] = delivered
        return delivered

    def recorded(self) -> bytes:
        return b"".join(self.messages.values())

    def __str__(self) -> str:
        return "\n".join(f"{name}: {len(data)} bytes" for name, data in self.messages.items())


def digest(data: bytes) -> bytes:
    h = hashes.Hash(SHA256)
    h.update(data)
    return h.finalize()


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    h = hmac.HMAC(key, SHA256)
    h.update(data)
    return h.finalize()


# --8<-- [start:key-schedule]
def expand_label(secret: bytes, label: bytes, context: bytes, length: int) -> bytes:
    """HKDF-Expand-Label (RFC 8446 §7.1)."""
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([len(context)]) + context
    return HKDFExpand(SHA256, length, info).derive(secret)


@dataclass(frozen=True)
class TrafficKeys:
    handshake_secret: bytes
    client_secret: bytes  # "c hs traffic"
    server_secret: bytes  # "s hs traffic"
    client_key: bytes
    client_iv: bytes
    server_key: bytes
    server_iv: bytes


def handshake_keys(shared: bytes, transcript: bytes) -> TrafficKeys:
    """From the (EC)DHE shared secret to the handshake traffic keys (TLS_AES_128_GCM_SHA256 sizes)."""
    early = hmac_sha256(bytes(32), bytes(32))  # HKDF-Extract(0, 0): no pre-shared key
    handshake = hmac_sha256(expand_label(early, b"derived", digest(b""), 32), shared)  # HKDF-Extract
    c = expand_label(handshake, b"c hs traffic", digest(transcript), 32)
    s = expand_label(handshake, b"s hs traffic", digest(transcript), 32)
    return TrafficKeys(
        handshake,
        c,
        s,
        expand_label(c, b"key", b"", 16),
        expand_label(c, b"iv", b"", 12),
        expand_label(s, b"key", b"", 16),
        expand_label(s, b"iv", b"", 12),
    )


# --8<-- [end:key-schedule]


def raw(public: x25519.X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Tls13Session:
    wire: Wire
    client_shared: bytes
    server_shared: bytes
    client_keys: TrafficKeys
    server_keys: TrafficKeys
    signature_ok: bool  # the client's check of CertificateVerify


# --8<-- [start:ecdhe]
def tls13_handshake(
    server_key: rsa.RSAPrivateKey,
    client_private: bytes | None = None,
    server_private: bytes | None = None,
    tamper: Callable[[str, bytes], bytes] | None = None,
) -> Tls13Session:
    """(EC)DHE with X25519: each side sends only a public key share; the certificate key only signs."""
    wire = Wire(tamper)
    client_eph = x25519.X25519PrivateKey.from_private_bytes(client_private or os.urandom(32))
    client_share = raw(client_eph.public_key())
    received = wire.send("ClientHello.key_share", client_share)

    server_eph = x25519.X25519PrivateKey.from_private_bytes(server_private or os.urandom(32))
    server_share = raw(server_eph.public_key())
    delivered = wire.send("ServerHello.key_share", server_share)
    server_shared = server_eph.exchange(x25519.X25519PublicKey.from_public_bytes(received))
    server_transcript = received + server_share
    signed = server_key.sign(CV_CONTEXT + digest(server_transcript), PSS, SHA256)
    signature = wire.send("CertificateVerify", signed)  # encrypted in real TLS 1.3; recorded in the clear here

    client_shared = client_eph.exchange(x25519.X25519PublicKey.from_public_bytes(delivered))
    client_transcript = client_share + delivered
    try:
        server_key.public_key().verify(signature, CV_CONTEXT + digest(client_transcript), PSS, SHA256)
        signature_ok = True
    except InvalidSignature:
        signature_ok = False
    del client_eph, server_eph  # ephemeral: gone once the handshake is done
    return Tls13Session(
        wire,
        client_shared,
        server_shared,
        handshake_keys(client_shared, client_transcript),
        handshake_keys(server_shared, server_transcript),
        signature_ok,
    )


# --8<-- [end:ecdhe]


@dataclass(frozen=True)
class Tls12Session:
    wire: Wire
    premaster: bytes  # the client's
    client_keys: bytes
    server_keys: bytes


# --8<-- [start:rsa-transport]
def prf(secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """The TLS 1.2 PRF, P_SHA256 (RFC 5246 §5)."""
    out, a = b"", label + seed
    while len(out) < length:
        a = hmac_sha256(secret, a)
        out += hmac_sha256(secret, a + label + seed)
    return out[:length]


def tls12_keys(premaster: bytes, client_random: bytes, server_random: bytes) -> bytes:
    master = prf(premaster, b"master secret", client_random + server_random, 48)  # RFC 5246 §8.1
    return prf(master, b"key expansion", server_random + client_random, 40)  # AES-128-GCM: 2 keys, 2 IVs


def tls12_rsa_handshake(server_key: rsa.RSAPrivateKey) -> Tls12Session:
    """RSA key transport (RFC 5246 §7.4.7.1): the client picks the secret and sends it, encrypted."""
    wire = Wire()
    client_random = wire.send("ClientHello.random", os.urandom(32))
    server_random = wire.send("ServerHello.random", os.urandom(32))
    premaster = b"\x03\x03" + os.urandom(46)  # client_version, then 46 random bytes
    encrypted = server_key.public_key().encrypt(premaster, padding.PKCS1v15())  # the certificate's key
    received = wire.send("ClientKeyExchange", encrypted)
    server_premaster = server_key.decrypt(received, padding.PKCS1v15())
    return Tls12Session(
        wire,
        premaster,
        tls12_keys(premaster, client_random, server_random),
        tls12_keys(server_premaster, client_random, server_random),
    )


# --8<-- [end:rsa-transport]


# --8<-- [start:attack]
def attack_tls12(wire: Wire, leaked: rsa.RSAPrivateKey) -> bytes:
    """A recorded RSA session, after the server's key leaks: decrypt the premaster, derive the keys."""
    premaster = leaked.decrypt(wire.messages["ClientKeyExchange"], padding.PKCS1v15())
    return tls12_keys(premaster, wire.messages["ClientHello.random"], wire.messages["ServerHello.random"])


def attack_tls13(wire: Wire, leaked: rsa.RSAPrivateKey) -> TrafficKeys:
    """A recorded ECDHE session: X25519 needs an ephemeral private key, and neither side kept one.
    The only private key the attacker has is the leaked signing key, so it stands in for one."""
    der = leaked.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    stand_in = x25519.X25519PrivateKey.from_private_bytes(digest(der))
    client_share, server_share = wire.messages["ClientHello.key_share"], wire.messages["ServerHello.key_share"]
    shared = stand_in.exchange(x25519.X25519PublicKey.from_public_bytes(client_share))
    return handshake_keys(shared, client_share + server_share)


def forge_certificate_verify(leaked: rsa.RSAPrivateKey, transcript: bytes) -> bool:
    """What the leaked key does give: a signature for a new handshake, i.e. impersonating the server from now on."""
    signature = leaked.sign(CV_CONTEXT + digest(transcript), PSS, SHA256)
    try:
        leaked.public_key().verify(signature, CV_CONTEXT + digest(transcript), PSS, SHA256)
        return True
    except InvalidSignature:
        return False


# --8<-- [end:attack]

RECORD_TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"}
GROUPS = {0x001D: "x25519", 0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1", 0x0100: "ffdhe2048"}


@dataclass(frozen=True)
class RealHandshake:
    version: str | None
    cipher: str | None
    client_shares: tuple[tuple[str, int], ...]  # (group, key length) offered in ClientHello
    server_shares: tuple[tuple[str, int], ...]  # the one ServerHello picked
    client_records: tuple[str, ...]  # record types in order, repeats folded
    server_records: tuple[str, ...]
    sent: bytes = field(repr=False)  # everything recorded, both ways
    received: bytes = field(repr=False)
    certificate: bytes = field(repr=False)  # the server's, as DER


def _vector(data: bytes, i: int, width: int) -> tuple[bytes, int]:
    """The length-prefixed field at i (RFC 8446 §3.4): its body, and where the next field starts."""
    end = i + width + int.from_bytes(data[i : i + width], "big")
    if i + width > len(data) or end > len(data):
        raise ValueError("truncated TLS message")
    return data[i + width : end], end


def records(stream: bytes) -> list[tuple[int, bytes]]:
    """TLS records (type, body) from a recorded byte stream (RFC 8446 §5.1)."""
    out, i = [], 0
    while i < len(stream):
        body, next_i = _vector(stream, i + 3, 2)  # type, legacy version, then the length
        out.append((stream[i], body))
        i = next_i
    return out


def key_shares(hello: bytes) -> tuple[tuple[str, int], ...]:
    """(group, key length) from the key_share extension of a ClientHello or ServerHello (RFC 8446 §4.2.8)."""
    if len(hello) < 38 or hello[0] not in (1, 2):
        raise ValueError("not a ClientHello or ServerHello")
    client = hello[0] == 1
    _, i = _vector(hello, 38, 1)  # after header, legacy_version and random: legacy_session_id
    if client:
        _, i = _vector(hello, i, 2)  # cipher_suites
        _, i = _vector(hello, i, 1)  # legacy_compression_methods
    else:
        i += 3  # the chosen cipher suite and compression method
    extensions, _ = _vector(hello, i, 2)
    j = 0
    while j < len(extensions):
        kind = int.from_bytes(extensions[j : j + 2], "big")
        body, j = _vector(extensions, j + 2, 2)
        if kind == 51:  # key_share: a list in a ClientHello, one entry in a ServerHello
            entries, k, shares = _vector(body, 0, 2)[0] if client else body, 0, []
            while k < len(entries):
                group = int.from_bytes(entries[k : k + 2], "big")
                key, k = _vector(entries, k + 2, 2)
                shares.append((GROUPS.get(group, hex(group)), len(key)))
            return tuple(shares)
    return ()


def _folded(stream: bytes) -> tuple[str, ...]:
    kinds = [RECORD_TYPES.get(kind, str(kind)) for kind, _ in records(stream)]
    return tuple(k for n, k in enumerate(kinds) if n == 0 or kinds[n - 1] != k)


# --8<-- [start:real-wire]
def record_handshake(address: tuple[str, int], server_hostname: str, trusted_ca_pem: bytes) -> RealHandshake:
    """A real handshake by Python's ssl over a real socket, every byte both ways kept, as an eavesdropper would."""
    if address[0] != LOOPBACK:
        raise ValueError(f"this demo only connects to {LOOPBACK}")
    context = ssl.create_default_context(cadata=trusted_ca_pem.decode("ascii"))
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_hostname)  # TLS without its own socket
    sent = received = b""
    with socket.create_connection(address, timeout=5.0) as raw_socket:
        done = False
        while True:
            try:
                tls.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                pass
            if data := outgoing.read():
                raw_socket.sendall(data)
                sent += data
            if done:
                break
            if not (data := raw_socket.recv(65536)):
                raise ConnectionError("the server closed during the handshake")
            received += data
            incoming.write(data)
    client_hello, server_hello = records(sent)[0][1], records(received)[0][1]
    return RealHandshake(
        tls.version(),
        (tls.cipher() or (None,))[0],
        key_shares(client_hello),
        key_shares(server_hello),
        _folded(sent),
        _folded(received),
        sent,
        received,
        tls.getpeercert(binary_form=True),
    )


# --8<-- [end:real-wire]
