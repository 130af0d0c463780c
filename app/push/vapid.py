"""VAPID: voluntary application server identification for Web Push (RFC 8292).

Push services authenticate an application server by a short-lived ES256 JWT bound
to the push service's origin. Signing is the expensive part, so :class:`VapidSigner`
signs once per push service origin and reuses that header for every message until
it nears expiry.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pathlib
import tempfile
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

__all__ = ["VapidKey", "VapidSigner", "endpoint_origin"]

_CURVE = ec.SECP256R1()
_ES256 = ec.ECDSA(hashes.SHA256())
MAX_LIFETIME_S = 24 * 3600  # RFC 8292 section 2: exp no more than 24 hours ahead
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Origins are few (one per push service vendor); the bound only guards against a
# flood of bogus endpoints growing the cache forever.
_MAX_CACHED_ORIGINS = 256


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def endpoint_origin(endpoint: str) -> str:
    """Return the origin (``scheme://host[:port]``) of a push endpoint, the JWT ``aud``.

    The port is kept only when it is not the scheme's default, matching how the
    push service serialises its own origin (RFC 6454).
    """
    parts = urlsplit(endpoint)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"push endpoint must be an http(s) URL: {endpoint!r}")
    host = parts.hostname  # lower-cased, brackets and userinfo removed
    if not host:
        raise ValueError(f"push endpoint has no host: {endpoint!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"push endpoint has an invalid port: {endpoint!r}") from exc
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class VapidKey:
    """The application server's long-lived P-256 key pair."""

    __slots__ = ("_application_server_key", "_private_key")

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
            private_key.curve, ec.SECP256R1
        ):
            raise ValueError("a VAPID key must be a P-256 (secp256r1) private key")
        self._private_key = private_key
        point = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self._application_server_key = _b64url(point)

    @classmethod
    def generate(cls) -> VapidKey:
        """Create a new random key."""
        return cls(ec.generate_private_key(_CURVE))

    @classmethod
    def from_pem(cls, data: bytes) -> VapidKey:
        """Load an unencrypted PEM private key."""
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the PEM does not hold an EC private key")
        return cls(key)

    @classmethod
    def load_or_create(cls, path: pathlib.Path) -> VapidKey:
        """Load the key at ``path``, creating it (PKCS#8 PEM, mode 0600) if missing.

        Creation is atomic (write a temp file, then hard-link it into place), so
        several workers starting at once all end up with the same key.
        """
        path = pathlib.Path(path)
        try:
            return cls.from_pem(path.read_bytes())
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = cls.generate().to_pem()
        # mkstemp creates the file 0600 from the start, so the key is never readable
        # by others, whatever the umask.
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(pem)
                tmp.flush()
                os.fsync(tmp.fileno())
            # link() refuses to replace: if another process won the race, use its key.
            with contextlib.suppress(FileExistsError):
                os.link(tmp_name, path)
        finally:
            os.unlink(tmp_name)
        return cls.from_pem(path.read_bytes())

    def to_pem(self) -> bytes:
        """Serialise as unencrypted PKCS#8 PEM."""
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey:
        return self._private_key

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._private_key.public_key()

    @property
    def application_server_key(self) -> str:
        """Base64url (unpadded) uncompressed public point, as browsers expect it."""
        return self._application_server_key

    def sign_es256(self, data: bytes) -> bytes:
        """Sign with ECDSA P-256/SHA-256; return JWS's raw ``r || s`` (64 bytes), not DER."""
        r, s = decode_dss_signature(self._private_key.sign(data, _ES256))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _validate_subject(subject: str) -> None:
    if not isinstance(subject, str):
        raise ValueError("VAPID subject must be a string")
    if subject.startswith("mailto:"):
        address = subject[len("mailto:") :]
        local, _, domain = address.partition("@")
        if not local or not domain or any(c.isspace() for c in address):
            raise ValueError(f"VAPID subject is not a usable mailto: URI: {subject!r}")
        return
    if subject.startswith("https:"):
        parts = urlsplit(subject)
        if parts.scheme == "https" and parts.hostname:
            return
    raise ValueError(f"VAPID subject must be a mailto: or https: URI, got {subject!r}")


class VapidSigner:
    """Produces ``Authorization: vapid t=..., k=...`` headers, one signature per origin.

    Cached headers are immutable tuples in a dict keyed by origin; from a single
    event loop there is no interleaving, and even from threads the worst case is
    signing the same origin twice.
    """

    _JWT_HEADER = _b64url(
        json.dumps({"typ": "JWT", "alg": "ES256"}, separators=(",", ":")).encode()
    )

    def __init__(
        self,
        key: VapidKey,
        subject: str,
        *,
        lifetime_s: int = 12 * 3600,
        refresh_margin_s: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _validate_subject(subject)
        if not 0 < lifetime_s < MAX_LIFETIME_S:
            raise ValueError("lifetime_s must be positive and below 24 hours")
        if not 0 <= refresh_margin_s < lifetime_s:
            raise ValueError("refresh_margin_s must be in [0, lifetime_s)")
        self._key = key
        self._subject = subject
        self._lifetime_s = int(lifetime_s)
        self._refresh_margin_s = refresh_margin_s
        self._clock = clock
        self._cache: dict[str, tuple[str, int]] = {}  # origin -> (header, exp)

    @property
    def key(self) -> VapidKey:
        return self._key

    @property
    def subject(self) -> str:
        return self._subject

    def authorization(self, endpoint: str) -> str:
        """Return the ``Authorization`` header value for a push to ``endpoint``."""
        return self.authorization_for_origin(endpoint_origin(endpoint))

    def authorization_for_origin(self, origin: str) -> str:
        """The same, for a caller that already knows the endpoint's origin (the worker)."""
        now = self._clock()
        cached = self._cache.get(origin)
        if cached is not None and cached[1] - now >= self._refresh_margin_s:
            return cached[0]
        exp = int(now) + self._lifetime_s
        header = f"vapid t={self._token(origin, exp)}, k={self._key.application_server_key}"
        if len(self._cache) >= _MAX_CACHED_ORIGINS:
            self._prune(now)
        self._cache[origin] = (header, exp)
        return header

    def _token(self, audience: str, exp: int) -> str:
        claims = {"aud": audience, "exp": exp, "sub": self._subject}
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{self._JWT_HEADER}.{payload}"
        signature = self._key.sign_es256(signing_input.encode("ascii"))
        return f"{signing_input}.{_b64url(signature)}"

    def _prune(self, now: float) -> None:
        # Build a new dict rather than deleting while others might iterate.
        fresh = {
            origin: entry
            for origin, entry in self._cache.items()
            if entry[1] - now >= self._refresh_margin_s
        }
        if len(fresh) >= _MAX_CACHED_ORIGINS:
            fresh = {}
        self._cache = fresh
