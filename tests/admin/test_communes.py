"""Creating and editing communes one by one, through the API and the pages."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.communes.models import Commune
from app.extensions import db
from tests.conftest import BASE_URL


def test_patch_commune_edits_only_given_fields(world):
    response = world["admin"].patch(
        "/api/v1/communes/xa-a",
        json={"name": "Xã A Mới", "district": "Huyện B", "province": "Tỉnh C", "code": "00123"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["slug"] == "xa-a"  # slugs never change: links and boards keep working
    assert (body["name"], body["district"], body["province"], body["code"]) == (
        "Xã A Mới",
        "Huyện B",
        "Tỉnh C",
        "00123",
    )
    assert body["join_url"] == f"{BASE_URL}/j/{world['a'].join_token}"
    partial = world["admin"].patch("/api/v1/communes/xa-a", json={"district": None})
    assert partial.get_json()["district"] is None
    assert partial.get_json()["name"] == "Xã A Mới"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "commune.update")
    ).all()
    assert len(events) == 2 and events[0].commune_id == world["a"].id


def test_patch_commune_refusals(world):
    admin = world["admin"]
    assert admin.patch("/api/v1/communes/xa-a", json={"name": ""}).status_code == 422
    assert admin.patch("/api/v1/communes/xa-a", json={"name": "a\nb"}).status_code == 422
    assert admin.patch("/api/v1/communes/xa-a", json={"code": "not a code"}).status_code == 422
    assert admin.patch("/api/v1/communes/xa-a", json={"district": 5}).status_code == 422
    assert admin.patch("/api/v1/communes/xa-b", json={"code": "777"}).status_code == 200
    taken = admin.patch("/api/v1/communes/xa-a", json={"code": "777"})
    assert taken.status_code == 409 and taken.get_json()["error"]["field"] == "code"
    assert admin.patch("/api/v1/communes/nope", json={"name": "X"}).status_code == 404
    assert admin.patch("/api/v1/communes/xa-a", data="x").status_code == 415
    for actor in ("official_a", "official_b", "resident_a"):
        assert world[actor].patch("/api/v1/communes/xa-a", json={"name": "X"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Commune, world["a"].id).name == "Xã A"


def test_admin_page_creates_commune_with_details_and_derived_slug(world):
    admin = world["admin"]
    created = admin.post(
        "/admin/communes",
        data={
            "name": "Xã Đất Mũi",
            "code": "32200",
            "district": "Huyện Ngọc Hiển",
            "province": "Cà Mau",
        },
    )
    assert created.status_code == 303
    commune = db.session.scalar(select(Commune).where(Commune.code == "32200"))
    assert commune is not None and commune.slug == "xa-dat-mui"
    assert (commune.district, commune.province) == ("Huyện Ngọc Hiển", "Cà Mau")
    page = admin.get("/admin")
    assert "Xã Đất Mũi" in page.text and "/communes/xa-dat-mui/board.pdf" in page.text
    assert "/admin/communes/xa-dat-mui" in page.text
    # Each province (by its 2025 code: Cà Mau is 96) links to its communes, its boards (the
    # page that makes the PDF and shows its progress), its statistics and its public results.
    assert commune.province_code == "96"
    for link in ("/admin?province=96", "/admin/boards?province=96", "/admin/stats?province=96"):
        assert link in page.text
    assert "/provinces/96/accountability" in page.text
    boards = admin.get("/admin/boards?province=96").text
    assert "/admin/boards.pdf?province=96" in boards
    filtered = admin.get("/admin?province=Cà Mau")
    assert "Xã Đất Mũi" in filtered.text and "Xã A" not in filtered.text.replace("Xã Đất", "")


def test_admin_commune_page_edits(world):
    admin = world["admin"]
    page = admin.get("/admin/communes/xa-a")
    assert page.status_code == 200 and "official.a@example.vn" in page.text
    saved = admin.post(
        "/admin/communes/xa-a",
        data={"name": "Xã A Sửa", "code": "", "district": "Huyện Z", "province": ""},
    )
    assert saved.status_code == 303
    assert "done=saved" in saved.headers["Location"]
    db.session.expire_all()
    commune = db.session.get(Commune, world["a"].id)
    assert (commune.name, commune.district, commune.province) == ("Xã A Sửa", "Huyện Z", None)
    bad = admin.post(
        "/admin/communes/xa-a", data={"name": " ", "code": "", "district": "", "province": ""}
    )
    assert bad.status_code == 422 and 'role="alert"' in bad.text


def test_officials_see_their_communes_on_the_console_but_no_admin_tools(world):
    page = world["official_a"].get("/admin")
    assert page.status_code == 200
    assert "Xã A" in page.text and "Xã B" not in page.text
    assert "/admin/import" not in page.text and "/admin/communes/xa-a" not in page.text
    assert "/communes/xa-a/board" in page.text
    assert world["resident_a"].get("/admin").status_code == 403
