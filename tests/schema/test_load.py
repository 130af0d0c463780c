"""The schema layer: pydantic models refuse what the old field validators refused, with the
same messages (so the Vietnamese catalogue keeps working) and the field at fault. Outside a
request the messages are the English msgids."""

from __future__ import annotations

import pytest

from app.errors import ValidationError
from app.schema.fields import Email, Slug, WholeNumber
from app.schema.load import Check, load
from app.threads.schemas import NewReply, StatusRequest, ThreadText


def _refusal(model, data) -> tuple[str | None, str]:
    with pytest.raises(ValidationError) as caught:
        load(model, data)
    return caught.value.field, caught.value.message


def test_the_first_refused_field_is_reported_in_declared_order():
    assert _refusal(ThreadText, {"body": ""}) == ("kind", "The kind is required.")
    refused = _refusal(ThreadText, {"kind": "rant", "body": "x"})
    assert refused == ("kind", "The kind must be one of: question, report.")
    assert _refusal(ThreadText, {"kind": "report"}) == ("body", "The text is required.")


def test_text_is_trimmed_normalised_and_bounded():
    thread = load(ThreadText, {"kind": "question", "body": "  Cafe\u0301 \r\n ", "title": " "})
    assert (thread.body, thread.title, thread.visibility) == ("Café", None, "public")
    assert _refusal(NewReply, {"body": 5}) == ("body", "The reply must be text.")
    too_long = _refusal(NewReply, {"body": "x" * 4001})
    assert too_long == ("body", "The reply must be at most 4000 characters.")
    line = _refusal(ThreadText, {"kind": "report", "body": "x", "title": "a\nb"})
    assert line == ("title", "The title contains characters that are not allowed.")


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x85", "\ud800", "\ufdd0", "\uffff"])
def test_text_xml_cannot_carry_is_refused(character):
    refused = _refusal(NewReply, {"body": f"a{character}b"})
    assert refused == ("body", "The reply contains characters that are not allowed.")


def test_unknown_keys_are_ignored_and_a_body_must_be_an_object():
    assert load(StatusRequest, {"status": "resolved", "extra": 1}).model_dump() == {
        "status": "resolved",
        "note": None,
    }
    assert _refusal(StatusRequest, ["status"]) == (None, "The request body must be a JSON object.")


def test_one_field_on_its_own():
    assert Check(Email, "email").clean(" Lan@Example.VN ") == "lan@example.vn"
    with pytest.raises(ValidationError) as caught:
        Check(Slug, "slug").clean("xa-a\n")
    assert caught.value.field == "slug"
    position = Check(WholeNumber(lambda: "position must be a whole number from 0."), "position")
    assert position.clean("3") == 3
    for bad in ("--5", "-1", "+5", " 5", "٣", "5" * 30):
        with pytest.raises(ValidationError) as caught:
            position.clean(bad)
        assert (caught.value.field, caught.value.message) == (
            "position",
            "position must be a whole number from 0.",
        )
