"""Who is notified of what: every trigger, the opt-outs, never of one's own action."""

from __future__ import annotations

from tests.conftest import BASE_URL


def _ask(client, slug="xa-a", visibility="public", body="Đường ấp 3 bị sạt lở"):
    response = client.post(
        f"/api/v1/communes/{slug}/threads",
        json={"kind": "report", "title": "Sạt lở", "body": body, "visibility": visibility},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _endpoints(push_service):
    return sorted(message.endpoint for message in push_service.messages)


def test_official_reply_reaches_every_device_of_the_author(world, device, deliver, push_service):
    resident, official = world["resident_a"], world["official_a"]
    phone, tablet = device(resident), device(resident)
    official_phone = device(official)
    other_resident = device(world["resident_a2"])
    thread_id = _ask(resident)
    deliver()  # the new thread went to the official
    assert _endpoints(push_service) == [official_phone["endpoint"]]
    push_service.reset()

    official.post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Sáng mai sẽ có người."})
    deliver()
    messages = push_service.wait_for(2)
    assert _endpoints(push_service) == sorted([phone["endpoint"], tablet["endpoint"]])
    assert messages[0].json["web_push"] == 8030
    payload = messages[0].json["notification"]
    assert set(payload) == {"title", "body", "navigate", "lang", "tag", "data"}
    # One id per message, the same on every device (so a repeat delivery is recognised).
    message_id = payload["data"]["id"]
    assert messages[1].json["notification"]["data"]["id"] == message_id and len(message_id) == 16
    assert "Sạt lở" in payload["title"]
    assert payload["body"] == "Sáng mai sẽ có người."
    assert payload["navigate"] == f"{BASE_URL}/t/{thread_id}"
    assert payload["lang"] == "vi" and payload["tag"] == f"t{thread_id}"
    assert messages[0].urgency == "high"
    assert messages[0].topic == f"t{thread_id}"
    assert 0 < messages[0].ttl <= 2 * 24 * 3600
    assert other_resident["endpoint"] not in _endpoints(push_service)


def test_status_change_tells_the_author(world, device, deliver, push_service):
    phone = device(world["resident_a"])
    thread_id = _ask(world["resident_a"])
    world["official_a"].patch(
        f"/api/v1/threads/{thread_id}",
        json={"status": "declined", "note": "Không thuộc thẩm quyền."},
    )
    deliver()
    [message] = push_service.messages
    assert message.endpoint == phone["endpoint"]
    notification = message.json["notification"]
    assert notification["body"] == "Không thuộc thẩm quyền."
    assert "không xử lý" in notification["title"].lower() or "declined" in notification["title"]


def test_resident_reply_tells_officials_author_and_participants(
    world, device, deliver, push_service
):
    author, replier, newcomer = world["resident_a"], world["resident_a2"], world["resident_a"]
    official_phone = device(world["official_a"])
    author_phone = device(author)
    replier_phone = device(replier)
    bystander = world["resident_b"]  # another commune: never notified
    bystander_phone = device(bystander)
    thread_id = _ask(author)
    replier.post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Tôi cũng thấy vậy."})
    deliver()
    push_service.reset()

    newcomer.post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Cảm ơn mọi người."})
    deliver()
    endpoints = _endpoints(push_service)
    assert endpoints == sorted([official_phone["endpoint"], replier_phone["endpoint"]])
    assert author_phone["endpoint"] not in endpoints  # the author wrote this one
    assert bystander_phone["endpoint"] not in endpoints


def test_announcement_reaches_every_member_but_its_author(world, device, deliver, push_service):
    members = [world["resident_a"], world["resident_a2"]]
    phones = [device(member) for member in members]
    official_phone = device(world["official_a"])
    outsider = device(world["resident_b"])
    response = world["official_a"].post(
        "/api/v1/communes/xa-a/announcements",
        json={"title": "Cắt điện", "body": "Thứ Hai cắt điện từ 7 giờ đến 11 giờ."},
    )
    announcement_id = response.get_json()["id"]
    deliver()
    endpoints = _endpoints(push_service)
    assert endpoints == sorted(phone["endpoint"] for phone in phones)
    assert official_phone["endpoint"] not in endpoints and outsider["endpoint"] not in endpoints
    message = push_service.messages[0]
    assert message.json["notification"]["title"] == "Cắt điện"
    assert message.json["notification"]["navigate"] == (
        f"{BASE_URL}/c/xa-a#announcement-{announcement_id}"
    )
    assert message.urgency == "normal"
    assert 6 * 24 * 3600 < message.ttl <= 7 * 24 * 3600
    assert message.topic == f"a{announcement_id}"
    reach = world["resident_a"].get(f"/api/v1/announcements/{announcement_id}").get_json()
    assert reach["delivery"] == {
        "subscriptions": 2,
        "delivered": 2,
        "failed": 0,
        "expired": 0,
        "pending": 0,
    }


def test_announcement_reach_counts_pending_before_the_worker_runs(world, device):
    device(world["resident_a"])
    response = world["official_a"].post(
        "/api/v1/communes/xa-a/announcements", json={"title": "Họp", "body": "Họp tổ dân phố."}
    )
    announcement_id = response.get_json()["id"]
    reach = world["official_a"].get(f"/api/v1/announcements/{announcement_id}").get_json()
    assert reach["delivery"]["pending"] == 1 and reach["delivery"]["subscriptions"] == 1


def test_new_private_thread_goes_to_officials_only(world, device, deliver, push_service):
    official_phone = device(world["official_a"])
    device(world["resident_a2"])
    _ask(world["resident_a"], visibility="officials")
    deliver()
    assert _endpoints(push_service) == [official_phone["endpoint"]]


def test_each_kind_can_be_turned_off(world, device, deliver, push_service):
    resident = world["resident_a"]
    device(resident)
    settings = resident.get("/api/v1/communes/xa-a/notifications").get_json()
    assert settings == {
        "answers": True,
        "discussion": True,
        "announcements": True,
        "new_threads": True,
    }
    changed = resident.put(
        "/api/v1/communes/xa-a/notifications", json={"answers": False, "announcements": False}
    )
    assert changed.get_json()["answers"] is False
    thread_id = _ask(resident)
    world["official_a"].post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Đã nhận."})
    world["official_a"].post(
        "/api/v1/communes/xa-a/announcements", json={"title": "Tin", "body": "Nội dung"}
    )
    deliver()
    assert push_service.messages == []


def test_bad_preference_is_refused(world):
    resident = world["resident_a"]
    assert (
        resident.put("/api/v1/communes/xa-a/notifications", json={"spam": True}).status_code == 422
    )
    assert (
        resident.put("/api/v1/communes/xa-a/notifications", json={"answers": "no"}).status_code
        == 422
    )
    assert world["resident_b"].get("/api/v1/communes/xa-a/notifications").status_code == 403


def test_reply_reach_is_shown_to_author_and_officials_only(world, device, deliver):
    device(world["resident_a"])
    thread_id = _ask(world["resident_a"])
    world["official_a"].post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Đã nhận."})
    deliver()
    for viewer in ("resident_a", "official_a"):
        reply = world[viewer].get(f"/api/v1/threads/{thread_id}").get_json()["replies"][0]
        assert reply["delivery"]["delivered"] == 1, viewer
    reply = world["resident_a2"].get(f"/api/v1/threads/{thread_id}").get_json()["replies"][0]
    assert "delivery" not in reply
