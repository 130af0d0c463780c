"""Issue 14: the author says whether a resolved thread was fixed (once per resolution, with a
rating); "not fixed" reopens it and restarts its resolve deadline. Members say "me too"."""

from __future__ import annotations

import json

from app.extensions import db
from app.push.models import PushMessage
from app.threads.models import Thread
from tests.threads.helpers import API, ask, call, inbox_items


def _resolve(official, thread: int) -> None:
    moved = call(
        official, "PATCH", f"{API}/threads/{thread}", json={"status": "resolved", "note": "Xong."}
    )
    assert moved.status_code == 200, moved.get_json()


def _confirm(client, thread: int, **body):
    return call(client, "POST", f"{API}/threads/{thread}/confirmation", json=body)


def test_the_author_confirms_it_was_fixed_once(world):
    resident, official = world["resident_a"], world["official_a"]
    thread = ask(resident, "xa-a", "Cống bị tắc trước nhà")
    assert _confirm(resident, thread, fixed=True).status_code == 422  # not resolved yet
    _resolve(official, thread)
    assert call(resident, "GET", f"{API}/threads/{thread}").get_json()["confirmation"] is None
    answered = _confirm(resident, thread, fixed=True, rating=5, comment="Cảm ơn cán bộ.")
    assert answered.status_code == 201, answered.get_json()
    assert answered.get_json()["status"] == "resolved"
    shown = call(resident, "GET", f"{API}/threads/{thread}").get_json()
    assert shown["confirmation"]["fixed"] is True and shown["confirmation"]["rating"] == 5
    again = _confirm(resident, thread, fixed=False)
    assert again.status_code == 409


def test_only_the_author_confirms(world):
    thread = ask(world["resident_a"], "xa-a", "Cống bị tắc trước nhà")
    _resolve(world["official_a"], thread)
    for other in ("resident_a2", "official_a"):
        assert _confirm(world[other], thread, fixed=True).status_code == 403
    assert _confirm(world["resident_b"], thread, fixed=True).status_code == 404


def test_bad_answers_are_refused(world):
    resident = world["resident_a"]
    thread = ask(resident, "xa-a", "Cống bị tắc trước nhà")
    _resolve(world["official_a"], thread)
    for body, field in (
        ({}, "fixed"),
        ({"fixed": "yes"}, "fixed"),
        ({"fixed": True, "rating": 6}, "rating"),
        ({"fixed": True, "rating": 0}, "rating"),
        ({"fixed": True, "rating": "good"}, "rating"),
    ):
        refused = _confirm(resident, thread, **body)
        assert refused.status_code == 422, body
        assert refused.get_json()["error"]["field"] == field


def test_not_fixed_reopens_the_thread_and_restarts_its_deadline(world):
    resident, official = world["resident_a"], world["official_a"]
    thread = ask(resident, "xa-a", "Đèn đường vẫn chưa sáng")
    before = call(resident, "GET", f"{API}/threads/{thread}").get_json()["resolve_by"]
    _resolve(official, thread)
    answered = _confirm(resident, thread, fixed=False, rating=2, comment="Vẫn còn tối.")
    assert answered.status_code == 201
    assert answered.get_json()["status"] == "in_progress"
    assert answered.get_json()["resolve_by"] >= before
    shown = call(resident, "GET", f"{API}/threads/{thread}").get_json()
    assert shown["status"] == "in_progress"
    last = shown["history"][-1]
    assert (last["from_status"], last["status"]) == ("resolved", "in_progress")
    assert last["actor"]["display_name"] == "Chị Lan" and last["note"] == "Vẫn còn tối."
    assert shown["confirmation"] == {
        "fixed": False,
        "rating": 2,
        "at": answered.get_json()["confirmation"]["at"],
    }
    # Resolved again: the author is asked again, once more.
    _resolve(official, thread)
    assert _confirm(resident, thread, fixed=True, rating=4).status_code == 201


def test_me_too_is_idempotent_and_counted(world):
    resident, neighbour, official = world["resident_a"], world["resident_a2"], world["official_a"]
    thread = ask(resident, "xa-a", "Đường ngập sau mưa")
    path = f"{API}/threads/{thread}/support"
    first = call(neighbour, "POST", path)
    assert first.status_code == 201
    assert first.get_json() == {"supported": True, "supporters": 1}
    assert call(neighbour, "POST", path).status_code == 200
    assert call(official, "POST", path).get_json() == {"supported": True, "supporters": 2}
    mine = call(neighbour, "GET", f"{API}/threads/{thread}").get_json()
    assert (mine["supporters"], mine["supported"]) == (2, True)
    feed = call(resident, "GET", f"{API}/communes/xa-a/threads").get_json()["items"]
    item = next(item for item in feed if item["id"] == thread)
    assert (item["supporters"], item["supported"]) == (2, False)
    assert call(neighbour, "DELETE", path).get_json() == {"supported": False, "supporters": 1}
    assert call(neighbour, "DELETE", path).status_code == 200
    assert call(world["resident_b"], "POST", path).status_code == 404
    assert [i["supporters"] for i in inbox_items(official) if i["id"] == thread] == [1]


def test_me_too_only_on_public_threads(world):
    thread = ask(world["resident_a"], "xa-a", "Chuyện riêng", visibility="officials")
    refused = call(world["official_a"], "POST", f"{API}/threads/{thread}/support")
    assert refused.status_code == 403
    assert db.session.get(Thread, thread).supporters == 0


def test_the_thread_page_asks_its_author_whether_it_was_fixed(world):
    resident, official = world["resident_a"], world["official_a"]
    thread = ask(resident, "xa-a", "Ổ gà trước chợ")
    assert "Đã được khắc phục chưa?" not in resident.get(f"/t/{thread}").text
    _resolve(official, thread)
    assert "Đã được khắc phục chưa?" in resident.get(f"/t/{thread}").text
    assert "Đã được khắc phục chưa?" not in world["resident_a2"].get(f"/t/{thread}").text
    refused = resident.post(f"/t/{thread}/confirmation", data={"rating": "4"})
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    sent = resident.post(f"/t/{thread}/confirmation", data={"fixed": "0", "rating": "2"})
    assert sent.status_code == 303
    shown = call(resident, "GET", f"{API}/threads/{thread}").get_json()
    assert shown["status"] == "in_progress" and shown["confirmation"]["rating"] == 2
    page = resident.get(f"/t/{thread}").text
    assert "Đã được khắc phục chưa?" not in page
    # The form is gone; the author reads back what they answered, and no one else does.
    assert ": chưa được khắc phục." in page and "Bạn đánh giá: 2 – chưa hài lòng." in page
    assert "Bạn đã trả lời" not in world["resident_a2"].get(f"/t/{thread}").text


def test_the_resolved_push_asks_whether_it_was_fixed(world):
    thread = ask(world["resident_a"], "xa-a", "Ổ gà trước chợ")
    _resolve(world["official_a"], thread)
    message = db.session.scalars(
        db.select(PushMessage).order_by(PushMessage.id.desc()).limit(1)
    ).one()
    assert "Đã được khắc phục chưa?" in str(json.loads(message.payload))


def test_me_too_from_the_page(world):
    neighbour = world["resident_a2"]
    thread = ask(world["resident_a"], "xa-a", "Đường ngập sau mưa")
    assert neighbour.post(f"/t/{thread}/support", data={"supported": "1"}).status_code == 303
    page = neighbour.get(f"/t/{thread}").text
    assert 'aria-pressed="true"' in page and "1 người cũng gặp vấn đề này" in page
    neighbour.post(f"/t/{thread}/support", data={"supported": "0"})
    assert call(neighbour, "GET", f"{API}/threads/{thread}").get_json()["supporters"] == 0


def test_the_author_and_the_officials_see_the_count_without_the_button(world):
    author, official = world["resident_a"], world["official_a"]
    thread = ask(author, "xa-a", "Đường ngập sau mưa")
    world["resident_a2"].post(f"/t/{thread}/support", data={"supported": "1"})
    for reader in (author, official):
        page = reader.get(f"/t/{thread}").text
        assert "1 người cũng gặp vấn đề này" in page
        assert "me-too" not in page  # "me too" is a neighbour's word, not the author's
    assert "me-too" in world["resident_a2"].get(f"/t/{thread}").text
