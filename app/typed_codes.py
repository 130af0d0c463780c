"""Codes a person reads off a screen or a board and types: no letters that look alike.

Upper-case letters and digits without 0/O/Q/D, 1/I/L/J, 2/Z, 5/S, 6/G, 8/B and U/V (19 left). A
typed code is read in any case, with spaces or dashes anywhere, as phones' keyboards and
people write them.
"""

from __future__ import annotations

import secrets

ALPHABET = "34679ACEFHKMNPRTWXY"
_TYPED_JUNK = str.maketrans("", "", " -\u2010\u2011\u2012\u2013\u2014.\t\n")


def random_code(length: int) -> str:
    """``length`` characters of the alphabet, each chosen at random."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def typed(value: object, *, longest: int = 64) -> str | None:
    """What a person typed, upper-cased with spaces and dashes dropped; None for anything that
    is not text or is far too long to be a code."""
    if not isinstance(value, str) or len(value) > longest:
        return None
    return value.translate(_TYPED_JUNK).upper()


def grouped(code: str, size: int = 4) -> str:
    """``K7MX3PRA`` as ``K7MX-3PRA``: easier to read aloud and to type."""
    return "-".join(code[i : i + size] for i in range(0, len(code), size))
