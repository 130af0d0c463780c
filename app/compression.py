"""Content codings: brotli or gzip, chosen from the request's ``Accept-Encoding``.

Werkzeug parses the header (RFC 9110 section 12.5.3: q-values, ``*``, a named coding
overriding ``*``); this module decides what to send from it and compresses.
"""

from __future__ import annotations

import gzip

import brotli
from werkzeug.datastructures import Accept

# Our order of preference among codings the browser accepts equally: brotli is ~15 % smaller.
CODINGS = ("br", "gzip")
IDENTITY = "identity"


def negotiate(accept: Accept) -> str | None:
    """The coding to send (``"br"`` or ``"gzip"``), or None for the bytes as they are.

    The browser's q-values decide, then our order. A coding at ``q=0`` (or not named after
    ``*;q=0``) is never sent; ``identity`` ranked above every coding wins; an absent or empty
    header asks for nothing.
    """
    # "identity" last: on a tie, compressing is what a browser on a slow link wants.
    best = accept.best_match([*CODINGS, IDENTITY])
    return None if best in (None, IDENTITY) else best


def compress(data: bytes, coding: str, *, once: bool = False) -> bytes:
    """``data`` in ``coding``; ``once`` for files compressed once and kept (the best ratio)."""
    if coding == "br":
        # Quality 5 keeps a 50 KB page at about a millisecond; 11 is ~50x slower, fine once.
        return brotli.compress(data, mode=brotli.MODE_TEXT, quality=11 if once else 5)
    if coding == "gzip":
        return gzip.compress(data, 9 if once else 6, mtime=0)
    raise ValueError(f"unknown content coding {coding!r}")
