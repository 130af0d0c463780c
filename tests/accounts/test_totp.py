"""RFC 6238 codes: the RFC's own test vectors, the drift window and replay refusal."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.accounts import totp

# RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890"; the RFC lists 8-digit codes,
# whose last 6 digits are the 6-digit codes.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode().rstrip("=")
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("unix_time", "eight_digits"), RFC_VECTORS)
def test_rfc_6238_vectors(unix_time, eight_digits):
    assert totp.code_at(RFC_SECRET, totp.current_step(unix_time)) == eight_digits[-6:]


def test_new_secrets_are_random_160_bit_base32():
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second
    assert len(first) == 32 and len(base64.b32decode(first)) == 20


def test_drift_of_one_step_either_side_is_accepted_and_no_more():
    now = 1_700_000_000.0
    step = totp.current_step(now)
    for offset in (-1, 0, 1):
        code = totp.code_at(RFC_SECRET, step + offset)
        assert totp.matching_step(RFC_SECRET, code, after_step=None, now=now) == step + offset
    for offset in (-2, 2):
        code = totp.code_at(RFC_SECRET, step + offset)
        assert totp.matching_step(RFC_SECRET, code, after_step=None, now=now) is None


def test_a_used_step_and_earlier_ones_are_refused():
    now = 1_700_000_000.0
    step = totp.current_step(now)
    code = totp.code_at(RFC_SECRET, step)
    assert totp.matching_step(RFC_SECRET, code, after_step=step, now=now) is None
    earlier = totp.code_at(RFC_SECRET, step - 1)
    assert totp.matching_step(RFC_SECRET, earlier, after_step=step - 1, now=now) is None
    later = totp.code_at(RFC_SECRET, step + 1)
    assert totp.matching_step(RFC_SECRET, later, after_step=step, now=now) == step + 1


@pytest.mark.parametrize("typed", ["287 082", "287-082", " 287082 "])
def test_spaces_and_dashes_are_forgiven(typed):
    assert totp.normalize_code(typed) == "287082"


@given(st.one_of(st.text(max_size=30), st.integers(), st.none(), st.lists(st.text())))
def test_anything_else_is_simply_not_a_code(value):
    # Never raises: a wrong type, non-ASCII digits ("²", "٣") or a wrong length is no code.
    digits = totp.normalize_code(value)
    assert digits is None or (len(digits) == 6 and digits.isascii() and digits.isdigit())
    totp.matching_step(RFC_SECRET, value, after_step=None)


def test_provisioning_uri_is_what_authenticator_apps_read():
    uri = totp.provisioning_uri(RFC_SECRET, "canbo@example.vn", "Commune feedback")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/Commune%20feedback:canbo@example.vn"
    query = parse_qs(parts.query)
    assert query["secret"] == [RFC_SECRET] and query["issuer"] == ["Commune feedback"]
    assert query["digits"] == ["6"] and query["period"] == ["30"]
