"""Urgent announcements: sent with Urgency: high, shown first, marked as warnings."""

from __future__ import annotations

import re

import pytest

API = "/api/v1"


def _post(official, **fields):
    body = {"title": fields.pop("title", "Lũ về"), "body": "Nước sông dâng nhanh.", **fields}
    return official.post(f"{API}/communes/xa-a/announcements", json=body)


def test_urgent_goes_with_high_urgency_and_says_so(world, device, deliver, push_service):
    device(world["resident_a"])
    response = _post(world["official_a"], urgent=True)
    assert response.status_code == 201 and response.get_json()["urgent"] is True
    deliver()
    [message] = push_service.messages
    assert message.urgency == "high"
    assert message.json["notification"]["title"] == "Khẩn: Lũ về"


def test_ordinary_announcements_stay_normal(world, device, deliver, push_service):
    device(world["resident_a"])
    for fields in ({}, {"urgent": False}, {"urgent": None}):
        response = _post(world["official_a"], **fields)
        assert response.status_code == 201 and response.get_json()["urgent"] is False
    deliver()
    assert [m.urgency for m in push_service.messages] == ["normal"] * 3
    assert all(m.json["notification"]["title"] == "Lũ về" for m in push_service.messages)


@pytest.mark.parametrize("value", ["true", 1, "yes", [], {}])
def test_urgent_must_be_a_boolean(world, value):
    response = _post(world["official_a"], urgent=value)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "urgent"


def test_urgent_ones_come_first_and_are_marked(world):
    official = world["official_a"]
    _post(official, title="Họp tổ", pinned=True)
    urgent_id = _post(official, title="Bão số 3", urgent=True).get_json()["id"]
    _post(official, title="Tiêm chủng")
    listed = world["resident_a"].get(f"{API}/communes/xa-a/announcements").get_json()["items"]
    assert [item["title"] for item in listed] == ["Bão số 3", "Họp tổ", "Tiêm chủng"]

    feed = world["resident_a"].get("/c/xa-a").get_data(as_text=True)
    articles = re.findall(r'<article class="card announcement( urgent)?"[^>]*>\s*<h3>([^<]*)', feed)
    assert articles[0] == (" urgent", "Bão số 3")
    assert [urgent for urgent, _title in articles[1:]] == ["", ""]
    assert feed.count("Cảnh báo khẩn") == 1  # the badge: in words, not only in colour
    official_feed = official.get("/c/xa-a").get_data(as_text=True)
    assert (
        'name="urgent" value="1"' in official_feed and "Chỉ dùng khi có nguy hiểm" in official_feed
    )
    assert f'id="announcement-{urgent_id}"' in feed  # where the notification's link lands

    page = official.get("/w/xa-a/announcements").get_data(as_text=True)
    assert f'id="a{urgent_id}" class="announcement urgent"' in page
    assert 'name="urgent" value="1"' in page


def test_the_page_forms_post_urgent(world, push_service, device, deliver):
    device(world["resident_a"])
    official = world["official_a"]
    form = {"title": "Sạt lở", "body": "Tránh đường ấp 3.", "urgent": "1"}
    assert official.post("/c/xa-a/announcements", data=form).status_code == 303
    form = {"title": "Cắt nước", "body": "Chiều nay.", "pinned": "1"}
    assert official.post("/w/xa-a/announcements", data=form).status_code == 303
    form = {"title": "Lũ", "body": "Sơ tán.", "urgent": "1"}
    assert official.post("/w/xa-a/announcements", data=form).status_code == 303
    listed = official.get(f"{API}/communes/xa-a/announcements").get_json()["items"]
    assert {item["title"]: item["urgent"] for item in listed} == {
        "Sạt lở": True,
        "Cắt nước": False,
        "Lũ": True,
    }
    deliver()
    urgency = {m.json["notification"]["tag"]: m.urgency for m in push_service.messages}
    assert sorted(urgency.values()) == ["high", "high", "normal"]


def test_urgent_can_be_changed_later(world):
    official = world["official_a"]
    item = _post(official).get_json()
    changed = official.patch(f"{API}/announcements/{item['id']}", json={"urgent": True})
    assert changed.status_code == 200 and changed.get_json()["urgent"] is True
    toggled = official.post(f"/w/xa-a/announcements/{item['id']}", data={"urgent": "0"})
    assert toggled.status_code == 303
    assert official.get(f"{API}/announcements/{item['id']}").get_json()["urgent"] is False
    resident = world["resident_a"].patch(f"{API}/announcements/{item['id']}", json={"urgent": True})
    assert resident.status_code == 403
