"""``POST /api/v1/communes`` and the admin page make a commune through the same service."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.communes.models import Commune
from app.extensions import db


def _creations() -> list[tuple[str | None, str | None, str | None, str | None]]:
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "commune.create").order_by(AuditEvent.id)
    ).all()
    return [(row.actor_name, row.target_type, row.detail, str(row.target_id)) for row in rows]


def test_the_api_records_a_new_commune_in_the_audit_log_as_the_page_does(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    answer = admin.post("/api/v1/communes", json={"slug": "xa-moi", "name": "Xã Mới"})
    assert answer.status_code == 201
    assert (
        admin.post("/admin/communes", data={"slug": "xa-trang", "name": "Xã Trắng"}).status_code
        == 303
    )
    ids = {
        slug: str(db.session.scalar(select(Commune.id).where(Commune.slug == slug)))
        for slug in ("xa-moi", "xa-trang")
    }
    assert _creations() == [
        ("admin@example.vn", "commune", '{"code": null, "slug": "xa-moi"}', ids["xa-moi"]),
        ("admin@example.vn", "commune", '{"code": null, "slug": "xa-trang"}', ids["xa-trang"]),
    ]


def test_a_refused_commune_leaves_no_audit_entry(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    answer = admin.post("/api/v1/communes", json={"slug": "Xa Moi", "name": "Xã Mới"})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["field"] == "slug"
    assert _creations() == []
