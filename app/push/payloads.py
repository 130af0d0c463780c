"""What a phone receives: a Declarative Web Push message of at most 3,000 bytes.

Safari (18.4 and later) shows such a message itself, even without the service worker; other
browsers fire a push event and ``static/sw.js`` shows the same notification from it::

    {"web_push": 8030,
     "notification": {"title", "body", "navigate", "lang", "tag", "data": {"id"}},
     "mutable": true}

``mutable`` lets Safari hand the message to the service worker first (which keeps a repeated
delivery silent); if the worker is gone, Safari shows it as declared.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from typing import Any

DECLARATIVE = 8030  # the marker of a declarative push message (named after RFC 8030)
MAX_PAYLOAD_BYTES = 3000
BODY_CHARS = 140
TITLE_CHARS = 80
SHRUNK_BODY_CHARS = 40
SHRUNK_TITLE_CHARS = 40
ELLIPSIS = "…"
_JOINERS = {"\u200d", "\u034f"}  # zero-width joiner, combining grapheme joiner


def _continues(char: str) -> bool:
    """True for a code point that belongs to the character before it (a combining accent,
    a variation selector, an emoji modifier or a joiner)."""
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char) in ("Mn", "Me")
        or "\ufe00" <= char <= "\ufe0f"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
        or char in _JOINERS
    )


def _character_boundary(text: str, index: int) -> int:
    """The nearest index at or before ``index`` that does not split a character."""
    while 0 < index < len(text) and (_continues(text[index]) or text[index - 1] in _JOINERS):
        index -= 1
    return index


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters: cut at a word boundary near the limit (never inside a
    character: Vietnamese letters may be typed as a letter and separate accents), with an
    ellipsis."""
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS if limit == 1 else ""
    cut = text[: _character_boundary(text, limit - 1)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + ELLIPSIS


def _encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def _size(message: dict[str, Any]) -> int:
    return len(_encode(message).encode())


def build_payload(title: str, body: str, url: str, tag: str, lang: str) -> str:
    """The message for ``title`` and ``body`` opening ``url`` (absolute, under ``BASE_URL``).

    The ``id`` in ``data`` is new for every message: delivery is at least once, and a phone
    that receives the same id twice (a worker killed between sending and recording) shows it
    again silently.
    """
    notification = {
        "title": shorten(title, TITLE_CHARS),
        "body": shorten(body, BODY_CHARS),
        "navigate": url,
        "lang": lang,
        "tag": tag,
        "data": {"id": secrets.token_hex(8)},
    }
    message = {"web_push": DECLARATIVE, "notification": notification, "mutable": True}
    return _encode(_fit(message))


def _fit(message: dict[str, Any]) -> dict[str, Any]:
    """Halve the body, then the title, until the message fits ``MAX_PAYLOAD_BYTES``."""
    notification = message["notification"]
    for field in ("body", "title"):
        while _size(message) > MAX_PAYLOAD_BYTES and notification[field]:
            notification[field] = shorten(notification[field], len(notification[field]) // 2)
    return message


def shrink_payload(payload: str) -> str:
    """A smaller message after a push service answered 413: a short body, same link."""
    message = json.loads(payload)
    notification = message["notification"]
    notification["body"] = shorten(notification.get("body", ""), SHRUNK_BODY_CHARS)
    notification["title"] = shorten(notification.get("title", ""), SHRUNK_TITLE_CHARS)
    return _encode(message)
