"""Every audience is computed from what its members may read when the message goes out: hidden
threads and replies, threads for officials only, members who left, deleted accounts."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from app.accounts.models import Account
from app.announcements.models import Announcement
from app.extensions import db
from app.membership.models import OFFICIAL, RESIDENT, Membership
from app.models_base import utcnow
from app.notifications.audiences import audience
from app.push.models import KIND_ANSWER, KIND_DISCUSSION, PushMessage, PushSubscription
from app.threads.models import Reply, Thread, ThreadFollower
from app.threads.services import may_see_reply, may_see_thread


def _ask(client, visibility="public") -> int:
    response = client.post(
        "/api/v1/communes/xa-a/threads",
        json={
            "kind": "report",
            "title": "Ngập",
            "body": "Nước ngập hẻm 5.",
            "visibility": visibility,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _hide(thread_id: int) -> None:
    db.session.get(Thread, thread_id).hidden_at = utcnow()
    db.session.commit()


def _received(push_service) -> set[str]:
    return {message.endpoint for message in push_service.messages}


def test_followers_of_a_hidden_thread_no_longer_hear_the_answers(
    world, device, deliver, push_service, make_staff
):
    author, follower, official = world["resident_a"], world["resident_a2"], world["official_a"]
    author_phone, follower_phone = device(author), device(follower)
    make_staff("deputy@example.vn", communes=(world["a"],))
    thread_id = _ask(author)
    assert follower.post(f"/api/v1/threads/{thread_id}/follow").status_code in (200, 201)
    deliver()
    _hide(thread_id)
    push_service.reset()

    official.post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Đã cử người đến."})
    official.patch(f"/api/v1/threads/{thread_id}", json={"status": "in_progress"})
    deliver()
    # Its author still sees the hidden thread (with the reason): they hear both.
    assert _received(push_service) == {author_phone["endpoint"]}
    assert len(push_service.messages) == 2
    assert follower_phone["endpoint"] not in _received(push_service)


def test_a_thread_hidden_before_the_worker_runs_reaches_only_its_readers(
    world, device, deliver, push_service
):
    author, replier, official = world["resident_a"], world["resident_a2"], world["official_a"]
    thread_id = _ask(author)
    replier.post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Tôi cũng thấy."})
    deliver()
    author_phone, replier_phone = device(author), device(replier)
    official_phone = device(official)
    # A resident's reply is queued; an official hides the thread before it goes out.
    author.post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Cảm ơn."})
    _hide(thread_id)
    deliver()
    assert _received(push_service) == {official_phone["endpoint"]}
    assert replier_phone["endpoint"] not in _received(push_service)
    assert author_phone["endpoint"] not in _received(push_service)  # its own reply


def test_a_hidden_reply_reaches_officials_only(world, device, deliver, push_service):
    author, replier = world["resident_a"], world["resident_a2"]
    thread_id = _ask(author)
    deliver()
    author_phone, official_phone = device(author), device(world["official_a"])
    replier.post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Nội dung xấu."})
    reply = db.session.scalars(select(Reply).where(Reply.thread_id == thread_id)).one()
    reply.hidden_at = utcnow()
    db.session.commit()
    deliver()
    assert _received(push_service) == {official_phone["endpoint"]}
    assert author_phone["endpoint"] not in _received(push_service)


def test_a_member_who_left_hears_nothing_more(world, device, deliver, push_service):
    author, follower = world["resident_a"], world["resident_a2"]
    thread_id = _ask(author)
    follower.post(f"/api/v1/threads/{thread_id}/follow")
    # The follower is also in commune b, so leaving commune a keeps their subscription.
    follower.post("/api/v1/join", json={"token": world["b"].join_token})
    follower_phone = device(follower)
    assert follower.delete("/api/v1/communes/xa-a/membership").status_code in (200, 204)
    world["official_a"].post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Đã nhận."})
    deliver()
    assert follower_phone["endpoint"] not in _received(push_service)


def test_an_expired_announcement_is_not_sent_to_residents(world, device, deliver, push_service):
    phone = device(world["resident_a"])
    response = world["official_a"].post(
        "/api/v1/communes/xa-a/announcements", json={"title": "Họp", "body": "Họp dân."}
    )
    db.session.get(Announcement, response.get_json()["id"]).expires_at = utcnow()
    db.session.commit()
    deliver()
    assert phone["endpoint"] not in _received(push_service)


# --- the audience agrees with who may read, for every kind of member and thread ---------------

VISIBILITIES = ("public", "officials")


@pytest.mark.parametrize(
    ("visibility", "hidden", "reply_hidden"),
    list(itertools.product(VISIBILITIES, (False, True), (False, True))),
)
@pytest.mark.parametrize("kind", [KIND_ANSWER, KIND_DISCUSSION])
def test_audiences_match_may_see(app, world, make_staff, visibility, hidden, reply_hidden, kind):
    """Members of every sort follow the thread (inserted directly, as if they had followed it
    before it changed); the audience is exactly the followers and participants who may read
    both the thread and the reply the message is about."""
    commune = world["a"]
    people: dict[str, Account] = {}
    for name, role in (
        ("author", RESIDENT),
        ("follower", RESIDENT),
        ("replier", RESIDENT),
        ("official", OFFICIAL),
        ("writer", OFFICIAL if kind == KIND_ANSWER else RESIDENT),
    ):
        account = Account(display_name=name)
        db.session.add(account)
        db.session.flush()
        db.session.add(Membership(account_id=account.id, commune_id=commune.id, role=role))
        people[name] = account
    thread = Thread(
        commune_id=commune.id,
        author_id=people["author"].id,
        kind="report",
        body="Nội dung",
        visibility=visibility,
        hidden_at=utcnow() if hidden else None,
    )
    db.session.add(thread)
    db.session.flush()
    db.session.add(
        Reply(thread=thread, author_id=people["replier"].id, author_role=RESIDENT, body="Tôi")
    )
    reply = Reply(
        thread=thread,
        author_id=people["writer"].id,
        author_role=OFFICIAL if kind == KIND_ANSWER else RESIDENT,
        body="Trả lời",
        hidden_at=utcnow() if reply_hidden else None,
    )
    db.session.add(reply)
    db.session.flush()
    for name in ("follower", "official"):
        db.session.add(ThreadFollower(thread_id=thread.id, account_id=people[name].id))
    subscriptions = {}
    for name, account in people.items():
        subscription = PushSubscription(
            account_id=account.id,
            endpoint=f"https://fcm.googleapis.com/{name}",
            p256dh="k",
            auth="a",
        )
        db.session.add(subscription)
        db.session.flush()
        subscriptions[subscription.id] = name
    message = PushMessage(
        kind=kind,
        commune_id=commune.id,
        actor_id=people["writer"].id,
        thread_id=thread.id,
        reply_id=reply.id,
        payload="{}",
        topic="t",
        urgency="high",
        expires_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()

    heard = {subscriptions[row] for row in db.session.scalars(audience(message))}
    targeted = {"author", "follower", "official"}
    if kind == KIND_DISCUSSION:
        targeted |= {"replier"}
    expected = {
        name
        for name in targeted
        if may_see_thread(thread, people[name], _role(people[name]))
        and may_see_reply(reply, people[name], _role(people[name]))
    }
    assert heard == expected
    db.session.rollback()


def _role(account: Account) -> str:
    return db.session.scalars(
        select(Membership.role).where(Membership.account_id == account.id)
    ).one()
