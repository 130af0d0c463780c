"""ETags of feeds, threads and announcements (JSON and the residents' pages): a matching
If-None-Match is a 304 without a body while nothing the reader sees changed; every kind of
change gives a new tag; another member, role or language never gets someone else's 304."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import read_cache
from app.models_base import utcnow
from app.threads import deadlines, validators
from tests.threads.helpers import API, ask, call, reply

FEED = f"{API}/communes/xa-a/threads"
PAGE = "/c/xa-a"


def tag_of(client: FlaskClient, path: str, **headers: str) -> str:
    response = call(client, "GET", path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    tag = response.headers.get("ETag")
    assert tag and tag.startswith('W/"'), tag
    return tag


def revalidate(client: FlaskClient, path: str, tag: str, **headers: str):
    return call(client, "GET", path, headers={"If-None-Match": tag, **headers})


def ok(response) -> Any:
    assert response.status_code in (200, 201, 204), response.get_data(as_text=True)[:300]
    return response.get_json()


@pytest.mark.parametrize("path", [FEED, PAGE])
def test_an_unchanged_feed_is_a_304_without_a_body(world, path):
    resident = world["resident_a"]
    ask(world["resident_a2"], "xa-a", "Đèn đường thôn 3 không sáng")
    tag = tag_of(resident, path)
    assert tag_of(resident, path) == tag
    again = revalidate(resident, path, tag)
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Accept-Language", "Accept-Encoding"} <= set(again.vary)
    full = call(resident, "GET", path)
    assert full.headers["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Accept-Language"} <= set(full.vary)
    # Any other tag, or several with ours among them, is answered as it should be.
    assert revalidate(resident, path, 'W/"something-else"').status_code == 200
    assert revalidate(resident, path, f'W/"x", {tag}').status_code == 304


def _status(world, thread: int, status: str = "acknowledged") -> None:
    ok(call(world["official_a"], "PATCH", f"{API}/threads/{thread}", json={"status": status}))


def _hide(world, thread: int) -> None:
    body = {"reason": "Nội dung không phù hợp"}
    ok(call(world["official_a"], "POST", f"{API}/threads/{thread}/hide", json=body))


def _hide_reply(world, thread: int) -> None:
    body = {"reason": "Thô lỗ"}
    ok(call(world["official_a"], "POST", f"{API}/replies/{world['reply']}/hide", json=body))


def _support(world, thread: int) -> None:
    ok(call(world["resident_a"], "POST", f"{API}/threads/{thread}/support"))


def _category(world, thread: int) -> None:
    official = world["official_a"]
    categories = ok(call(official, "GET", f"{API}/communes/xa-a/categories"))["items"]
    body = {"category": categories[0]["id"]}
    ok(call(official, "PUT", f"{API}/threads/{thread}/category", json=body))
    world["category"] = categories[0]["id"]


def _rename_category(world, thread: int) -> None:
    body = {"name": "Đường sá và cầu cống"}
    ok(call(world["official_a"], "PATCH", f"{API}/categories/{world['category']}", json=body))


def _rename_commune(world, thread: int) -> None:
    body = {"name": "Xã A Mới"}
    ok(call(world["admin"], "PATCH", f"{API}/communes/xa-a", json=body))


def _rename_author(world, thread: int) -> None:
    token = world["a"].join_token
    body = {"token": token, "display_name": "Anh Minh Tuấn"}
    ok(call(world["resident_a2"], "POST", f"{API}/join", json=body))


def _urgent(world, thread: int) -> None:
    body = {"urgent": True}
    ok(call(world["official_a"], "PUT", f"{API}/threads/{thread}/urgent", json=body))


def _new_thread(world, thread: int) -> None:
    ask(world["resident_a2"], "xa-a", "Rác chưa được thu gom")


def _reply(world, thread: int) -> None:
    reply(world["official_a"], thread, "Xã đã tiếp nhận.")


def _announce(world, thread: int) -> None:
    body = {"title": "Lịch cắt điện", "body": "Thứ Hai, 7 giờ đến 11 giờ."}
    ok(call(world["official_a"], "POST", f"{API}/communes/xa-a/announcements", json=body))


EDIT = {"body": "Thứ Ba, 7 giờ đến 11 giờ."}
CHANGES: dict[str, Callable[[dict, int], None]] = {
    "a new thread": _new_thread,
    "a reply": _reply,
    "a status change": _status,
    "hiding a thread": _hide,
    "hiding a reply": _hide_reply,
    "a me too": _support,
    "a thread's category": _category,
    "the commune's name": _rename_commune,
    "an author's name": _rename_author,
    "urgency": _urgent,
}


def _thread_with_reply(world) -> int:
    thread = ask(world["resident_a2"], "xa-a", "Cầu khỉ ấp 4 bị gãy")
    world["reply"] = reply(world["resident_a2"], thread, "Ai biết khi nào sửa không?")
    return thread


@pytest.mark.parametrize("path", [FEED, PAGE])
@pytest.mark.parametrize("change", list(CHANGES))
def test_each_kind_of_change_gives_a_new_tag(world, path, change):
    resident = world["resident_a"]
    thread = _thread_with_reply(world)
    before = tag_of(resident, path)
    CHANGES[change](world, thread)
    assert revalidate(resident, path, before).status_code == 200
    assert tag_of(resident, path) != before


@pytest.mark.parametrize("path", [FEED, PAGE])
def test_restoring_a_post_and_renaming_a_category_give_new_tags(world, path):
    resident = world["resident_a"]
    thread = _thread_with_reply(world)
    _category(world, thread)
    _hide(world, thread)
    before = tag_of(resident, path)
    ok(call(world["official_a"], "POST", f"{API}/threads/{thread}/restore", json={}))
    after = tag_of(resident, path)
    assert after != before
    _rename_category(world, thread)
    assert tag_of(resident, path) != after


def test_announcements_change_the_page_and_their_own_tags(world):
    resident, official = world["resident_a"], world["official_a"]
    listed = f"{API}/communes/xa-a/announcements"
    page, announcements = tag_of(resident, PAGE), tag_of(resident, listed)
    _announce(world, 0)
    assert tag_of(resident, PAGE) != page
    assert tag_of(resident, listed) != announcements
    item = ok(call(resident, "GET", listed))["items"][0]["id"]
    page, announcements = tag_of(resident, PAGE), tag_of(resident, listed)
    one = tag_of(resident, f"{API}/announcements/{item}")
    assert revalidate(resident, f"{API}/announcements/{item}", one).status_code == 304
    ok(call(official, "PATCH", f"{API}/announcements/{item}", json=EDIT))
    assert tag_of(resident, PAGE) != page
    assert tag_of(resident, listed) != announcements
    assert tag_of(resident, f"{API}/announcements/{item}") != one


def test_a_deadline_passing_gives_a_new_tag(world, monkeypatch):
    resident = world["resident_a"]
    ask(resident, "xa-a", "Ống nước vỡ trước chợ")
    before = tag_of(resident, FEED)
    later = utcnow() + timedelta(days=60)
    monkeypatch.setattr(validators, "utcnow", lambda: later)
    monkeypatch.setattr(deadlines, "utcnow", lambda: later)
    monkeypatch.setattr(read_cache, "utcnow", lambda: later)
    items = ok(call(resident, "GET", FEED))["items"]
    assert items[0]["overdue"] is True
    assert tag_of(resident, FEED) != before


def test_another_member_role_or_language_never_gets_a_304_from_a_tag(world):
    resident, neighbour, official = world["resident_a"], world["resident_a2"], world["official_a"]
    ask(resident, "xa-a", "Chỉ cán bộ xem", visibility="officials")
    ask(neighbour, "xa-a", "Câu hỏi công khai")
    for path in (FEED, PAGE):
        tag = tag_of(resident, path)
        assert revalidate(resident, path, tag).status_code == 304
        assert revalidate(neighbour, path, tag).status_code == 200
        assert revalidate(official, path, tag).status_code == 200
        assert revalidate(resident, path, tag, **{"Accept-Language": "en"}).status_code == 200
        resident.set_cookie("lang", "en")
        assert revalidate(resident, path, tag).status_code == 200
        resident.delete_cookie("lang")
        assert revalidate(resident, path, tag).status_code == 304
        # Another page of the same feed is another answer.
        assert revalidate(resident, f"{path}?limit=1", tag).status_code == 200


def test_a_thread_is_tagged_with_the_readers_own_state(world):
    resident, author, official = world["resident_a"], world["resident_a2"], world["official_a"]
    thread = _thread_with_reply(world)
    for path in (f"{API}/threads/{thread}", f"/t/{thread}"):
        tag = tag_of(resident, path)
        assert revalidate(resident, path, tag).status_code == 304
        assert revalidate(author, path, tag).status_code == 200
        assert revalidate(official, path, tag).status_code == 200
    steps = [
        lambda: ok(call(resident, "POST", f"{API}/threads/{thread}/follow")),
        lambda: ok(call(resident, "POST", f"{API}/threads/{thread}/support")),
        lambda: reply(official, thread, "Đã báo đội công trình."),
        lambda: _hide_reply(world, thread),
        lambda: _status(world, thread, "resolved"),
        lambda: ok(call(resident, "DELETE", f"{API}/threads/{thread}/follow")),
    ]
    for step in steps:
        before = {path: tag_of(resident, path) for path in (f"{API}/threads/{thread}",)}
        step()
        for path, tag in before.items():
            assert revalidate(resident, path, tag).status_code == 200


def test_the_thread_page_changes_with_what_it_shows(world):
    resident, official = world["resident_a"], world["official_a"]
    thread = _thread_with_reply(world)
    path = f"/t/{thread}"
    for step in (
        lambda: ok(call(resident, "POST", f"{API}/threads/{thread}/support")),
        lambda: reply(official, thread, "Đã báo đội công trình."),
        lambda: _status(world, thread, "resolved"),
    ):
        before = tag_of(resident, path)
        step()
        assert revalidate(resident, path, before).status_code == 200


def test_an_officials_open_thread_is_read_even_when_unchanged(world):
    """A 304 for an official still marks the thread read (the inbox's unread marker)."""
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Xin hỏi lịch tiêm chủng")
    tag = tag_of(official, f"{API}/threads/{thread}")
    assert revalidate(official, f"{API}/threads/{thread}", tag).status_code == 304
    items = ok(call(official, "GET", f"{API}/inbox"))["items"]
    assert [item["unread"] for item in items if item["id"] == thread] == [False]
