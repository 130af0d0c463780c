"""The plain server-rendered pages: the whole loop with HTML forms, no JavaScript."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.threads.models import Thread


def _thread_id(location: str) -> int:
    match = re.search(r"/t/(\d+)", location)
    assert match, location
    return int(match.group(1))


def test_loop_with_forms(app, make_commune, make_staff, login):
    commune = make_commune()
    make_staff("canbo@example.vn", communes=(commune,))
    resident = app.test_client()

    page = resident.get(f"/j/{commune.join_token}")
    assert page.status_code == 200
    assert "Xã U Minh Thượng" in page.text
    assert 'name="display_name"' in page.text

    joined = resident.post(f"/j/{commune.join_token}", data={"display_name": "Bác Tư"})
    assert joined.status_code == 303
    assert joined.headers["Location"].endswith(f"/c/{commune.slug}?joined=1")
    feed = resident.get(joined.headers["Location"])
    assert feed.status_code == 200

    asked = resident.post(
        f"/c/{commune.slug}/threads",
        data={"kind": "report", "body": "Lấn chiếm vỉa hè ở chợ", "visibility": "public"},
    )
    assert asked.status_code == 303
    thread_id = _thread_id(asked.headers["Location"])

    official = login("canbo@example.vn")
    replied = official.post(f"/t/{thread_id}/replies", data={"body": "Đã ghi nhận, sẽ xử lý."})
    assert replied.status_code == 303
    moved = official.post(f"/t/{thread_id}/status", data={"status": "in_progress", "note": ""})
    assert moved.status_code == 303

    seen = resident.get(f"/t/{thread_id}").text
    assert "Đã ghi nhận, sẽ xử lý." in seen
    assert "status-in_progress" in seen
    # Residents do not get the official's status form.
    assert 'name="status"' not in seen


def test_invalid_form_keeps_what_was_typed(app, make_commune):
    commune = make_commune()
    resident = app.test_client()
    resident.post(f"/j/{commune.join_token}", data={})
    long_text = "x" * 4001
    response = resident.post(
        f"/c/{commune.slug}/threads",
        data={"kind": "question", "body": long_text, "visibility": "public"},
    )
    assert response.status_code == 422
    assert long_text in response.text
    assert 'role="alert"' in response.text
    assert db.session.scalar(select(func.count(Thread.id))) == 0


def test_declining_without_reason_is_refused(app, make_commune, make_staff, login, join):
    commune = make_commune()
    make_staff("canbo@example.vn", communes=(commune,))
    resident = join(commune)
    thread_id = resident.post(
        f"/api/v1/communes/{commune.slug}/threads",
        json={"kind": "question", "body": "Hỏi", "visibility": "public"},
    ).get_json()["id"]
    response = login("canbo@example.vn").post(
        f"/t/{thread_id}/status", data={"status": "declined", "note": "  "}
    )
    assert response.status_code == 422
    assert db.session.get(Thread, thread_id).status == "new"


def test_unknown_join_token_gets_friendly_page(client):
    response = client.get("/j/not-a-real-token")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert 'role="alert"' in response.text


def test_pages_need_sign_in(client, make_commune):
    """Signed out, the group's page is the residents' explanation (tests/membership/
    test_signed_out.py); officials' pages send to the staff sign-in."""
    commune = make_commune()
    assert client.get(f"/c/{commune.slug}").status_code == 401
    response = client.get(f"/c/{commune.slug}/inbox")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_staff_login_page_and_redirect(client, make_staff):
    make_staff("admin@example.vn", admin=True)
    response = client.post(
        "/login", data={"email": "admin@example.vn", "password": "correct horse battery"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin")
    assert client.get("/admin").status_code == 200
    wrong = client.post("/login", data={"email": "admin@example.vn", "password": "nope"})
    assert wrong.status_code == 401


def test_login_never_redirects_off_site(client, make_staff):
    make_staff("admin@example.vn", admin=True)
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": "admin@example.vn", "password": "correct horse battery"},
    )
    assert response.headers["Location"].endswith("/admin")


def test_admin_creates_commune_from_page(client, make_staff):
    make_staff("admin@example.vn", admin=True)
    client.post("/login", data={"email": "admin@example.vn", "password": "correct horse battery"})
    created = client.post("/admin/communes", data={"slug": "xa-moi", "name": "Xã Mới"})
    assert created.status_code == 303
    assert created.headers["Location"].endswith("/admin/communes/xa-moi?done=created")
    said = client.get(created.headers["Location"]).text
    assert "Đã tạo nhóm góp ý của Xã Mới." in said and 'role="status"' in said
    page = client.get("/admin").text
    assert "Xã Mới" in page and "/communes/xa-moi/board.png" in page
