"""The whole loop through the JSON API: board -> join -> ask -> answer -> status -> announce."""

from __future__ import annotations

from tests.conftest import BASE_URL


def test_question_is_answered_and_resolved(make_commune, make_staff, login, join):
    admin_email = "admin@example.vn"
    make_staff(admin_email, admin=True)
    admin = login(admin_email)

    created = admin.post("/api/v1/communes", json={"slug": "xa-a", "name": "Xã A"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["slug"] == "xa-a" and body["name"] == "Xã A"
    assert body["join_url"].startswith(f"{BASE_URL}/j/")
    token = body["join_url"].rsplit("/", 1)[1]

    from app.communes.models import Commune
    from app.extensions import db

    commune = db.session.scalar(db.select(Commune).where(Commune.slug == "xa-a"))
    make_staff("canbo@example.vn", communes=(commune,))
    official = login("canbo@example.vn")

    resident = join(commune, "Chị Lan")
    asked = resident.post(
        "/api/v1/communes/xa-a/threads",
        json={
            "kind": "report",
            "title": "Ngập hẻm 5",
            "body": "Hẻm 5 ngập sau mưa.",
            "visibility": "public",
        },
    )
    assert asked.status_code == 201, asked.get_json()
    thread = asked.get_json()
    assert thread["status"] == "new" and thread["author"] == {"display_name": "Chị Lan"}
    assert thread["reply_count"] == 0

    answered = official.post(
        f"/api/v1/threads/{thread['id']}/replies", json={"body": "Đã cử người kiểm tra."}
    )
    assert answered.status_code == 201
    assert answered.get_json()["author"]["role"] == "official"

    for status in ("acknowledged", "in_progress", "resolved"):
        moved = official.patch(
            f"/api/v1/threads/{thread['id']}", json={"status": status, "note": f"-> {status}"}
        )
        assert moved.status_code == 200, moved.get_json()
        assert moved.get_json()["status"] == status

    seen = resident.get(f"/api/v1/threads/{thread['id']}").get_json()
    assert seen["status"] == "resolved"
    assert [reply["body"] for reply in seen["replies"]] == ["Đã cử người kiểm tra."]
    assert seen["replies"][0]["author"] == {"display_name": "canbo", "role": "official"}
    assert [(h["from_status"], h["status"]) for h in seen["history"]] == [
        ("new", "acknowledged"),
        ("acknowledged", "in_progress"),
        ("in_progress", "resolved"),
    ]
    assert all(h["created_at"].endswith("Z") for h in seen["history"])

    listed = resident.get("/api/v1/communes/xa-a/threads").get_json()
    assert listed["items"][0]["reply_count"] == 1
    assert listed["next_cursor"] is None

    posted = official.post(
        "/api/v1/communes/xa-a/announcements",
        json={"title": "Lịch tiêm chủng", "body": "Thứ Bảy tại trạm y tế."},
    )
    assert posted.status_code == 201
    assert set(posted.get_json()) >= {"id", "title", "body", "created_at"}
    announcements = resident.get("/api/v1/communes/xa-a/announcements").get_json()["items"]
    assert [item["title"] for item in announcements] == ["Lịch tiêm chủng"]
    assert token  # the board's token is what the resident used through join()


def test_a_report_may_carry_a_location(world):
    resident = world["resident_a"]
    response = resident.post(
        "/api/v1/communes/xa-a/threads",
        json={
            "kind": "report",
            "body": "Cây đổ chắn đường",
            "latitude": 9.6011234567,
            "longitude": 105.0727,
            "address": "Ấp 3",
        },
    )
    assert response.status_code == 201
    assert response.get_json()["location"] == {
        "latitude": 9.601123,
        "longitude": 105.0727,
        "address": "Ấp 3",
    }
    for bad in (
        {"latitude": 91, "longitude": 0},
        {"latitude": 10},
        {"longitude": "x"},
        {"latitude": float("inf"), "longitude": 1},
    ):
        refused = resident.post(
            "/api/v1/communes/xa-a/threads", json={"kind": "report", "body": "x", **bad}
        )
        assert refused.status_code in (400, 422), bad
    plain = resident.post("/api/v1/communes/xa-a/threads", json={"kind": "question", "body": "?"})
    assert plain.get_json()["location"] is None
