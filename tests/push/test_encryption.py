"""RFC 8291 / RFC 8188 message encryption: vectors, round trips, interop, limits."""

from __future__ import annotations

import os
import struct

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st
from pywebpush import WebPusher

from app.push.encryption import (
    MAX_PLAINTEXT_SIZE,
    InvalidSubscriptionKeys,
    PayloadTooLarge,
    SubscriberKeys,
    b64url_decode,
    b64url_encode,
    decrypt,
    encrypt,
)

# RFC 8291 Appendix A (section 5 example), all values base64url as printed there.
RFC_PLAINTEXT = b"When I grow up, I want to be a watermelon"
RFC_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC_AS_PUBLIC = (
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
)
RFC_UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
RFC_UA_PUBLIC = (
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
)
RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC_ECDH_SECRET = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"
RFC_CEK = "oIhVW04MRdy2XN9CiKLxTg"
RFC_NONCE = "4h_95klXJ5E_qnoN"
RFC_BODY = (
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
    "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
    "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)


def _private_key(b64: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(b64url_decode(b64), "big"), ec.SECP256R1())


def _point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _derive(
    sender: ec.EllipticCurvePrivateKey, ua_public: bytes, auth: bytes, salt: bytes
) -> tuple[bytes, bytes]:
    """(CEK, NONCE) of RFC 8291 section 3.4, as the library that encrypts derives them."""
    return http_ece.derive_key(
        "encrypt", "aes128gcm", salt, None, sender, ua_public, auth, keyid=None
    )


class Subscriber:
    """A browser-side key pair and auth secret."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.p256dh = b64url_encode(_point(self.private_key))
        self.keys = SubscriberKeys.from_b64(self.p256dh, b64url_encode(self.auth))


@pytest.fixture
def subscriber() -> Subscriber:
    return Subscriber()


# ---------------------------------------------------------------- RFC 8291 Appendix A


def test_rfc8291_appendix_a_body_is_reproduced_exactly() -> None:
    keys = SubscriberKeys.from_b64(RFC_UA_PUBLIC, RFC_AUTH)
    sender = _private_key(RFC_AS_PRIVATE)
    assert b64url_encode(_point(sender)) == RFC_AS_PUBLIC

    body = encrypt(RFC_PLAINTEXT, keys, salt=b64url_decode(RFC_SALT), sender_key=sender)

    assert body == b64url_decode(RFC_BODY)


def test_rfc8291_appendix_a_intermediate_values() -> None:
    sender = _private_key(RFC_AS_PRIVATE)
    ua_public = b64url_decode(RFC_UA_PUBLIC)
    receiver = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public)
    ecdh_secret = sender.exchange(ec.ECDH(), receiver)
    assert ecdh_secret == b64url_decode(RFC_ECDH_SECRET)

    cek, nonce = _derive(sender, ua_public, b64url_decode(RFC_AUTH), b64url_decode(RFC_SALT))
    assert cek == b64url_decode(RFC_CEK)
    assert nonce == b64url_decode(RFC_NONCE)


def test_rfc8291_appendix_a_body_decrypts() -> None:
    receiver = _private_key(RFC_UA_PRIVATE)
    assert b64url_encode(_point(receiver)) == RFC_UA_PUBLIC
    assert decrypt(b64url_decode(RFC_BODY), receiver, b64url_decode(RFC_AUTH)) == RFC_PLAINTEXT


# ---------------------------------------------------------------- format and round trips


def test_header_layout(subscriber: Subscriber) -> None:
    body = encrypt(b"hello", subscriber.keys)
    rs, idlen = struct.unpack(">IB", body[16:21])
    assert (rs, idlen) == (4096, 65)
    keyid = body[21:86]
    assert keyid[0] == 0x04
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), keyid)  # a valid point
    # One record: plaintext + delimiter + 16-byte tag.
    assert len(body) == 86 + len(b"hello") + 1 + 16


def test_each_message_gets_a_fresh_salt_and_sender_key(subscriber: Subscriber) -> None:
    bodies = [encrypt(b"same", subscriber.keys) for _ in range(5)]
    assert len({b[:16] for b in bodies}) == 5
    assert len({b[21:86] for b in bodies}) == 5


@pytest.mark.parametrize("size", [1, 100, 3000, MAX_PLAINTEXT_SIZE])
def test_round_trip(subscriber: Subscriber, size: int) -> None:
    plaintext = os.urandom(size)
    body = encrypt(plaintext, subscriber.keys)
    assert decrypt(body, subscriber.private_key, subscriber.auth) == plaintext


def test_empty_payload_is_refused(subscriber: Subscriber) -> None:
    # http_ece would write a header and no record, which no browser decrypts.
    with pytest.raises(ValueError, match="empty"):
        encrypt(b"", subscriber.keys)


@settings(max_examples=40, deadline=None)
@given(plaintext=st.binary(min_size=1, max_size=MAX_PLAINTEXT_SIZE + 64))
def test_round_trip_property(plaintext: bytes) -> None:
    sub = Subscriber()
    if len(plaintext) > MAX_PLAINTEXT_SIZE:
        with pytest.raises(PayloadTooLarge):
            encrypt(plaintext, sub.keys)
        return
    body = encrypt(plaintext, sub.keys)
    assert decrypt(body, sub.private_key, sub.auth) == plaintext


# ---------------------------------------------------------------- interop


def test_http_ece_decrypts_our_output(subscriber: Subscriber) -> None:
    plaintext = b'{"title": "Nouvelle r\xc3\xa9ponse", "url": "/q/42"}'
    body = encrypt(plaintext, subscriber.keys)
    decrypted = http_ece.decrypt(
        body,
        private_key=subscriber.private_key,
        auth_secret=subscriber.auth,
        version="aes128gcm",
    )
    assert decrypted == plaintext


def test_we_decrypt_pywebpush_output(subscriber: Subscriber) -> None:
    pusher = WebPusher(
        {
            "endpoint": "https://push.example.net/x",
            "keys": {"p256dh": subscriber.p256dh, "auth": b64url_encode(subscriber.auth)},
        }
    )
    plaintext = b"from pywebpush " * 50
    body = pusher.encode(plaintext, "aes128gcm")["body"]
    assert decrypt(body, subscriber.private_key, subscriber.auth) == plaintext


def test_we_decrypt_multi_record_http_ece_output(subscriber: Subscriber) -> None:
    # RFC 8291 senders use one record, but decrypt() implements all of RFC 8188.
    plaintext = os.urandom(1000)
    body = http_ece.encrypt(
        plaintext,
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=_point(subscriber.private_key),
        auth_secret=subscriber.auth,
        rs=100,
        version="aes128gcm",
    )
    assert struct.unpack(">I", body[16:20])[0] == 100
    assert decrypt(body, subscriber.private_key, subscriber.auth) == plaintext


# ---------------------------------------------------------------- key parsing


def test_keys_accept_padded_and_unpadded_base64url(subscriber: Subscriber) -> None:
    point = _point(subscriber.private_key)
    padded = SubscriberKeys.from_b64(
        b64url_encode(point) + "=", b64url_encode(subscriber.auth) + "=="
    )
    assert padded.public_bytes == point
    assert padded.auth_secret == subscriber.auth


@pytest.mark.parametrize(
    ("p256dh", "auth", "message"),
    [
        ("not base64!", RFC_AUTH, "p256dh is not base64url"),
        (RFC_UA_PUBLIC, "BTBZ*qHH6r4Tts7J_aSIgg", "auth is not base64url"),
        (RFC_UA_PUBLIC[:-4], RFC_AUTH, "65-byte uncompressed P-256 point"),
        (RFC_UA_PUBLIC, RFC_AUTH[:-3], "auth must be 16 bytes"),
        (b64url_encode(b"\x04" + bytes(64)), RFC_AUTH, "not a point on the P-256 curve"),
        (b64url_encode(b"\x04" + b"\x01" * 64), RFC_AUTH, "not a point on the P-256 curve"),
        # A compressed point is valid P-256 but not what subscriptions carry.
        (b64url_encode(b"\x02" + bytes(32)), RFC_AUTH, "65-byte uncompressed"),
        ("", RFC_AUTH, "65-byte uncompressed"),
        (None, RFC_AUTH, "p256dh is"),
        (RFC_UA_PUBLIC, "é" * 22, "auth is not base64url"),
    ],
)
def test_malformed_keys_are_rejected(p256dh: str, auth: str, message: str) -> None:
    with pytest.raises(InvalidSubscriptionKeys, match=message):
        SubscriberKeys.from_b64(p256dh, auth)


def test_invalid_keys_error_is_a_value_error() -> None:
    assert issubclass(InvalidSubscriptionKeys, ValueError)
    assert issubclass(PayloadTooLarge, ValueError)


# ---------------------------------------------------------------- size limit


def test_largest_payload_fills_exactly_4096_bytes(subscriber: Subscriber) -> None:
    assert MAX_PLAINTEXT_SIZE == 3993
    assert len(encrypt(bytes(3993), subscriber.keys)) == 4096


def test_payload_too_large(subscriber: Subscriber) -> None:
    with pytest.raises(PayloadTooLarge, match="3993"):
        encrypt(bytes(3994), subscriber.keys)


def test_smaller_record_size_limits_the_payload(subscriber: Subscriber) -> None:
    body = encrypt(bytes(83), subscriber.keys, record_size=100)
    assert decrypt(body, subscriber.private_key, subscriber.auth) == bytes(83)
    with pytest.raises(PayloadTooLarge):
        encrypt(bytes(84), subscriber.keys, record_size=100)


def test_bad_arguments(subscriber: Subscriber) -> None:
    with pytest.raises(ValueError, match="salt"):
        encrypt(b"x", subscriber.keys, salt=b"short")
    with pytest.raises(ValueError, match="record_size"):
        encrypt(b"x", subscriber.keys, record_size=17)
    with pytest.raises(TypeError):
        encrypt("text", subscriber.keys)  # type: ignore[arg-type]


# ---------------------------------------------------------------- decrypt rejects junk


def _mutations(body: bytes) -> dict[str, bytes]:
    flipped = bytearray(body)
    flipped[-1] ^= 1
    bad_key = bytearray(body)
    bad_key[30] ^= 0xFF
    return {
        "empty": b"",
        "header only": body[:86],
        "truncated tag": body[:-1],
        "tampered": bytes(flipped),
        "idlen 0": body[:20] + b"\x00" + body[21:],
        "rs too small": body[:16] + struct.pack(">I", 17) + body[20:],
        "sender key off curve": bytes(bad_key),
    }


@pytest.mark.parametrize("case", list(_mutations(b"\x00" * 120)))
def test_decrypt_rejects_malformed_bodies(subscriber: Subscriber, case: str) -> None:
    body = encrypt(b"payload", subscriber.keys)
    with pytest.raises(ValueError):
        decrypt(_mutations(body)[case], subscriber.private_key, subscriber.auth)


def test_decrypt_rejects_wrong_auth_secret(subscriber: Subscriber) -> None:
    body = encrypt(b"payload", subscriber.keys)
    with pytest.raises(ValueError, match="decryption failed"):
        decrypt(body, subscriber.private_key, os.urandom(16))


def test_decrypt_rejects_wrong_delimiter(subscriber: Subscriber) -> None:
    # A single (hence last) record ending in 0x01, the "more records follow" delimiter.
    sender = ec.generate_private_key(ec.SECP256R1())
    salt = os.urandom(16)
    cek, nonce = _derive(sender, subscriber.keys.public_bytes, subscriber.auth, salt)
    record = AESGCM(cek).encrypt(nonce, b"abc\x01", None)
    forged = salt + struct.pack(">IB", 4096, 65) + _point(sender) + record
    with pytest.raises(ValueError, match="delimiter"):
        decrypt(forged, subscriber.private_key, subscriber.auth)
