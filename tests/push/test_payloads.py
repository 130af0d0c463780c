"""Declarative Web Push messages: their shape, their size in the worst case, clean cuts."""

from __future__ import annotations

import json
import unicodedata

import pytest

from app.push.payloads import (
    BODY_CHARS,
    MAX_PAYLOAD_BYTES,
    TITLE_CHARS,
    build_payload,
    shorten,
    shrink_payload,
)

URL = "https://gop-y.xa-a.gov.vn/t/12"


def _notification(payload: str) -> dict:
    message = json.loads(payload)
    assert message["web_push"] == 8030 and message["mutable"] is True
    return message["notification"]


def _decomposed(text: str) -> str:
    """Vietnamese as some keyboards type it: each letter, then its accents as separate marks."""
    return unicodedata.normalize("NFD", text)


def test_the_message_declares_a_whole_notification():
    notification = _notification(build_payload("Cắt điện", "Thứ Hai, 7–11 giờ.", URL, "a3", "vi"))
    assert notification["title"] == "Cắt điện"
    assert notification["body"] == "Thứ Hai, 7–11 giờ."
    assert notification["navigate"] == URL
    assert notification["lang"] == "vi" and notification["tag"] == "a3"
    assert len(notification["data"]["id"]) == 16
    again = _notification(build_payload("Cắt điện", "Thứ Hai, 7–11 giờ.", URL, "a3", "vi"))
    assert again["data"]["id"] != notification["data"]["id"]  # one id per message


WORST_TITLES = [
    _decomposed("Thông báo khẩn về việc sơ tán người dân khỏi vùng nguy hiểm sạt lở đất ") * 5,
    "Ữ" * 300,  # no space anywhere: a cut inside the run of letters
    _decomposed("Ữ") * 300,
    "🌊⚠️" * 200 + '"\\',  # four-byte characters, a variation selector, JSON escapes
    "👨‍👩‍👧" * 100,  # joined emoji: never cut between its parts
]


@pytest.mark.parametrize("title", WORST_TITLES)
def test_the_worst_case_fits_and_is_cut_on_character_boundaries(title):
    body = title * 20
    payload = build_payload(title, body, "https://" + "x" * 200 + ".vn/t/999999999", "t9", "vi")
    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
    notification = _notification(payload)
    for field, limit in (("title", TITLE_CHARS), ("body", BODY_CHARS)):
        text = notification[field]
        assert text.endswith("…") and len(text) <= limit
        kept = text[:-1].rstrip()
        whole = unicodedata.normalize("NFC", " ".join(title.split()))
        assert whole.startswith(kept) and kept  # whole letters, with their accents on them
        follows = whole[len(kept)]
        assert not unicodedata.combining(follows) and follows not in ("\u200d", "\ufe0f")
        assert not kept.endswith("\u200d")


def test_vietnamese_typed_with_separate_accents_keeps_every_accent():
    title = _decomposed("Khẩn: nước lũ dâng cao ở ấp Tân Hưng, người dân di chuyển ngay")
    notification = _notification(build_payload(title, title, URL, "a1", "vi"))
    assert notification["title"] == unicodedata.normalize("NFC", title)


def test_a_very_long_address_still_fits():
    url = "https://gop-y.vn/" + "đ" * 1200
    payload = build_payload("Ữ" * 300, "Ữ" * 3000, url, "t1", "vi")
    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
    assert _notification(payload)["navigate"] == url


def test_shrinking_keeps_the_link_and_the_id():
    payload = build_payload("Họp dân " * 20, "Nội dung cuộc họp. " * 30, URL, "a7", "vi")
    before, after = _notification(payload), _notification(shrink_payload(payload))
    assert len(after["body"]) <= 40 and len(after["title"]) <= 40
    assert after["navigate"] == before["navigate"] and after["data"] == before["data"]


@pytest.mark.parametrize(("text", "limit", "expected"), [("abc", 3, "abc"), ("abcd", 1, "…")])
def test_shorten_small_limits(text, limit, expected):
    assert shorten(text, limit) == expected
