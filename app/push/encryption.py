"""Web Push message encryption: RFC 8291 over the ``aes128gcm`` content coding (RFC 8188).

The application server side is :func:`encrypt`; :func:`decrypt` is the user-agent side,
used by tests and the push service double.

Key schedule (RFC 8291 section 3.4), all HMAC-SHA-256::

    PRK_key = HMAC(auth_secret, ecdh_secret)
    IKM     = HMAC(PRK_key, "WebPush: info\\0" || ua_public || as_public || 0x01)
    PRK     = HMAC(salt, IKM)
    CEK     = HMAC(PRK, "Content-Encoding: aes128gcm\\0" || 0x01)[:16]
    NONCE   = HMAC(PRK, "Content-Encoding: nonce\\0" || 0x01)[:12]

Every HKDF here asks for at most 32 bytes, i.e. a single output block, so
HKDF-Extract/Expand collapse to one HMAC each. Doing that with ``hmac.digest``
(OpenSSL one-shot) instead of ``cryptography``'s HKDF objects is what keeps the
per-message cost dominated by the unavoidable ECDH.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "MAX_BODY_SIZE",
    "MAX_PLAINTEXT_SIZE",
    "InvalidSubscriptionKeys",
    "PayloadTooLarge",
    "SubscriberKeys",
    "b64url_decode",
    "b64url_encode",
    "decrypt",
    "encrypt",
]

SALT_SIZE = 16
AUTH_SECRET_SIZE = 16
PUBLIC_KEY_SIZE = 65  # uncompressed P-256 point: 0x04 || X(32) || Y(32)
TAG_SIZE = 16
# salt(16) | rs(4) | idlen(1) | keyid = sender public key(65)
HEADER_SIZE = SALT_SIZE + 4 + 1 + PUBLIC_KEY_SIZE  # 86

# RFC 8291 section 4: push services must accept bodies of at least 4096 octets, and the
# message must be a single record. 4096 - 86 (header) - 16 (AEAD tag) - 1 (padding
# delimiter) = 3993 octets of plaintext is therefore the largest payload that every
# push service is obliged to deliver.
MAX_BODY_SIZE = 4096
MAX_PLAINTEXT_SIZE = MAX_BODY_SIZE - HEADER_SIZE - TAG_SIZE - 1  # 3993

DEFAULT_RECORD_SIZE = 4096
# RFC 8188 section 2: a record must hold at least the tag and one delimiter octet.
MIN_RECORD_SIZE = TAG_SIZE + 2

_CURVE = ec.SECP256R1()
_ECDH = ec.ECDH()
_KEY_INFO_PREFIX = b"WebPush: info\x00"
# The trailing 0x01 is HKDF-Expand's block counter for the first (and only) block.
_CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"
_NONCE_INFO = b"Content-Encoding: nonce\x00\x01"
_LAST_DELIMITER = b"\x02"


class InvalidSubscriptionKeys(ValueError):
    """The subscription's ``p256dh`` or ``auth`` value is unusable."""


class PayloadTooLarge(ValueError):
    """The plaintext does not fit into a single record of a 4096-byte push message."""


def b64url_encode(data: bytes) -> str:
    """Encode as base64url without padding (the form Web Push and JWTs use)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Decode base64url with or without padding; raise ``ValueError`` on bad input.

    The standard alphabet (``+/``) is tolerated as well because some clients
    serialise subscription keys with ``btoa``.
    """
    if isinstance(text, str):
        try:
            raw = text.encode("ascii")
        except UnicodeEncodeError as exc:
            raise ValueError("not base64url: non-ASCII characters") from exc
    elif isinstance(text, bytes | bytearray):
        raw = bytes(text)
    else:
        raise ValueError(f"expected a base64url string, got {type(text).__name__}")
    raw = raw.strip().rstrip(b"=").replace(b"-", b"+").replace(b"_", b"/")
    if len(raw) % 4 == 1:
        raise ValueError("not base64url: impossible length")
    try:
        # validate=True rejects stray characters instead of silently skipping them.
        return base64.b64decode(raw + b"=" * (-len(raw) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not base64url: {exc}") from exc


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.digest(key, msg, "sha256")


def _derive(
    ecdh_secret: bytes, auth_secret: bytes, ua_public: bytes, as_public: bytes, salt: bytes
) -> tuple[bytes, bytes]:
    """Return (CEK, NONCE) per RFC 8291 section 3.4 and RFC 8188 section 2.2."""
    prk_key = _hmac(auth_secret, ecdh_secret)
    ikm = _hmac(prk_key, _KEY_INFO_PREFIX + ua_public + as_public + b"\x01")
    prk = _hmac(salt, ikm)
    return _hmac(prk, _CEK_INFO)[:16], _hmac(prk, _NONCE_INFO)[:12]


def _public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


@dataclass(frozen=True, slots=True)
class SubscriberKeys:
    """A subscription's keys, decoded and validated once so each push skips the parsing."""

    public_key: ec.EllipticCurvePublicKey
    public_bytes: bytes  # the 65-byte uncompressed point, needed verbatim in the key info
    auth_secret: bytes

    @classmethod
    def from_b64(cls, p256dh: str, auth: str) -> SubscriberKeys:
        """Build from ``PushSubscription.toJSON()["keys"]`` values."""
        try:
            point = b64url_decode(p256dh)
        except ValueError as exc:
            raise InvalidSubscriptionKeys(f"p256dh is {exc}") from exc
        try:
            secret = b64url_decode(auth)
        except ValueError as exc:
            raise InvalidSubscriptionKeys(f"auth is {exc}") from exc
        return cls.from_bytes(point, secret)

    @classmethod
    def from_bytes(cls, p256dh: bytes, auth: bytes) -> SubscriberKeys:
        """Build from the raw 65-byte point and 16-byte auth secret."""
        if len(p256dh) != PUBLIC_KEY_SIZE or p256dh[0] != 0x04:
            raise InvalidSubscriptionKeys(
                f"p256dh must be a {PUBLIC_KEY_SIZE}-byte uncompressed P-256 point, "
                f"got {len(p256dh)} bytes"
            )
        if len(auth) != AUTH_SECRET_SIZE:
            raise InvalidSubscriptionKeys(
                f"auth must be {AUTH_SECRET_SIZE} bytes, got {len(auth)} bytes"
            )
        try:
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, bytes(p256dh))
        except ValueError as exc:
            raise InvalidSubscriptionKeys("p256dh is not a point on the P-256 curve") from exc
        return cls(public_key=public_key, public_bytes=bytes(p256dh), auth_secret=bytes(auth))


def encrypt(
    plaintext: bytes,
    keys: SubscriberKeys,
    *,
    salt: bytes | None = None,
    sender_key: ec.EllipticCurvePrivateKey | None = None,
    record_size: int = DEFAULT_RECORD_SIZE,
    padding: int = 0,
) -> bytes:
    """Encrypt ``plaintext`` into a complete ``aes128gcm`` request body (one record).

    ``salt`` and ``sender_key`` exist for reproducing test vectors only: reusing
    either across messages breaks the scheme's security, so leave them ``None``.
    ``padding`` appends that many zero octets to hide the plaintext length.
    """
    if not isinstance(plaintext, bytes | bytearray | memoryview):
        raise TypeError("plaintext must be bytes")
    if padding < 0:
        raise ValueError("padding must be >= 0")
    if not MIN_RECORD_SIZE <= record_size <= 0xFFFFFFFF:
        raise ValueError(f"record_size must be between {MIN_RECORD_SIZE} and 2**32-1")
    record_len = len(plaintext) + 1 + padding + TAG_SIZE
    if HEADER_SIZE + record_len > MAX_BODY_SIZE:
        raise PayloadTooLarge(
            f"push payload of {len(plaintext)} bytes (+{padding} padding) exceeds "
            f"{MAX_PLAINTEXT_SIZE} bytes, the most a single 4096-byte message can carry"
        )
    if record_len > record_size:
        raise PayloadTooLarge(f"push payload does not fit a {record_size}-byte record")

    if salt is None:
        salt = os.urandom(SALT_SIZE)
    elif len(salt) != SALT_SIZE:
        raise ValueError(f"salt must be {SALT_SIZE} bytes")
    if sender_key is None:
        # A fresh ephemeral key per message (RFC 8291 section 3.1); never cached.
        sender_key = ec.generate_private_key(_CURVE)
    as_public = _public_bytes(sender_key.public_key())
    ecdh_secret = sender_key.exchange(_ECDH, keys.public_key)
    cek, nonce = _derive(ecdh_secret, keys.auth_secret, keys.public_bytes, as_public, salt)

    record = bytes(plaintext) + _LAST_DELIMITER
    if padding:
        record += bytes(padding)
    ciphertext = AESGCM(cek).encrypt(nonce, record, None)
    return b"".join((salt, struct.pack(">IB", record_size, PUBLIC_KEY_SIZE), as_public, ciphertext))


def decrypt(
    body: bytes, receiver_private_key: ec.EllipticCurvePrivateKey, auth_secret: bytes
) -> bytes:
    """Decrypt an ``aes128gcm`` Web Push body as the user agent would.

    Accepts multi-record bodies too (RFC 8188), although RFC 8291 senders emit one.
    Raises ``ValueError`` for any malformed or unauthentic input.
    """
    body = bytes(body)
    if len(auth_secret) != AUTH_SECRET_SIZE:
        raise ValueError(f"auth secret must be {AUTH_SECRET_SIZE} bytes")
    if len(body) < 21:
        raise ValueError("body shorter than the aes128gcm header")
    salt = body[:16]
    record_size, idlen = struct.unpack(">IB", body[16:21])
    if idlen != PUBLIC_KEY_SIZE:
        raise ValueError(f"keyid must be the 65-byte sender public key, got idlen={idlen}")
    if record_size < MIN_RECORD_SIZE:
        raise ValueError(f"record size {record_size} is below the minimum of {MIN_RECORD_SIZE}")
    as_public = body[21:HEADER_SIZE]
    content = body[HEADER_SIZE:]
    if len(as_public) != PUBLIC_KEY_SIZE or as_public[0] != 0x04:
        raise ValueError("keyid is not an uncompressed P-256 point")
    if not content:
        raise ValueError("body has no records")
    try:
        sender_public = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, as_public)
    except ValueError as exc:
        raise ValueError("keyid is not a point on the P-256 curve") from exc

    ua_public = _public_bytes(receiver_private_key.public_key())
    ecdh_secret = receiver_private_key.exchange(_ECDH, sender_public)
    cek, nonce = _derive(ecdh_secret, auth_secret, ua_public, as_public, salt)
    aead = AESGCM(cek)
    nonce_int = int.from_bytes(nonce, "big")

    out = []
    offsets = range(0, len(content), record_size)
    for seq, start in enumerate(offsets):
        chunk = content[start : start + record_size]
        if len(chunk) <= TAG_SIZE:
            raise ValueError("truncated record")
        try:
            record = aead.decrypt((nonce_int ^ seq).to_bytes(12, "big"), chunk, None)
        except InvalidTag as exc:
            raise ValueError("decryption failed (wrong key or tampered message)") from exc
        # Strip zero padding back to the delimiter: 0x02 ends the last record, 0x01 others.
        end = len(record.rstrip(b"\x00"))
        if end == 0:
            raise ValueError("record has no padding delimiter")
        last = seq == len(offsets) - 1
        if record[end - 1] != (2 if last else 1):
            raise ValueError("bad padding delimiter")
        out.append(record[: end - 1])
    return b"".join(out)
