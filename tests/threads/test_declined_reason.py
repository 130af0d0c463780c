"""Issue 14: every refusal has a reason. ``declined`` without a note is a 422 that says why,
from the API and from both pages' status forms, and a note of blanks is no note."""

from __future__ import annotations

import pytest

from tests.threads.helpers import API, ask, call


@pytest.mark.parametrize("note", [None, "", "   \n  "])
def test_declining_without_a_reason_is_refused_by_the_api(world, note):
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Xin cấp phép xây nhà")
    body = {"status": "declined"} if note is None else {"status": "declined", "note": note}
    refused = call(official, "PATCH", f"{API}/threads/{thread}", json=body)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid", "note")
    assert "lý do" in error["message"]
    shown = call(official, "GET", f"{API}/threads/{thread}").get_json()
    assert shown["status"] == "new" and shown["history"] == []


@pytest.mark.parametrize("page", ["/t/{n}/status", "/w/t/{n}/status"])
def test_declining_without_a_reason_is_refused_by_the_form(world, page):
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Xin cấp phép xây nhà")
    refused = official.post(page.format(n=thread), data={"status": "declined", "note": " "})
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text and "lý do" in refused.text


def test_declining_with_a_reason_shows_it_to_the_resident(world):
    official, resident = world["official_a"], world["resident_a"]
    thread = ask(resident, "xa-a", "Xin cấp phép xây nhà")
    reason = "Việc này thuộc thẩm quyền của huyện; xin liên hệ phòng Quản lý đô thị."
    moved = call(
        official, "PATCH", f"{API}/threads/{thread}", json={"status": "declined", "note": reason}
    )
    assert moved.status_code == 200
    assert moved.get_json()["change"]["note"] == reason
    assert reason in resident.get(f"/t/{thread}").text
