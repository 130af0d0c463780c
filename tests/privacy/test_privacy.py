"""A member can take their data away, leave, or be forgotten entirely."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import Account
from app.extensions import db
from app.push.models import PushSubscription
from app.threads.models import Reply, Thread


def _ask(client, body="Đèn đường hỏng", visibility="public"):
    return client.post(
        "/api/v1/communes/xa-a/threads",
        json={"kind": "report", "body": body, "visibility": visibility},
    ).get_json()["id"]


def _subscribe(account_id: int) -> None:
    db.session.add(
        PushSubscription(
            account_id=account_id, endpoint="https://fcm.googleapis.com/x", p256dh="k", auth="a"
        )
    )
    db.session.commit()


def test_export_holds_what_we_store(world):
    resident = world["resident_a"]
    thread_id = _ask(resident)
    resident.post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Thêm ảnh sau"})
    response = resident.get("/api/v1/me/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["account"]["display_name"] == "Chị Lan" and data["account"]["email"] is None
    assert [m["commune"] for m in data["memberships"]] == ["xa-a"]
    assert [t["body"] for t in data["threads"]] == ["Đèn đường hỏng"]
    assert [r["body"] for r in data["replies"]] == ["Thêm ảnh sau"]
    assert world["resident_a2"].get("/api/v1/me/export").get_json()["threads"] == []


def test_export_has_the_me_too_supports_and_the_confirmations(world):
    resident, neighbour = world["resident_a"], world["resident_a2"]
    thread_id = _ask(resident)
    other_id = _ask(neighbour, body="Cống bị tắc")
    assert resident.post(f"/api/v1/threads/{other_id}/support").status_code == 201
    for status in ("in_progress", "resolved"):
        changed = world["official_a"].patch(f"/api/v1/threads/{thread_id}", json={"status": status})
        assert changed.status_code == 200
    answer = {"fixed": False, "rating": 2, "comment": "Vẫn còn tối"}
    assert (
        resident.post(f"/api/v1/threads/{thread_id}/confirmation", json=answer).status_code == 201
    )
    data = resident.get("/api/v1/me/export").get_json()
    assert [s["thread_id"] for s in data["supports"]] == [other_id]
    [confirmation] = data["confirmations"]
    assert confirmation["thread_id"] == thread_id
    assert (confirmation["fixed"], confirmation["rating"], confirmation["comment"]) == (
        False,
        2,
        "Vẫn còn tối",
    )
    others = neighbour.get("/api/v1/me/export").get_json()
    assert others["supports"] == [] and others["confirmations"] == []


def test_leaving_keeps_posts_as_former_member(world):
    thread_id = _ask(world["resident_a"])
    assert world["resident_a"].delete("/api/v1/communes/xa-a/membership").status_code == 204
    seen = world["official_a"].get(f"/api/v1/threads/{thread_id}").get_json()
    assert seen["author"] == {"display_name": None}
    assert seen["body"] == "Đèn đường hỏng"


def test_leaving_with_posts_deletes_them(world):
    thread_id = _ask(world["resident_a"])
    world["resident_a"].delete("/api/v1/communes/xa-a/membership?delete_posts=1")
    assert world["official_a"].get(f"/api/v1/threads/{thread_id}").status_code == 404


def test_forget_me_removes_account_subscriptions_and_session(world):
    resident = world["resident_a"]
    account_id = resident.get("/api/v1/me").get_json()["id"]
    thread_id = _ask(resident)
    world["official_a"].post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Đã nhận"})
    _subscribe(account_id)
    assert db.session.scalar(select(func.count(PushSubscription.id))) == 1
    assert resident.delete("/api/v1/me").status_code == 204
    assert db.session.get(Account, account_id) is None
    assert db.session.scalar(select(func.count(PushSubscription.id))) == 0
    assert resident.get("/api/v1/me").get_json()["signed_in"] is False
    thread = db.session.get(Thread, thread_id)
    assert thread is not None and thread.author_id is None  # the question stays, anonymous
    assert db.session.scalar(select(func.count(Reply.id))) == 1


def test_forget_me_with_posts(world):
    resident = world["resident_a"]
    _ask(resident)
    resident.delete("/api/v1/me?delete_posts=1")
    assert db.session.scalar(select(func.count(Thread.id))) == 0
