"""What text the app refuses before anything stores or sends it."""

from __future__ import annotations

import re

# Characters nobody types and XML 1.0 cannot carry (one of them breaks every Open311 XML feed):
# control characters other than tab, newline and carriage return (C0, DEL and C1), lone
# surrogates, and the Unicode non-characters (U+FDD0-U+FDEF and the last two code points of
# every plane, U+FFFE, U+FFFF, U+1FFFE ... U+10FFFF).
_PLANE_ENDS = "".join(
    chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17)
)
_FORBIDDEN = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_PLANE_ENDS}]"
)
# A commune's short name in URLs: lowercase ASCII letters, digits and inner hyphens, 1 to 64.
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def has_forbidden_characters(text: str) -> bool:
    """True when ``text`` holds a control character (but tab and line breaks), a surrogate or
    a Unicode non-character: what no one writes and what XML cannot carry."""
    return _FORBIDDEN.search(text) is not None


def is_storable(text: str) -> bool:
    """False for text no database can store: NUL bytes, or lone surrogates ("\\ud800" in
    JSON is valid JSON but not valid Unicode)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
