"""Moderation: flags, automatic hiding, hiding with a reason, stopping a member from posting,
and the audit log that records it all and that nobody can change."""

from __future__ import annotations

import pytest

from app.audit.models import AuditEvent
from app.audit.services import AuditLogIsAppendOnly
from app.extensions import db
from app.threads.models import Flag
from tests.threads.helpers import API, ask, call, count, establish, me, reply


@pytest.fixture
def crowd(world, join):
    """Five established residents of A besides the author (members for over a week, each with a
    visible reply): enough to flag a post into hiding (tests/threads/test_flags.py has the
    members whose flags do not count)."""
    members = [world["resident_a2"], *(join(world["a"], f"Người {n}") for n in range(4))]
    welcome = ask(world["official_a"], "xa-a", "Chào mừng bà con đến với nhóm của xã.")
    for member in members:
        establish(member, welcome)
    return members


def _thread_ids(client) -> list[int]:
    response = call(client, "GET", f"{API}/communes/xa-a/threads")
    assert response.status_code == 200
    return [item["id"] for item in response.get_json()["items"]]


def _actions(client, **args) -> list[str]:
    response = call(client, "GET", f"{API}/audit", query_string=args)
    assert response.status_code == 200, response.get_json()
    return [item["action"] for item in response.get_json()["items"]]


def test_a_member_flags_a_post_once(world, crowd):
    thread = ask(world["resident_a"], "xa-a", "Bài viết có lời lẽ xúc phạm")
    flagger = crowd[0]
    first = call(flagger, "POST", f"{API}/threads/{thread}/flag", json={"reason": "Xúc phạm"})
    assert first.status_code == 201 and first.get_json() == {"flagged": True}
    again = call(flagger, "POST", f"{API}/threads/{thread}/flag")
    assert again.status_code == 200
    assert count(Flag) == 1
    # Not one's own post; officials hide directly; outsiders do not see it.
    assert call(world["resident_a"], "POST", f"{API}/threads/{thread}/flag").status_code == 422
    assert call(world["official_a"], "POST", f"{API}/threads/{thread}/flag").status_code == 403
    assert call(world["resident_b"], "POST", f"{API}/threads/{thread}/flag").status_code == 404
    too_long = call(flagger, "POST", f"{API}/replies/{2**31}/flag", json={})
    assert too_long.status_code == 404
    assert _actions(world["official_a"]) == ["thread.flag"]


def test_three_flags_hide_a_post_until_an_official_reviews_it(world, crowd):
    author, official = world["resident_a"], world["official_a"]
    thread = ask(author, "xa-a", "Quảng cáo bán hàng", title="Bán hàng")
    for client in crowd[:2]:
        call(client, "POST", f"{API}/threads/{thread}/flag", json={"reason": "Quảng cáo"})
    assert thread in _thread_ids(crowd[3])  # two flags: still visible
    call(crowd[2], "POST", f"{API}/threads/{thread}/flag")

    # Hidden: other residents do not see it at all, anywhere.
    other = crowd[3]
    assert thread not in _thread_ids(other)
    assert call(other, "GET", f"{API}/threads/{thread}").status_code == 404
    assert other.get(f"/t/{thread}").status_code == 404
    assert "Quảng cáo bán hàng" not in other.get("/c/xa-a").text
    assert (
        call(other, "POST", f"{API}/threads/{thread}/replies", json={"body": "x"}).status_code
        == 404
    )
    # Its author still sees it, marked hidden with the reason, and cannot reply to it.
    detail = call(author, "GET", f"{API}/threads/{thread}").get_json()
    assert detail["hidden"]["reason"].startswith(("Đã ẩn", "Hidden"))
    assert thread in _thread_ids(author)
    assert author.get(f"/t/{thread}").status_code == 200
    refused = call(author, "POST", f"{API}/threads/{thread}/replies", json={"body": "Sao vậy?"})
    assert refused.status_code == 403
    # Officials see it in the inbox with its open flags, and in the moderation queue.
    items = call(official, "GET", f"{API}/inbox").get_json()["items"]
    item = next(item for item in items if item["id"] == thread)
    assert item["hidden"] is not None and item["open_flags"] == 3
    queue = call(official, "GET", f"{API}/communes/xa-a/flags").get_json()["items"]
    assert queue == [
        {
            "type": "thread",
            "id": thread,
            "thread_id": thread,
            "body": "Quảng cáo bán hàng",
            "author": {"id": me(author), "display_name": "Chị Lan"},
            "hidden": True,
            "hidden_reason": detail["hidden"]["reason"],
            "flags": 3,
            "counted": 3,
            "protected": False,
            "reasons": ["Quảng cáo", "Quảng cáo"],
        }
    ]
    events = call(official, "GET", f"{API}/audit").get_json()["items"]
    assert events[0]["action"] == "thread.autohide"
    assert events[0]["actor"] == {"id": None, "name": "system"}

    # The review: restore. Visible again, the flags are settled.
    restored = call(official, "POST", f"{API}/threads/{thread}/restore")
    assert restored.status_code == 200 and restored.get_json()["hidden"] is None
    assert thread in _thread_ids(other)
    assert call(official, "GET", f"{API}/communes/xa-a/flags").get_json()["items"] == []
    assert call(official, "POST", f"{API}/threads/{thread}/restore").status_code == 422
    # A fourth member's flag alone does not hide it again.
    call(crowd[3], "POST", f"{API}/threads/{thread}/flag")
    assert thread in _thread_ids(other)
    assert _actions(official)[:2] == ["thread.flag", "thread.restore"]


def test_review_keeps_a_post_hidden_with_the_officials_reason(world, crowd):
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Nội dung sai sự thật")
    for client in crowd[:3]:
        call(client, "POST", f"{API}/threads/{thread}/flag")
    page = official.get("/w/xa-a/moderation")
    assert page.status_code == 200 and f'data-flagged="thread-{thread}"' in page.text
    kept = official.post(
        f"/w/xa-a/moderation/thread/{thread}",
        data={"decision": "hide", "reason": "Thông tin sai, đã xác minh."},
    )
    assert kept.status_code == 303
    detail = call(world["resident_a"], "GET", f"{API}/threads/{thread}").get_json()
    assert detail["hidden"]["reason"] == "Thông tin sai, đã xác minh."
    assert f'data-flagged="thread-{thread}"' not in official.get("/w/xa-a/moderation").text
    assert _actions(official)[0] == "thread.hide"
    missing_reason = official.post(
        f"/w/xa-a/moderation/thread/{thread}", data={"decision": "hide", "reason": ""}
    )
    assert missing_reason.status_code == 422
    assert (
        official.post(f"/w/xa-a/moderation/post/{thread}", data={"decision": "hide"}).status_code
        == 404
    )


def test_officials_hide_a_reply_with_a_reason(world):
    author, official, other = world["resident_a"], world["official_a"], world["resident_a2"]
    thread = ask(author, "xa-a", "Đường làng bị hư")
    rude = reply(other, thread, "Lời lẽ khiếm nhã")
    kept = reply(author, thread, "Cảm ơn mọi người")
    hidden = call(official, "POST", f"{API}/replies/{rude}/hide", json={"reason": "Khiếm nhã"})
    assert hidden.status_code == 200
    assert hidden.get_json()["hidden"]["reason"] == "Khiếm nhã"
    assert call(official, "POST", f"{API}/replies/{rude}/hide", json={}).status_code == 422

    # Other residents: the reply is gone from the JSON, the count and the page.
    seen = call(author, "GET", f"{API}/threads/{thread}").get_json()
    assert [r["id"] for r in seen["replies"]] == [kept]
    assert seen["reply_count"] == 1
    assert "Lời lẽ khiếm nhã" not in author.get(f"/t/{thread}").text
    listed = call(author, "GET", f"{API}/communes/xa-a/threads").get_json()["items"][0]
    assert listed["reply_count"] == 1
    assert call(author, "POST", f"{API}/replies/{rude}/flag").status_code == 404
    # Its author sees it, hidden, with the reason.
    own = call(other, "GET", f"{API}/threads/{thread}").get_json()
    assert own["replies"][0]["id"] == rude
    assert own["replies"][0]["hidden"]["reason"] == "Khiếm nhã"
    assert "Lời lẽ khiếm nhã" in other.get(f"/t/{thread}").text
    # Officials see everything, marked.
    page = official.get(f"/w/t/{thread}")
    assert "Lời lẽ khiếm nhã" in page.text and "data-hidden" in page.text
    # Restored from the workspace page.
    assert official.post(f"/w/r/{rude}/restore").status_code == 303
    assert len(call(author, "GET", f"{API}/threads/{thread}").get_json()["replies"]) == 2
    assert official.post(f"/w/r/{rude}/hide", data={"reason": "Lại khiếm nhã"}).status_code == 303
    assert len(call(author, "GET", f"{API}/threads/{thread}").get_json()["replies"]) == 1
    assert _actions(official)[:3] == ["reply.hide", "reply.restore", "reply.hide"]


def test_flag_a_reply_and_pages_for_residents(world, crowd):
    thread = ask(world["resident_a"], "xa-a", "Hỏi về lịch thu rác")
    spam = reply(crowd[0], thread, "Mua hàng giá rẻ tại đây")
    flagged = crowd[1].post(f"/w/r/{spam}/flag", data={"reason": "Quảng cáo"})
    assert flagged.status_code == 303 and flagged.headers["Location"].endswith(
        f"/t/{thread}?flagged=1"
    )
    crowd[2].post(f"/w/r/{spam}/flag", data={})
    crowd[4].post(f"/w/r/{spam}/flag", data={})
    # Three flags: hidden from the others, still shown to its author.
    assert "Mua hàng giá rẻ" not in crowd[3].get(f"/t/{thread}").text
    assert "Mua hàng giá rẻ" in crowd[0].get(f"/t/{thread}").text
    assert crowd[1].post(f"/w/t/{thread}/flag", data={}).status_code == 303
    assert crowd[0].post(f"/w/r/{spam}/flag", data={}).status_code == 422  # own reply


def test_stop_a_member_from_posting_and_allow_again(world):
    official, resident = world["official_a"], world["resident_a"]
    resident_id = me(resident)
    path = f"{API}/communes/xa-a/members/{resident_id}/block"
    blocked = call(official, "PUT", path, json={"reason": "Đăng nội dung quảng cáo nhiều lần"})
    assert blocked.status_code == 200
    assert blocked.get_json()["posting_blocked"] is True
    thread = ask(world["resident_a2"], "xa-a", "Câu hỏi của người khác")

    refused = call(
        resident, "POST", f"{API}/communes/xa-a/threads", json={"kind": "question", "body": "Hỏi"}
    )
    assert refused.status_code == 403
    assert "Đăng nội dung quảng cáo nhiều lần" in refused.get_json()["error"]["message"]
    refused = call(resident, "POST", f"{API}/threads/{thread}/replies", json={"body": "Trả lời"})
    assert refused.status_code == 403
    page = resident.post("/c/xa-a/threads", data={"kind": "question", "body": "Hỏi qua trang"})
    assert page.status_code == 403 and "Đăng nội dung quảng cáo nhiều lần" in page.text
    # Still a member who can read.
    assert call(resident, "GET", f"{API}/threads/{thread}").status_code == 200

    listed = call(official, "GET", f"{API}/communes/xa-a/members?blocked=1").get_json()["items"]
    assert [m["id"] for m in listed] == [resident_id]
    assert call(official, "PUT", path, json={"reason": ""}).status_code == 422
    assert call(world["official_b"], "PUT", path, json={"reason": "x"}).status_code == 403
    official_id = me(official)
    no_official = call(
        official, "PUT", f"{API}/communes/xa-a/members/{official_id}/block", json={"reason": "x"}
    )
    assert no_official.status_code == 422
    stranger = call(
        official,
        "PUT",
        f"{API}/communes/xa-a/members/{me(world['resident_b'])}/block",
        json={"reason": "x"},
    )
    assert stranger.status_code == 404

    allowed = call(official, "DELETE", path)
    assert allowed.status_code == 200 and allowed.get_json()["posting_blocked"] is False
    ask(resident, "xa-a", "Giờ tôi hỏi được rồi")
    assert _actions(official, commune="xa-a")[:2] == ["member.unblock", "member.block"]


def test_block_and_unblock_from_the_workspace_pages(world):
    official, resident = world["official_a"], world["resident_a"]
    thread = ask(resident, "xa-a", "Hỏi")
    resident_id = me(resident)
    page = official.get(f"/w/t/{thread}")
    assert f"/w/xa-a/members/{resident_id}/block" in page.text
    blocked = official.post(
        f"/w/xa-a/members/{resident_id}/block", data={"reason": "Spam", "back": str(thread)}
    )
    assert blocked.status_code == 303 and blocked.headers["Location"].endswith(
        f"/w/t/{thread}#author"
    )
    assert "Spam" in official.get("/w/xa-a/moderation").text
    refused = resident.post(f"/t/{thread}/replies", data={"body": "Trả lời"})
    assert refused.status_code == 403
    unblocked = official.post(f"/w/xa-a/members/{resident_id}/unblock", data={})
    assert unblocked.status_code == 303 and unblocked.headers["Location"].endswith(
        "/w/xa-a/moderation"
    )
    assert resident.post(f"/t/{thread}/replies", data={"body": "Trả lời"}).status_code == 303
    assert (
        official.post(f"/w/xa-a/members/{resident_id}/block", data={"reason": ""}).status_code
        == 422
    )
    assert (
        world["official_b"]
        .post(f"/w/xa-a/members/{resident_id}/block", data={"reason": "x"})
        .status_code
        == 403
    )


def test_the_audit_log_is_read_by_admins_and_the_communes_officials(world):
    thread_a = ask(world["resident_a"], "xa-a", "Ở A")
    thread_b = ask(world["resident_b"], "xa-b", "Ở B")
    call(world["official_a"], "PATCH", f"{API}/threads/{thread_a}", json={"status": "acknowledged"})
    call(world["official_b"], "POST", f"{API}/threads/{thread_b}/hide", json={"reason": "Sai"})

    admin_all = call(world["admin"], "GET", f"{API}/audit").get_json()["items"]
    assert {(e["action"], e["commune"]) for e in admin_all} >= {
        ("thread.status", "xa-a"),
        ("thread.hide", "xa-b"),
    }
    assert [
        e["commune"]
        for e in call(world["admin"], "GET", f"{API}/audit?commune=xa-b").get_json()["items"]
    ] == ["xa-b"]
    only_a = call(world["official_a"], "GET", f"{API}/audit").get_json()["items"]
    assert [(e["action"], e["commune"]) for e in only_a] == [("thread.status", "xa-a")]
    entry = only_a[0]
    assert entry["actor"]["name"] == "official.a@example.vn"
    assert entry["target"] == {"type": "thread", "id": thread_a}
    assert entry["detail"] == {"from": "new", "to": "acknowledged"}
    assert call(world["official_a"], "GET", f"{API}/audit?commune=xa-b").status_code == 403
    assert call(world["resident_a"], "GET", f"{API}/audit").status_code == 403
    assert call(world["resident_a"], "GET", f"{API}/audit?commune=xa-a").status_code == 403
    assert call(world["admin"], "GET", f"{API}/audit?commune=nowhere").status_code == 404

    # Nobody can change it: no route writes to it, and the model refuses.
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert call(world["admin"], method, f"{API}/audit", json={}).status_code == 405
        assert call(world["admin"], method, f"{API}/audit/1", json={}).status_code in (404, 405)
    event = db.session.query(AuditEvent).first()
    event.reason = "sửa"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()

    page = world["official_a"].get("/w/xa-a/audit")
    assert (
        page.status_code == 200 and "thread.status" in page.text and "thread.hide" not in page.text
    )
    assert world["official_a"].get("/w/xa-b/audit").status_code == 403
    assert world["resident_a"].get("/w/xa-a/audit").status_code == 403


def test_audit_log_pages(world):
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Nhiều lần đổi trạng thái")
    for status in ("acknowledged", "in_progress", "resolved"):
        call(official, "PATCH", f"{API}/threads/{thread}", json={"status": status})
    first = call(official, "GET", f"{API}/audit?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = call(official, "GET", f"{API}/audit?limit=2&cursor={first['next_cursor']}").get_json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
