"""Issue 12, item 9 (input side): characters nobody types and XML cannot carry (U+FFFF and the
other non-characters, control characters, lone surrogates) are refused wherever text comes in,
with a message in the person's language, so nothing stored can break the Open311 XML feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import ValidationError
from app.extensions import db
from app.threads.models import Reply, Thread
from app.validation import TextField, has_forbidden_characters
from tests.threads.helpers import ask, count

FORBIDDEN = [
    "\uffff",
    "\ufffe",
    "\ufdd0",
    "\U0001fffe",
    "\U0010ffff",
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9f",
]
ALLOWED = ["\t", "\n", "Xã Ủ Minh Thượng", "😀", "\u200b", "ơ\u0301"]


@pytest.mark.parametrize("character", FORBIDDEN)
def test_every_forbidden_character_is_found(character):
    assert has_forbidden_characters(f"Đèn đường{character}hỏng")


@pytest.mark.parametrize("text", ALLOWED)
def test_what_people_write_is_allowed(text):
    assert not has_forbidden_characters(text)


@given(st.text())
def test_text_that_passes_a_field_is_well_formed_xml(text):
    field = TextField("body", "body")
    try:
        cleaned = field.clean(text)
    except ValidationError:
        return
    assert cleaned is not None
    ET.fromstring(f"<body>{escape(cleaned)}</body>")  # raises on a character XML forbids


@pytest.mark.parametrize("character", ["\uffff", "\x85", "\x1b"])
def test_a_post_with_a_forbidden_character_is_refused_in_the_members_language(world, character):
    resident = world["resident_a"]
    body = {"kind": "question", "body": f"Khi nào sửa đường{character}?", "visibility": "public"}
    refused = resident.post("/api/v1/communes/xa-a/threads", json=body)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["field"] == "body" and "không được phép" in error["message"]
    english = resident.post(
        "/api/v1/communes/xa-a/threads", json=body, headers={"Accept-Language": "en"}
    )
    assert "not allowed" in english.get_json()["error"]["message"]
    # The same through the page's form, and in a title.
    page = resident.post("/c/xa-a/threads", data={**body, "title": "Đường\uffff"})
    assert page.status_code == 422 and "không được phép" in page.text
    assert count(Thread) == 0


def test_replies_announcements_and_open311_reports_refuse_them_too(world, client):
    resident, official = world["resident_a"], world["official_a"]
    thread = ask(resident, "xa-a", "Nước sinh hoạt bị đục")
    reply = resident.post(f"/api/v1/threads/{thread}/replies", json={"body": "Vẫn đục\uffff"})
    assert reply.status_code == 422 and reply.get_json()["error"]["field"] == "body"
    announcement = official.post(
        "/api/v1/communes/xa-a/announcements",
        json={"title": "Cúp\x85nước", "body": "Sáng mai", "pinned": False},
    )
    assert announcement.status_code == 422
    assert announcement.get_json()["error"]["field"] == "title"
    key = world["admin"].post("/api/v1/open311/clients", json={"name": "Ứng dụng"}).get_json()
    report = client.post(
        "/open311/v2/requests.xml",
        data={
            "api_key": key["api_key"],
            "jurisdiction_id": "xa-a",
            "service_code": "roads",
            "address_string": "Ấp 3",
            "description": "Ổ gà\ufffe trước cổng trường",
        },
        headers={"Origin": ""},
    )
    assert report.status_code == 400
    ET.fromstring(report.data)  # the error itself is well-formed XML
    db.session.rollback()
    assert count(Reply) == 0 and count(Thread) == 1
    # What was accepted keeps the feed well-formed.
    feed = client.get("/open311/v2/requests.xml")
    assert feed.status_code == 200
    ET.fromstring(feed.data)
