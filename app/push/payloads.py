"""The short notification a phone shows: ``{title, body, url, tag, id}``, at most 3,000 bytes."""

from __future__ import annotations

import json
import secrets

MAX_PAYLOAD_BYTES = 3000
BODY_CHARS = 140
TITLE_CHARS = 80
SHRUNK_BODY_CHARS = 40


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary near ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


def build_payload(title: str, body: str, url: str, tag: str) -> str:
    """Compact JSON, trimmed until it fits the size limit.

    ``id`` is new for every message: delivery is at least once, and a phone that receives the
    same id twice (a worker killed between sending and recording) shows it again silently.
    """
    data = {
        "title": shorten(title, TITLE_CHARS),
        "body": shorten(body, BODY_CHARS),
        "url": url,
        "tag": tag,
        "id": secrets.token_hex(8),
    }
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    while len(encoded.encode()) > MAX_PAYLOAD_BYTES and data["body"]:
        data["body"] = shorten(data["body"], max(0, len(data["body"]) // 2))
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return encoded


def shrink_payload(payload: str) -> str:
    """A smaller payload after a push service answered 413: a short body, same link."""
    data = json.loads(payload)
    data["body"] = shorten(data.get("body", ""), SHRUNK_BODY_CHARS)
    data["title"] = shorten(data.get("title", ""), 40)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
