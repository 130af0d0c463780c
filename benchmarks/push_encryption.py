"""Encrypting one push message: http_ece (what app/push/encryption.py uses) against the
hand-written RFC 8291 code it replaced and against pywebpush's own path, in the same run.

    .venv/bin/python -m benchmarks.push_encryption [--messages 3000] [--size 300]

Each implementation encrypts the same payload for the same subscriber, with a fresh salt and
sender key per message as in production; the user-agent side (decryption, which the push
service double does for every request) is timed the same way. It prints microseconds per
message and the ratio against the old code, never asserts a time (the machine is shared).
The old code lives only here, to be measured against.
"""

from __future__ import annotations

import argparse
import hmac
import os
import struct
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pywebpush import WebPusher

from app.push.encryption import SubscriberKeys, b64url_encode, decrypt, encrypt

_CURVE = ec.SECP256R1()


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.digest(key, msg, "sha256")


def _old_derive(
    ecdh_secret: bytes, auth: bytes, ua_public: bytes, as_public: bytes, salt: bytes
) -> tuple[bytes, bytes]:
    """The replaced key schedule: each single-block HKDF collapsed to one HMAC."""
    ikm = _hmac(_hmac(auth, ecdh_secret), b"WebPush: info\x00" + ua_public + as_public + b"\x01")
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    return cek, _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]


def _point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def old_encrypt(plaintext: bytes, keys: SubscriberKeys) -> bytes:
    """The replaced hand-written encryption (one record, no padding)."""
    salt = os.urandom(16)
    sender = ec.generate_private_key(_CURVE)
    as_public = _point(sender)
    secret = sender.exchange(ec.ECDH(), keys.public_key)
    cek, nonce = _old_derive(secret, keys.auth_secret, keys.public_bytes, as_public, salt)
    ciphertext = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)
    return b"".join((salt, struct.pack(">IB", 4096, 65), as_public, ciphertext))


def old_decrypt(body: bytes, private_key: ec.EllipticCurvePrivateKey, auth: bytes) -> bytes:
    """The replaced hand-written decryption, single-record path."""
    salt, as_public = body[:16], body[21:86]
    sender = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, as_public)
    secret = private_key.exchange(ec.ECDH(), sender)
    cek, nonce = _old_derive(secret, auth, _point(private_key), as_public, salt)
    record = AESGCM(cek).decrypt(nonce, body[86:], None)
    return record[: len(record.rstrip(b"\x00")) - 1]


def per_message(fn: Callable[[], object], count: int) -> float:
    """Best of three runs, in microseconds per call."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(count):
            fn()
        best = min(best, (time.perf_counter() - start) / count)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--size", type=int, default=300, help="payload bytes (JSON ~300)")
    args = parser.parse_args()

    receiver = ec.generate_private_key(_CURVE)
    auth = os.urandom(16)
    keys = SubscriberKeys.from_bytes(_point(receiver), auth)
    payload = os.urandom(args.size)
    pusher = WebPusher(
        {
            "endpoint": "https://push.example.net/x",
            "keys": {"p256dh": b64url_encode(keys.public_bytes), "auth": b64url_encode(auth)},
        }
    )
    body = encrypt(payload, keys)
    for name, fn in (("old", old_encrypt), ("new", encrypt)):
        assert decrypt(fn(payload, keys), receiver, auth) == payload, name
    assert old_decrypt(body, receiver, auth) == payload

    n = args.messages
    old = per_message(lambda: old_encrypt(payload, keys), n)
    rows = [
        ("encrypt: old hand-written", old, old),
        ("encrypt: http_ece (ours now)", per_message(lambda: encrypt(payload, keys), n), old),
        ("encrypt: pywebpush encode()", per_message(lambda: pusher.encode(payload), n), old),
    ]
    old = per_message(lambda: old_decrypt(body, receiver, auth), n)
    new = per_message(lambda: decrypt(body, receiver, auth), n)
    rows += [("decrypt: old hand-written", old, old), ("decrypt: http_ece (ours now)", new, old)]
    print(f"{n} messages of {args.size} bytes, best of 3, µs per message (lower is better)")
    for name, micros, base in rows:
        print(f"  {name:30} {micros:7.1f} µs   {micros / base:5.2f}x the old code")


if __name__ == "__main__":
    main()
