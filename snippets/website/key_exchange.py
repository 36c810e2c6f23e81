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
DER, PKCS8 = serialization.Encoding.DER, serialization.PrivateFormat.PKCS8
RSAKey = rsa.RSAPrivateKey
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
    """From the (EC)DHE shared secret to the handshake traffic keys (TLS_AES_128_GCM_SHA256 sizes).

    The schedule is RFC 8446 §7.1's; simplified is the transcript, which callers give as only the key shares."""
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


def rsa_key() -> RSAKey:
    """A 2048-bit RSA key: the long-term key of the server's certificate."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ephemeral(private: bytes | None = None) -> x25519.X25519PrivateKey:
    return x25519.X25519PrivateKey.from_private_bytes(private or os.urandom(32))


def share(private: x25519.X25519PrivateKey) -> bytes:
    """The key share: the public half, 32 bytes for X25519."""
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def agree(private: x25519.X25519PrivateKey, peer_share: bytes) -> bytes:
    return private.exchange(x25519.X25519PublicKey.from_public_bytes(peer_share))


def sign(key: RSAKey, transcript: bytes) -> bytes:
    return key.sign(CV_CONTEXT + digest(transcript), PSS, SHA256)


def verifies(key: rsa.RSAPublicKey, signature: bytes, transcript: bytes) -> bool:
    try:
        key.verify(signature, CV_CONTEXT + digest(transcript), PSS, SHA256)
        return True
    except InvalidSignature:
        return False


@dataclass(frozen=True)
class Tls13Session:
    wire: Wire
    client_shared: bytes
    server_shared: bytes
    client_transcript: bytes  # what each side saw
    server_transcript: bytes
    signature_ok: bool  # the client's check of CertificateVerify

    @property
    def client_keys(self) -> TrafficKeys:
        return handshake_keys(self.client_shared, self.client_transcript)

    @property
    def server_keys(self) -> TrafficKeys:
        return handshake_keys(self.server_shared, self.server_transcript)


# --8<-- [start:ecdhe]
def tls13_handshake(server_key: RSAKey, client_private=None, server_private=None, tamper=None) -> Tls13Session:
    """(EC)DHE with X25519: each side sends only a public key share; the certificate key only signs."""
    wire = Wire(tamper)
    client_eph = ephemeral(client_private)  # a new key pair for every handshake
    at_server = wire.send("ClientHello.key_share", share(client_eph))
    server_eph = ephemeral(server_private)
    at_client = wire.send("ServerHello.key_share", share(server_eph))
    server_transcript = at_server + share(server_eph)  # hashed into the keys by handshake_keys()
    signature = wire.send("CertificateVerify", sign(server_key, server_transcript))  # encrypted in real TLS 1.3
    client_transcript = share(client_eph) + at_client

    client_shared, server_shared = agree(client_eph, at_client), agree(server_eph, at_server)
    del client_eph, server_eph  # ephemeral: gone once the handshake is done
    ok = verifies(server_key.public_key(), signature, client_transcript)
    return Tls13Session(wire, client_shared, server_shared, client_transcript, server_transcript, ok)


# --8<-- [end:ecdhe]


def man_in_the_middle(server_key: RSAKey) -> Tls13Session:
    """A handshake whose client key share is swapped in transit for an attacker's own."""
    attacker = share(ephemeral())
    return tls13_handshake(server_key, tamper=lambda name, data: attacker if name == "ClientHello.key_share" else data)


@dataclass(frozen=True)
class Tls12Session:
    wire: Wire
    premaster: bytes  # the client's
    client_keys: bytes
    server_keys: bytes


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


def tls12_rsa_handshake(server_key: RSAKey) -> Tls12Session:
    """RSA key transport (RFC 5246 §7.4.7.1): the client picks the secret and sends it, encrypted."""
    wire = Wire()
    client_random = wire.send("ClientHello.random", os.urandom(32))
    server_random = wire.send("ServerHello.random", os.urandom(32))
    premaster = b"\x03\x03" + os.urandom(46)  # client_version, then 46 random bytes
    sent = wire.send("ClientKeyExchange", server_key.public_key().encrypt(premaster, padding.PKCS1v15()))
    at_server = server_key.decrypt(sent, padding.PKCS1v15())
    keys = (tls12_keys(premaster, client_random, server_random), tls12_keys(at_server, client_random, server_random))
    return Tls12Session(wire, premaster, *keys)


def attack_tls12(wire: Wire, leaked: RSAKey) -> bytes:
    """A recorded RSA session, after the server's key leaks: decrypt the premaster, derive the keys."""
    premaster = leaked.decrypt(wire.messages["ClientKeyExchange"], padding.PKCS1v15())
    return tls12_keys(premaster, wire.messages["ClientHello.random"], wire.messages["ServerHello.random"])


def attack_tls13(wire: Wire, leaked: RSAKey) -> TrafficKeys:
    """A recorded ECDHE session: agreeing needs an ephemeral private key, and neither side kept one.
    The only private key the attacker has is the leaked signing key, so it stands in for one."""
    stand_in = ephemeral(digest(leaked.private_bytes(DER, PKCS8, serialization.NoEncryption())))
    client_share, server_share = wire.messages["ClientHello.key_share"], wire.messages["ServerHello.key_share"]
    return handshake_keys(agree(stand_in, client_share), client_share + server_share)


def forge_certificate_verify(leaked: RSAKey, transcript: bytes) -> bool:
    """What the leaked key does give: signing new handshakes, i.e. posing as the server from now on."""
    return verifies(leaked.public_key(), sign(leaked, transcript), transcript)


HELLO_RETRY = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")  # RFC 8446 §4.1.3
GROUPS = {0x001D: "x25519", 0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1", 0x0100: "ffdhe2048"}


@dataclass(frozen=True)
class RealHandshake:
    version: str | None
    cipher: str | None
    client_shares: tuple[tuple[str, int], ...]  # (group, key length) offered in ClientHello
    server_shares: tuple[tuple[str, int], ...]  # the one ServerHello picked
    retried: bool  # the server asked again (HelloRetryRequest): the client's first key share was not for its group
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
        if kind == 51 and not client and hello[6:38] == HELLO_RETRY:  # HelloRetryRequest: only the group wanted
            if len(body) != 2:
                raise ValueError("malformed HelloRetryRequest key_share")
            return ((GROUPS.get(int.from_bytes(body, "big"), "0x" + body.hex()), 0),)
        if kind == 51:  # key_share: a list in a ClientHello, one entry in a ServerHello
            entries, k, shares = _vector(body, 0, 2)[0] if client else body, 0, []
            while k < len(entries):
                group = int.from_bytes(entries[k : k + 2], "big")
                key, k = _vector(entries, k + 2, 2)
                shares.append((GROUPS.get(group, hex(group)), len(key)))
            return tuple(shares)
    return ()


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
    client_hellos = [body for kind, body in records(sent) if kind == 22 and body[:1] == b"\x01"]
    server_hellos = [body for kind, body in records(received) if kind == 22 and body[:1] == b"\x02"]
    return RealHandshake(
        tls.version(),
        (tls.cipher() or (None,))[0],
        key_shares(client_hellos[-1]),
        key_shares(server_hellos[-1]),
        len(server_hellos) > 1,
        sent,
        received,
        tls.getpeercert(binary_form=True),
    )
