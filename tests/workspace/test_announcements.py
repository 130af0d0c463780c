"""Announcements: pin, expiry, edit (replacing an undelivered notification), reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.announcements.models import Announcement
from app.extensions import db
from app.push.models import PushMessage
from tests.threads.helpers import API, call, count


def _post(client, title: str, **fields):
    response = call(
        client,
        "POST",
        f"{API}/communes/xa-a/announcements",
        json={"title": title, "body": f"Nội dung: {title}", **fields},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _titles(client) -> list[str]:
    response = call(client, "GET", f"{API}/communes/xa-a/announcements")
    assert response.status_code == 200
    return [item["title"] for item in response.get_json()["items"]]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_pinned_first_then_newest(world):
    official = world["official_a"]
    first = _post(official, "Lịch họp")
    _post(official, "Cúp điện")
    assert first["pinned"] is False and first["expires_at"] is None
    pinned = call(official, "PATCH", f"{API}/announcements/{first['id']}", json={"pinned": True})
    assert pinned.status_code == 200 and pinned.get_json()["pinned"] is True
    assert _titles(world["resident_a"]) == ["Lịch họp", "Cúp điện"]
    _post(official, "Tiêm chủng", pinned=True)
    assert _titles(world["resident_a"]) == ["Tiêm chủng", "Lịch họp", "Cúp điện"]
    # Pinning does not notify anyone again.
    assert count(PushMessage, PushMessage.announcement_id == first["id"]) == 1


def test_expired_announcements_are_no_longer_listed_to_residents(world):
    official = world["official_a"]
    soon = datetime.now(UTC) + timedelta(hours=2)
    item = _post(official, "Cúp nước sáng mai", expires_at=_iso(soon))
    assert item["expires_at"] is not None and item["expired"] is False
    # Its notification is not delivered after the announcement ends.
    message = db.session.scalar(
        select(PushMessage).where(PushMessage.announcement_id == item["id"])
    )
    assert abs(message.expires_at.replace(tzinfo=UTC) - soon) < timedelta(seconds=1)
    _post(official, "Lịch tiếp dân")
    assert _titles(world["resident_a"]) == ["Lịch tiếp dân", "Cúp nước sáng mai"]

    # Time passes: the announcement has expired.
    announcement = db.session.get(Announcement, item["id"])
    announcement.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    assert _titles(world["resident_a"]) == ["Lịch tiếp dân"]
    assert call(world["resident_a"], "GET", f"{API}/announcements/{item['id']}").status_code == 404
    assert "Cúp nước sáng mai" not in world["resident_a"].get("/c/xa-a").text
    # Officials still see it, marked expired.
    listed = call(official, "GET", f"{API}/communes/xa-a/announcements").get_json()["items"]
    assert [(entry["title"], entry["expired"]) for entry in listed] == [
        ("Lịch tiếp dân", False),
        ("Cúp nước sáng mai", True),
    ]
    assert call(official, "GET", f"{API}/announcements/{item['id']}").status_code == 200
    assert "Cúp nước sáng mai" in official.get("/w/xa-a/announcements").text


def test_expiry_must_be_a_future_time(world):
    official = world["official_a"]
    item = _post(official, "Thông báo")
    path = f"{API}/announcements/{item['id']}"
    for bad in ("tomorrow", "2020-01-01T00:00:00Z", 5, "9" * 50):
        response = call(official, "PATCH", path, json={"expires_at": bad})
        assert response.status_code == 422, bad
        assert response.get_json()["error"]["field"] == "expires_at"
    later = datetime.now(UTC) + timedelta(days=3)
    response = call(official, "PATCH", path, json={"expires_at": _iso(later)})
    assert response.status_code == 200
    cleared = call(official, "PATCH", path, json={"expires_at": None})
    assert cleared.get_json()["expires_at"] is None
    assert call(official, "PATCH", path, json={}).status_code == 422
    assert call(official, "PATCH", path, json={"pinned": "yes"}).status_code == 422
    assert call(official, "PATCH", path, json={"title": ""}).status_code == 422


def test_edit_replaces_an_undelivered_notification(world, device, deliver, push_service):
    official = world["official_a"]
    phones = [device(world["resident_a"]), device(world["resident_a2"])]
    item = _post(official, "Họp dân")
    edited = call(
        official,
        "PATCH",
        f"{API}/announcements/{item['id']}",
        json={"title": "Họp dân (đổi giờ)", "body": "Họp lúc 19 giờ thay vì 18 giờ."},
    )
    assert edited.status_code == 200
    body = edited.get_json()
    assert body["title"] == "Họp dân (đổi giờ)" and body["edited_at"] is not None
    messages = db.session.scalars(
        select(PushMessage)
        .where(PushMessage.announcement_id == item["id"])
        .order_by(PushMessage.id)
    ).all()
    # A new message with the same Topic: the push service keeps only the newest one
    # that has not yet reached the phone.
    assert len(messages) == 2
    assert {message.topic for message in messages} == {f"a{item['id']}"}
    assert "19 giờ" in messages[1].payload
    # Reach is the new notification's: not yet delivered.
    assert body["delivery"]["subscriptions"] == 2 and body["delivery"]["delivered"] == 0

    deliver()
    received = push_service.messages
    assert {message.topic for message in received} == {f"a{item['id']}"}
    newest = [m for m in received if "19 giờ" in m.json["notification"]["body"]]
    assert sorted(message.endpoint for message in newest) == sorted(p["endpoint"] for p in phones)
    reach = call(official, "GET", f"{API}/announcements/{item['id']}").get_json()["delivery"]
    assert reach["delivered"] == 2 and reach["subscriptions"] == 2
    listed = call(official, "GET", f"{API}/communes/xa-a/announcements").get_json()["items"]
    assert listed[0]["delivery"]["delivered"] == 2
    # Residents do not get the reach in the list.
    assert (
        "delivery"
        not in call(world["resident_a"], "GET", f"{API}/communes/xa-a/announcements").get_json()[
            "items"
        ][0]
    )
    # An edit that changes nothing sends nothing.
    call(
        official, "PATCH", f"{API}/announcements/{item['id']}", json={"title": "Họp dân (đổi giờ)"}
    )
    assert count(PushMessage, PushMessage.announcement_id == item["id"]) == 2
    page = official.get("/w/xa-a/announcements")
    assert "data-reach" in page.text and "2" in page.text


def test_announcements_page(world):
    official = world["official_a"]
    created = official.post(
        "/w/xa-a/announcements",
        data={"title": "Lịch tiêm", "body": "Thứ Bảy.", "pinned": "1", "expires_at": ""},
    )
    assert created.status_code == 303
    item = call(official, "GET", f"{API}/communes/xa-a/announcements").get_json()["items"][0]
    assert item["pinned"] is True
    path = f"/w/xa-a/announcements/{item['id']}"
    assert official.post(path, data={"pinned": "0"}).status_code == 303
    later = (datetime.now(UTC) + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    edited = official.post(
        path, data={"title": "Lịch tiêm (mới)", "body": "Chủ Nhật.", "expires_at": later}
    )
    assert edited.status_code == 303
    after = call(official, "GET", f"{API}/announcements/{item['id']}").get_json()
    assert after["pinned"] is False and after["title"] == "Lịch tiêm (mới)"
    assert after["expires_at"] is not None
    refused = official.post(path, data={"expires_at": "2020-01-01T08:00"})
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    empty = official.post("/w/xa-a/announcements", data={"title": "", "body": "x"})
    assert empty.status_code == 422
    assert world["resident_a"].post(path, data={"pinned": "1"}).status_code == 403
    assert world["official_b"].post(path, data={"pinned": "1"}).status_code == 403
    assert world["resident_a"].get("/w/xa-a/announcements").status_code == 403


def test_other_communes_cannot_edit(world):
    item = _post(world["official_a"], "Thông báo")
    path = f"{API}/announcements/{item['id']}"
    assert call(world["official_b"], "PATCH", path, json={"pinned": True}).status_code == 403
    assert call(world["resident_a"], "PATCH", path, json={"pinned": True}).status_code == 403
    assert call(world["admin"], "PATCH", path, json={"pinned": True}).status_code == 403
    assert call(world["admin"].application.test_client(), "PATCH", path, json={}).status_code == 401
