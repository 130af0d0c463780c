"""Time-based one-time passwords (RFC 6238), as authenticator apps use: codes by ``pyotp``.

SHA-1, 6 digits, 30-second steps: the parameters every common app (Google Authenticator,
Microsoft Authenticator, FreeOTP, Aegis) understands without asking. What is ours: the drift
window, forgiving spaces and dashes, and refusing a step already used (pyotp's ``verify``
answers only yes or no, so it cannot tell which step to remember).
"""

from __future__ import annotations

import time
from urllib.parse import quote, urlencode

import pyotp

from app.parsing import is_digits

STEP_SECONDS = 30
DIGITS = 6
# One step either side: a phone clock up to ~30 s off, or a code typed as it rolled over.
DRIFT_STEPS = 1
SECRET_LENGTH = 32  # base32 characters: 160 bits, the HMAC-SHA-1 block the RFC recommends


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def new_secret() -> str:
    """A fresh shared secret, base32 without padding (what apps expect to be typed or scanned)."""
    return pyotp.random_base32(SECRET_LENGTH)


def code_at(secret: str, step: int) -> str:
    """The code for one time step."""
    return _totp(secret).generate_otp(step)


def current_step(now: float | None = None) -> int:
    """The RFC 6238 time step of ``now`` (default: this moment)."""
    return int((time.time() if now is None else now) // STEP_SECONDS)


def normalize_code(code: object) -> str | None:
    """The digits of what someone typed ("123 456" works), or None if it cannot be a code."""
    if not isinstance(code, str) or len(code) > 20:
        return None
    digits = "".join(ch for ch in code if ch not in " -")
    if len(digits) != DIGITS or not is_digits(digits):
        return None
    return digits


def matching_step(
    secret: str, code: object, *, after_step: int | None, now: float | None = None
) -> int | None:
    """The time step whose code this is, within the drift window, or None.

    Steps at or before ``after_step`` (the last one used) are refused, so an overheard code
    cannot be replayed, not even within its own 30 seconds.
    """
    digits = normalize_code(code)
    if digits is None:
        return None
    otp = _totp(secret)
    step = current_step(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if after_step is not None and candidate <= after_step:
            continue
        # Compare every candidate in constant time; the loop is the same length for every code.
        if pyotp.utils.strings_equal(otp.generate_otp(candidate), digits):
            return candidate
    return None


def provisioning_uri(secret: str, account_name: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from a QR code.

    Ours rather than pyotp's, which leaves out the default algorithm, digits and period:
    spelling them out costs nothing and some apps do not assume them.
    """
    label = quote(f"{issuer}:{account_name}", safe="@:")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"
