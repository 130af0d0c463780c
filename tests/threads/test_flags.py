"""Issue 12, item 6: throwaway members cannot flag anything into hiding.

Flags from blocked members count for nothing (and a blocked member cannot flag); officials'
posts are never hidden by residents' flags; automatic hiding needs three established members;
officials see every flag in the review queue (docs/workspace.md, "Flags and hiding").
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.threads.models import Flag, Reply, Thread
from tests.threads.helpers import API, ask, call, count, establish, me, reply

SLUG = "xa-a"


@pytest.fixture
def welcome(world) -> int:
    """A thread by the official where members write their first visible reply."""
    return ask(world["official_a"], SLUG, "Chào mừng bà con đến với nhóm của xã.")


@pytest.fixture
def established(world, join, welcome):
    """Four established residents: members for over a week, each with a visible reply."""
    members = [join(world["a"], f"Bà con {n}") for n in range(4)]
    for member in members:
        establish(member, welcome)
    return members


def _flag(client, kind: str, post_id: int, **body):
    plural = {"thread": "threads", "reply": "replies"}[kind]
    return call(client, "POST", f"{API}/{plural}/{post_id}/flag", json=body)


def _visible_to(client, thread_id: int) -> bool:
    return call(client, "GET", f"{API}/threads/{thread_id}").status_code == 200


def _queue(official) -> dict[tuple[str, int], dict]:
    response = call(official, "GET", f"{API}/communes/{SLUG}/flags")
    assert response.status_code == 200, response.get_json()
    return {(item["type"], item["id"]): item for item in response.get_json()["items"]}


def test_three_throwaway_members_hide_nothing_but_the_officials_see_their_flags(
    world, join, welcome, established
):
    thread = ask(world["resident_a"], SLUG, "Đường liên ấp bị ngập sau mưa.")
    # Fresh members, even with a visible reply each: too new.
    fresh = [join(world["a"], f"Mới {n}") for n in range(3)]
    for member in fresh:
        reply(member, welcome, "Chào mọi người.")
        assert _flag(member, "thread", thread, reason="Sai sự thật").status_code == 201
    assert _visible_to(established[0], thread)
    # Old members who never wrote anything visible: not established either.
    silent = [join(world["a"], f"Im lặng {n}") for n in range(3)]
    for member in silent:
        establish(member, welcome)
        hidden = call(
            world["official_a"],
            "POST",
            f"{API}/replies/{_last_reply_of(member)}/hide",
            json={"reason": "Trùng lặp"},
        )
        assert hidden.status_code == 200
        assert _flag(member, "thread", thread).status_code == 201
    assert _visible_to(established[0], thread)
    # The officials see all six flags, none of which counts.
    item = _queue(world["official_a"])[("thread", thread)]
    assert item["flags"] == 6 and item["counted"] == 0 and item["hidden"] is False
    assert item["reasons"] == ["Sai sự thật"] * 3
    page = world["official_a"].get(f"/w/{SLUG}/moderation")
    assert f'data-flagged="thread-{thread}"' in page.text

    # Three established members do hide it, until an official reviews it.
    for member in established[:2]:
        _flag(member, "thread", thread)
    assert _visible_to(established[3], thread)
    _flag(established[2], "thread", thread)
    assert not _visible_to(established[3], thread)
    item = _queue(world["official_a"])[("thread", thread)]
    assert item["flags"] == 9 and item["counted"] == 3 and item["hidden"] is True


def _last_reply_of(client) -> int:
    db.session.rollback()
    return (
        db.session.query(Reply.id).filter_by(author_id=me(client)).order_by(Reply.id).all()[-1][0]
    )


def test_a_member_of_six_days_does_not_count_and_one_of_eight_does(world, join, welcome):
    thread = ask(world["resident_a"], SLUG, "Xin hỏi giờ làm việc của xã.")
    older = [join(world["a"], f"Cũ {n}") for n in range(2)]
    for member in older:
        establish(member, welcome, days=8)
        _flag(member, "thread", thread)
    newer = join(world["a"], "Gần đây")
    establish(newer, welcome, days=6)
    _flag(newer, "thread", thread)
    assert _queue(world["official_a"])[("thread", thread)]["counted"] == 2
    assert _visible_to(world["resident_a2"], thread)
    last = join(world["a"], "Đủ tuần")
    establish(last, welcome, days=8)
    _flag(last, "thread", thread)
    assert not _visible_to(world["resident_a2"], thread)


def test_a_blocked_member_cannot_flag_and_their_flags_count_for_nothing(world, established):
    official = world["official_a"]
    first = ask(world["resident_a"], SLUG, "Chợ họp lấn chiếm lòng đường.")
    second = ask(world["resident_a"], SLUG, "Cột điện nghiêng trước nhà văn hóa.")
    troll = established[0]
    assert _flag(troll, "thread", first).status_code == 201
    blocked = call(
        official,
        "PUT",
        f"{API}/communes/{SLUG}/members/{me(troll)}/block",
        json={"reason": "Báo cáo sai nhiều lần"},
    )
    assert blocked.status_code == 200
    # A blocked member cannot flag, through the API or the page.
    refused = _flag(troll, "thread", second)
    assert refused.status_code == 403 and refused.get_json()["error"]["message"]
    assert troll.post(f"/w/t/{second}/flag", data={}).status_code == 403
    assert count(Flag, Flag.thread_id == second) == 0
    # Their earlier flag no longer counts: two more established flags do not hide the post.
    for member in established[1:3]:
        _flag(member, "thread", first)
    assert _visible_to(established[3], first)
    item = _queue(official)[("thread", first)]
    assert item["flags"] == 3 and item["counted"] == 2
    _flag(established[3], "thread", first)
    assert not _visible_to(world["resident_a2"], first)


def test_officials_posts_are_never_hidden_by_residents_flags(world, join, established):
    official = world["official_a"]
    question = ask(world["resident_a"], SLUG, "Khi nào sửa cầu khỉ ấp 3?")
    answer = reply(official, question, "Tuần sau xã sẽ sửa cầu.")
    notice = ask(official, SLUG, "Lịch tiêm chủng tháng này.")
    for member in established:
        assert _flag(member, "reply", answer).status_code == 201
        assert _flag(member, "thread", notice).status_code == 201
    viewer = world["resident_a2"]
    detail = call(viewer, "GET", f"{API}/threads/{question}").get_json()
    assert answer in [item["id"] for item in detail["replies"]]
    assert _visible_to(viewer, notice)
    assert db.session.get(Reply, answer).hidden_at is None
    assert db.session.get(Thread, notice).hidden_at is None
    # The officials see the flags all the same, marked as an official's post.
    queue = _queue(official)
    assert queue[("reply", answer)]["flags"] == 4 and queue[("reply", answer)]["protected"]
    assert queue[("thread", notice)]["protected"] and not queue[("thread", notice)]["hidden"]
    page = official.get(f"/w/{SLUG}/moderation")
    assert f'data-flagged="reply-{answer}"' in page.text
    # Announcements cannot be flagged at all.
    announced = call(
        official,
        "POST",
        f"{API}/communes/{SLUG}/announcements",
        json={"title": "Cúp điện", "body": "Sáng mai cúp điện từ 7 giờ.", "pinned": False},
    )
    assert announced.status_code == 201
    flagged = call(viewer, "POST", f"{API}/announcements/{announced.get_json()['id']}/flag")
    assert flagged.status_code in (404, 405)
