"""Issue 14: admins give a province days off (by its 2025 code), through the JSON API and the
admin page; the province's communes' deadlines skip them; every change is in the audit log."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from app.accountability.working_time import ZONE
from app.audit.models import AuditEvent
from app.communes.areas import set_area
from app.extensions import db
from app.threads.deadlines import set_deadlines
from app.threads.models import Thread
from tests.conftest import new_staff, sign_in
from tests.threads.helpers import API, call

DAYS = f"{API}/provinces/91/days-off"


def _admin_of(app, email: str, province: str):
    account = new_staff(email, admin=True)
    set_area(account, province)
    db.session.commit()
    return sign_in(app, email)


def test_an_admin_gives_a_day_off_and_deadlines_skip_it(world):
    admin = world["admin"]
    commune = world["a"]
    commune.province, commune.province_code = "An Giang", "91"
    db.session.commit()
    given = call(admin, "POST", DAYS, json={"day": "2026-12-14", "name": "Bão số 9"})
    assert given.status_code == 201, given.get_json()
    body = given.get_json()
    assert body["province_code"] == "91" and body["province"] == "An Giang"
    assert [(item["day"], item["name"]) for item in body["items"]] == [("2026-12-14", "Bão số 9")]
    assert call(admin, "GET", DAYS).get_json()["items"][0]["day"] == "2026-12-14"
    # A thread asked on Friday 11 December at 15:00: Monday 14 is off, the rest is Tuesday.
    thread = Thread(
        commune_id=commune.id, kind="question", body="Hỏi", visibility="public", status="new"
    )
    thread.created_at = datetime(2026, 12, 11, 15, tzinfo=ZONE).astimezone(UTC)
    db.session.add(thread)
    db.session.flush()
    set_deadlines(thread)
    assert thread.respond_by.astimezone(ZONE) == datetime(2026, 12, 15, 15, 30, tzinfo=ZONE)
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "day_off.add")).one()
    assert json.loads(event.detail) == {
        "province_code": "91",
        "day": "2026-12-14",
        "name": "Bão số 9",
    }

    taken = call(admin, "DELETE", f"{DAYS}/2026-12-14")
    assert taken.status_code == 200 and taken.get_json()["items"] == []
    assert call(admin, "DELETE", f"{DAYS}/2026-12-14").status_code == 404
    assert call(admin, "DELETE", f"{DAYS}/14-12-2026").status_code == 404
    removed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "day_off.remove")
    ).one()
    assert json.loads(removed.detail)["day"] == "2026-12-14"


def test_the_day_must_be_a_real_date_and_given_once(world):
    admin = world["admin"]
    for day in ("2026-02-30", "14/12/2026", "2026-12-1", "1999-12-14", 20261214, None):
        refused = call(admin, "POST", DAYS, json={"day": day, "name": "Bão"})
        assert refused.status_code == 422, day
        assert refused.get_json()["error"]["field"] == "day"
    assert (
        "YYYY-MM-DD"
        in call(admin, "POST", DAYS, json={"day": "x", "name": "B"}).get_json()["error"]["message"]
    )
    nameless = call(admin, "POST", DAYS, json={"day": "2026-12-14", "name": ""})
    assert nameless.status_code == 422 and nameless.get_json()["error"]["field"] == "name"
    assert call(admin, "POST", DAYS, json={"day": "2026-12-14", "name": "Bão"}).status_code == 201
    assert call(admin, "POST", DAYS, json={"day": "2026-12-14", "name": "Lại"}).status_code == 409


def test_national_and_the_province_admins_only(app, world):
    area = _admin_of(app, "admin.angiang@example.vn", "An Giang")
    spelled = _admin_of(app, "admin.tinh@example.vn", "tỉnh an giang")
    elsewhere = _admin_of(app, "admin.camau@example.vn", "Cà Mau")
    body = {"day": "2026-12-14", "name": "Bão"}
    assert call(area, "POST", DAYS, json=body).status_code == 201
    assert call(spelled, "GET", DAYS).status_code == 200
    for refused in (elsewhere, world["official_a"], world["resident_a"]):
        assert call(refused, "GET", DAYS).status_code == 403
        assert call(refused, "DELETE", f"{DAYS}/2026-12-14").status_code == 403
    assert call(app.test_client(), "GET", DAYS).status_code == 401
    # Cà Mau is 96: its own admin manages it.
    assert call(elsewhere, "GET", f"{API}/provinces/96/days-off").status_code == 200
    for unknown in ("00", "9", "abc", "911"):
        assert call(world["admin"], "GET", f"{API}/provinces/{unknown}/days-off").status_code == 404


def test_the_admin_pages_add_and_take_back_a_day_off(app, world):
    admin = world["admin"]
    index = admin.get("/admin/days-off").get_data(as_text=True)
    assert 'href="/admin/provinces/91/days-off"' in index and "An Giang" in index
    area = _admin_of(app, "admin.angiang@example.vn", "An Giang")
    mine = area.get("/admin/days-off").get_data(as_text=True)
    assert 'href="/admin/provinces/91/days-off"' in mine
    assert 'href="/admin/provinces/96/days-off"' not in mine
    wrong = admin.post("/admin/provinces/91/days-off", data={"day": "2026-13-01", "name": "Bão"})
    assert wrong.status_code == 422 and "YYYY-MM-DD" in wrong.get_data(as_text=True)
    added = admin.post("/admin/provinces/91/days-off", data={"day": "2026-12-14", "name": "Bão"})
    assert added.status_code == 303
    page = admin.get("/admin/provinces/91/days-off?done=added").get_data(as_text=True)
    assert "14/12/2026" in page and "Đã thêm ngày nghỉ" in page
    assert 'action="/admin/provinces/91/days-off/2026-12-14/delete"' in page
    taken = admin.post("/admin/provinces/91/days-off/2026-12-14/delete")
    assert taken.status_code == 303
    db.session.rollback()
    assert "14/12/2026" not in admin.get("/admin/provinces/91/days-off").get_data(as_text=True)
    assert area.get("/admin/provinces/96/days-off").status_code == 403
