"""Web Push message encryption: RFC 8291 over the ``aes128gcm`` content coding (RFC 8188).

The records, key schedule and header are ``http_ece``'s (the library pywebpush uses); this
module keeps what is ours: the subscription keys checked once at subscribe time, the
single-record size limit every push service must accept, and plain ``ValueError``\\ s.

The application server side is :func:`encrypt`; :func:`decrypt` is the user-agent side,
used by tests and the push service double.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec

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
_CODING = "aes128gcm"


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


@dataclass(frozen=True, slots=True)
class SubscriberKeys:
    """A subscription's keys, decoded and validated once so each push skips the parsing."""

    public_key: ec.EllipticCurvePublicKey
    public_bytes: bytes  # the 65-byte uncompressed point, as the browser sent it
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
) -> bytes:
    """Encrypt ``plaintext`` into a complete ``aes128gcm`` request body (one record).

    ``salt`` and ``sender_key`` exist for reproducing test vectors only: reusing
    either across messages breaks the scheme's security, so leave them ``None``.
    """
    if not isinstance(plaintext, bytes | bytearray | memoryview):
        raise TypeError("plaintext must be bytes")
    if not plaintext:
        # http_ece writes no record at all for an empty input; a push without a payload
        # is sent without a body (RFC 8030), never as an empty encrypted one.
        raise ValueError("plaintext must not be empty")
    if not MIN_RECORD_SIZE <= record_size <= 0xFFFFFFFF:
        raise ValueError(f"record_size must be between {MIN_RECORD_SIZE} and 2**32-1")
    record_len = len(plaintext) + 1 + TAG_SIZE
    if HEADER_SIZE + record_len > MAX_BODY_SIZE:
        raise PayloadTooLarge(
            f"push payload of {len(plaintext)} bytes exceeds "
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
    # The public key object, not its bytes: http_ece then skips parsing the point again.
    return http_ece.encrypt(
        bytes(plaintext),
        salt=salt,
        private_key=sender_key,
        dh=keys.public_key,
        auth_secret=keys.auth_secret,
        rs=record_size,
        version=_CODING,
    )


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
    record_size, idlen = struct.unpack(">IB", body[16:21])
    # http_ece takes any keyid; RFC 8291 section 4 says it is the sender's public key.
    if idlen != PUBLIC_KEY_SIZE:
        raise ValueError(f"keyid must be the 65-byte sender public key, got idlen={idlen}")
    if record_size < MIN_RECORD_SIZE:
        raise ValueError(f"record size {record_size} is below the minimum of {MIN_RECORD_SIZE}")
    if len(body) <= HEADER_SIZE:
        # http_ece returns b"" for a header without records; a browser would drop it.
        raise ValueError("body has no records")
    if body[21] != 0x04:
        raise ValueError("keyid is not an uncompressed P-256 point")
    try:
        return http_ece.decrypt(
            body, private_key=receiver_private_key, auth_secret=auth_secret, version=_CODING
        )
    except http_ece.ECEException as exc:
        raise ValueError(f"decryption failed (wrong key or tampered message): {exc}") from exc
    except ValueError as exc:  # from parsing the keyid as a point
        raise ValueError("keyid is not a point on the P-256 curve") from exc
