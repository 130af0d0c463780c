"""Issue 14: an official closes a thread as a duplicate of another of the commune; its author,
followers and supporters move to the original (once each) and are told by push."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.push.models import KIND_DUPLICATE, Delivery, PushMessage, PushSubscription
from app.threads.models import Thread, ThreadFollower, ThreadSupport
from tests.threads.helpers import API, ask, call, me, stored_subscription


def _duplicate(client, thread_id: int, original: object):
    return call(
        client, "POST", f"{API}/threads/{thread_id}/duplicate-of", json={"thread_id": original}
    )


def _told(thread_id: int) -> set[int]:
    """The accounts a duplicate push about ``thread_id`` was written for."""
    return set(
        db.session.scalars(
            select(PushSubscription.account_id)
            .join(Delivery, Delivery.subscription_id == PushSubscription.id)
            .join(PushMessage, PushMessage.id == Delivery.message_id)
            .where(PushMessage.kind == KIND_DUPLICATE, PushMessage.thread_id == thread_id)
        )
    )


def _followers(thread_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(ThreadFollower.account_id).where(ThreadFollower.thread_id == thread_id)
        )
    )


def _supporters(thread_id: int) -> list[int]:
    return sorted(
        db.session.scalars(
            select(ThreadSupport.account_id).where(ThreadSupport.thread_id == thread_id)
        )
    )


def test_a_duplicate_is_closed_and_its_people_move_to_the_original(app, world, join):
    lan, minh, official = world["resident_a"], world["resident_a2"], world["official_a"]
    hoa = join(world["a"], "Cô Hoa")
    ids = {name: me(client) for name, client in (("lan", lan), ("minh", minh), ("hoa", hoa))}
    for account_id in ids.values():
        stored_subscription(account_id)
    original = ask(lan, "xa-a", "Đèn đường thôn 2 hỏng")
    duplicate = ask(minh, "xa-a", "Đèn đường ở thôn 2 không sáng")
    # Hoa supports both and follows the duplicate; Lan (the original's author) supports it.
    assert call(hoa, "POST", f"{API}/threads/{original}/support").status_code == 201
    assert call(hoa, "POST", f"{API}/threads/{duplicate}/support").status_code == 201
    assert call(hoa, "POST", f"{API}/threads/{duplicate}/follow").status_code == 201
    assert call(lan, "POST", f"{API}/threads/{duplicate}/support").status_code == 201

    marked = _duplicate(official, duplicate, original)
    assert marked.status_code == 200, marked.get_json()
    shown = marked.get_json()
    assert shown["duplicate_of"] == original and shown["status"] == "declined"
    assert shown["first_response_at"] is not None
    closing = shown["history"][-1]
    assert closing["duplicate_of"] == original and f"#{original}" in closing["note"]
    assert call(minh, "GET", f"{API}/threads/{duplicate}").get_json()["duplicate_of"] == original
    assert call(minh, "GET", f"{API}/threads/{original}").get_json()["duplicate_of"] is None

    # Minh (author) and Hoa (follower) follow the original; supports counted once each.
    assert _followers(original) >= {ids["minh"], ids["hoa"]}
    assert ids["lan"] not in _followers(original)  # her own thread
    assert _supporters(original) == sorted([ids["minh"], ids["hoa"]])
    assert _supporters(duplicate) == []
    view = call(hoa, "GET", f"{API}/threads/{original}").get_json()
    assert view["supporters"] == 2 and view["supported"] is True
    # Everyone it concerned is told (the official who did it is not).
    assert _told(duplicate) == set(ids.values())
    [message] = db.session.scalars(select(PushMessage).where(PushMessage.kind == KIND_DUPLICATE))
    payload = json.loads(message.payload)
    assert payload["notification"]["navigate"].endswith(f"/t/{duplicate}")
    assert "gộp" in payload["notification"]["title"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "thread.duplicate")
    ).one()
    assert json.loads(event.detail) == {"original": original, "moved": 3}

    # The same original again changes nothing; another one is refused.
    assert _duplicate(official, duplicate, original).status_code == 200
    assert len(_told(duplicate)) == 3
    other = ask(lan, "xa-a", "Ổ gà ở đầu ngõ")
    refused = _duplicate(official, duplicate, other)
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "thread_id"


def test_only_officials_of_the_commune_mark_duplicates(world):
    original = ask(world["resident_a"], "xa-a", "Rác chưa được thu")
    duplicate = ask(world["resident_a2"], "xa-a", "Rác để hai ngày rồi")
    assert _duplicate(world["resident_a"], duplicate, original).status_code == 403
    assert _duplicate(world["official_b"], duplicate, original).status_code == 404
    assert db.session.get(Thread, duplicate).duplicate_of_id is None


def test_the_original_must_be_another_thread_of_the_same_commune(world):
    official = world["official_a"]
    duplicate = ask(world["resident_a"], "xa-a", "Nước sinh hoạt bị đục")
    elsewhere = ask(world["resident_b"], "xa-b", "Nước sinh hoạt bị đục")
    for original in (elsewhere, 999_999, duplicate, "abc", None):
        refused = _duplicate(official, duplicate, original)
        assert refused.status_code == 422, original
        assert refused.get_json()["error"]["field"] == "thread_id"
    assert "cùng xã" in _duplicate(official, duplicate, elsewhere).get_json()["error"]["message"]
    assert db.session.get(Thread, duplicate).status == "new"


def test_a_duplicate_of_a_duplicate_points_at_the_original(world):
    official, resident = world["official_a"], world["resident_a"]
    first = ask(resident, "xa-a", "Cây đổ chắn lối đi")
    second = ask(resident, "xa-a", "Cây đổ chắn lối đi thôn 4")
    third = ask(resident, "xa-a", "Cây đổ ở thôn 4")
    assert _duplicate(official, second, first).status_code == 200
    marked = _duplicate(official, third, second)
    assert marked.status_code == 200 and marked.get_json()["duplicate_of"] == first
    # A closed original's own original: itself. Closing "first" as a duplicate of "third"
    # (a duplicate of it) would make a circle.
    circle = _duplicate(official, first, third)
    assert circle.status_code == 422


def test_a_closed_thread_is_not_marked_and_reopening_clears_the_mark(world):
    official, resident = world["official_a"], world["resident_a"]
    original = ask(resident, "xa-a", "Đường ngập sau mưa")
    closed = ask(resident, "xa-a", "Đường ngập")
    moved = call(official, "PATCH", f"{API}/threads/{closed}", json={"status": "resolved"})
    assert moved.status_code == 200
    assert _duplicate(official, closed, original).status_code == 422
    duplicate = ask(resident, "xa-a", "Đường ngập nước")
    assert _duplicate(official, duplicate, original).status_code == 200
    reopened = call(official, "PATCH", f"{API}/threads/{duplicate}", json={"status": "in_progress"})
    assert reopened.status_code == 200 and reopened.get_json()["duplicate_of"] is None


def test_a_private_original_is_followed_by_those_who_may_read_it(world):
    official = world["official_a"]
    private = ask(world["resident_a"], "xa-a", "Tranh chấp đất", visibility="officials")
    duplicate = ask(world["resident_a2"], "xa-a", "Tranh chấp đất với nhà bên")
    assert call(world["resident_a"], "POST", f"{API}/threads/{duplicate}/support").status_code
    assert _duplicate(official, duplicate, private).status_code == 200
    # Minh cannot read Lan's private thread: he neither follows nor supports it.
    assert _followers(private) == set() and _supporters(private) == []
    page = world["resident_a2"].get(f"/t/{duplicate}").get_data(as_text=True)
    assert 'id="duplicate-of"' in page and f"/t/{private}" not in page


def test_the_officials_page_closes_a_duplicate_and_both_pages_link(world):
    official, resident = world["official_a"], world["resident_a"]
    original = ask(resident, "xa-a", "Cống thoát nước bị vỡ")
    duplicate = ask(world["resident_a2"], "xa-a", "Cống bị vỡ")
    page = official.get(f"/w/t/{duplicate}").get_data(as_text=True)
    assert f'action="/w/t/{duplicate}/duplicate-of"' in page
    wrong = official.post(f"/w/t/{duplicate}/duplicate-of", data={"thread_id": "#999999"})
    assert wrong.status_code == 422
    assert "cùng xã" in wrong.get_data(as_text=True)
    done = official.post(f"/w/t/{duplicate}/duplicate-of", data={"thread_id": f"#{original}"})
    assert done.status_code == 303
    db.session.rollback()
    assert db.session.get(Thread, duplicate).duplicate_of_id == original
    workspace = official.get(f"/w/t/{duplicate}").get_data(as_text=True)
    assert f'href="/w/t/{original}"' in workspace
    assert f'action="/w/t/{duplicate}/duplicate-of"' not in workspace  # closed now
    residents = world["resident_a2"].get(f"/t/{duplicate}").get_data(as_text=True)
    assert f'href="/t/{original}"' in residents
    refused = resident.post(f"/w/t/{duplicate}/duplicate-of", data={"thread_id": "1"})
    assert refused.status_code == 403
