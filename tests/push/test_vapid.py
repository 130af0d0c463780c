"""VAPID (RFC 8292): key handling, JWT format and signature, per-origin caching."""

from __future__ import annotations

import base64
import json
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from app.push.vapid import VapidKey, VapidSigner, endpoint_origin

FCM = "https://fcm.googleapis.com/fcm/send/abc:def"
MOZILLA = "https://updates.push.services.mozilla.com/wpush/v2/gAAAA"
LOCAL = "http://127.0.0.1:8123/push/xyz"


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def parse(header: str) -> tuple[dict, dict, bytes, str, str]:
    """Split a ``vapid t=..., k=...`` header into (jwt header, claims, sig, signing input, k)."""
    assert header.startswith("vapid t=")
    t_part, k_part = header[len("vapid ") :].split(", ")
    assert t_part.startswith("t=") and k_part.startswith("k=")
    token, key = t_part[2:], k_part[2:]
    h, c, s = token.split(".")
    return json.loads(_b64d(h)), json.loads(_b64d(c)), _b64d(s), f"{h}.{c}", key


@pytest.fixture
def key() -> VapidKey:
    return VapidKey.generate()


def test_header_format(key: VapidKey) -> None:
    clock = FakeClock()
    signer = VapidSigner(key, "mailto:ops@commune.example", clock=clock)
    header = signer.authorization(FCM)
    jwt_header, claims, signature, _, k = parse(header)
    assert jwt_header == {"typ": "JWT", "alg": "ES256"}
    assert claims == {
        "aud": "https://fcm.googleapis.com",
        "exp": int(clock.now) + 12 * 3600,
        "sub": "mailto:ops@commune.example",
    }
    assert len(signature) == 64  # raw r || s, not DER
    assert k == key.application_server_key
    token = header.split(", ")[0][len("vapid t=") :]
    assert "=" not in token + k  # base64url without padding everywhere


def test_signature_verifies_with_the_public_key(key: VapidKey) -> None:
    signer = VapidSigner(key, "https://commune.example/contact")
    _, _, signature, signing_input, k = parse(signer.authorization(MOZILLA))
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64d(k))
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    public_key.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))  # no raise


def test_application_server_key_is_the_uncompressed_point(key: VapidKey) -> None:
    raw = _b64d(key.application_server_key)
    assert len(raw) == 65 and raw[0] == 0x04
    assert len(key.application_server_key) == 87
    assert ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw) == key.public_key


@pytest.mark.parametrize(
    ("endpoint", "aud"),
    [
        (FCM, "https://fcm.googleapis.com"),
        (LOCAL, "http://127.0.0.1:8123"),
        ("https://push.example:443/x", "https://push.example"),
        ("http://push.example:80/x", "http://push.example"),
        ("https://push.example:8443/x", "https://push.example:8443"),
        ("HTTPS://Push.Example/x?y#z", "https://push.example"),
        ("http://[::1]:9000/p", "http://[::1]:9000"),
    ],
)
def test_aud_is_the_endpoint_origin(key: VapidKey, endpoint: str, aud: str) -> None:
    assert endpoint_origin(endpoint) == aud
    _, claims, *_ = parse(VapidSigner(key, "mailto:a@b.example").authorization(endpoint))
    assert claims["aud"] == aud


@pytest.mark.parametrize("endpoint", ["ftp://x.example/a", "/relative", "https:///nohost"])
def test_bad_endpoints_are_rejected(key: VapidKey, endpoint: str) -> None:
    with pytest.raises(ValueError):
        VapidSigner(key, "mailto:a@b.example").authorization(endpoint)


def test_one_signature_per_origin(key: VapidKey) -> None:
    signer = VapidSigner(key, "mailto:a@b.example", clock=FakeClock())
    first = signer.authorization(FCM)
    assert signer.authorization("https://fcm.googleapis.com/fcm/send/other") is first
    other = signer.authorization(MOZILLA)
    assert other != first
    assert parse(other)[1]["aud"] == "https://updates.push.services.mozilla.com"


def test_resigns_when_the_refresh_margin_is_reached(key: VapidKey) -> None:
    clock = FakeClock()
    signer = VapidSigner(
        key, "mailto:a@b.example", lifetime_s=12 * 3600, refresh_margin_s=3600, clock=clock
    )
    first = signer.authorization(FCM)
    exp = parse(first)[1]["exp"]

    clock.now += 11 * 3600 - 1  # 3601 s left: still reused
    assert signer.authorization(FCM) is first
    clock.now += 2  # 3599 s left: re-signed
    second = signer.authorization(FCM)
    assert second != first
    assert parse(second)[1]["exp"] == int(clock.now) + 12 * 3600 > exp
    assert signer.authorization(FCM) is second


def test_load_or_create_round_trip_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "vapid.pem"
    created = VapidKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    loaded = VapidKey.load_or_create(path)
    assert loaded.application_server_key == created.application_server_key
    assert [p.name for p in path.parent.iterdir()] == ["vapid.pem"]  # no temp files left


def test_load_or_create_concurrently_agrees_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "vapid.pem"
    results: list[str] = []

    def worker() -> None:
        results.append(VapidKey.load_or_create(path).application_server_key)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and len(results) == 8


def test_signed_tokens_verify_after_reload(tmp_path: Path) -> None:
    path = tmp_path / "vapid.pem"
    VapidKey.load_or_create(path)
    signer = VapidSigner(VapidKey.load_or_create(path), "mailto:a@b.example")
    k = parse(signer.authorization(FCM))[4]
    assert k == VapidKey.from_pem(path.read_bytes()).application_server_key


@pytest.mark.parametrize(
    "subject",
    ["", "ops@commune.example", "mailto:", "mailto:nobody", "http://commune.example", "https://"],
)
def test_bad_subject_is_rejected(key: VapidKey, subject: str) -> None:
    with pytest.raises(ValueError, match="subject"):
        VapidSigner(key, subject)


@pytest.mark.parametrize(
    ("lifetime_s", "margin_s"), [(24 * 3600, 3600), (0, 0), (3600, 3600), (7200, -1)]
)
def test_bad_lifetimes_are_rejected(key: VapidKey, lifetime_s: int, margin_s: int) -> None:
    with pytest.raises(ValueError):
        VapidSigner(key, "mailto:a@b.example", lifetime_s=lifetime_s, refresh_margin_s=margin_s)


def test_only_p256_keys_are_accepted() -> None:
    with pytest.raises(ValueError, match="P-256"):
        VapidKey(ec.generate_private_key(ec.SECP384R1()))
