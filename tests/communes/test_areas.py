"""Admins of a province or a district manage only their communes; national admins all of them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.models import Account
from app.audit.models import AuditEvent
from app.communes.models import Commune
from app.extensions import db
from app.membership.services import add_official, role_in

AN_GIANG, CA_MAU = "An Giang", "Cà Mau"


@pytest.fixture
def area(world, make_commune, make_staff, login) -> dict[str, Any]:
    """xa-a (An Giang, Châu Thành), xa-c (An Giang, Tri Tôn), xa-b (Cà Mau); a province
    admin of An Giang and a district admin of Châu Thành."""
    a, b = world["a"], world["b"]
    c = make_commune("xa-c", "Xã C")
    a.province, a.district = AN_GIANG, "Châu Thành"
    c.province, c.district = AN_GIANG, "Tri Tôn"
    b.province = CA_MAU
    province = make_staff("tinh@example.vn", admin=True)
    province.admin_province = AN_GIANG
    district = make_staff("huyen@example.vn", admin=True)
    district.admin_province, district.admin_district = AN_GIANG, "Châu Thành"
    db.session.commit()
    return {
        **world,
        "c": c,
        "province": login("tinh@example.vn"),
        "district": login("huyen@example.vn"),
    }


def slugs(client, url: str = "/api/v1/communes") -> list[str]:
    return sorted(item["slug"] for item in client.get(url).get_json()["items"])


def test_lists_hold_only_the_admins_area(area):
    assert slugs(area["admin"]) == ["xa-a", "xa-b", "xa-c"]
    assert slugs(area["province"]) == ["xa-a", "xa-c"]
    assert slugs(area["district"]) == ["xa-a"]
    page = area["province"].get("/admin").get_data(as_text=True)
    assert "Xã C" in page and "Xã B" not in page and CA_MAU not in page
    stats = area["province"].get("/api/v1/stats").get_json()
    assert [p["province"] for p in stats["provinces"]] == [AN_GIANG]
    me = area["district"].get("/api/v1/me").get_json()
    assert me["admin_scope"] == {"province": AN_GIANG, "district": "Châu Thành"}
    assert area["admin"].get("/api/v1/me").get_json()["admin_scope"] == {
        "province": None,
        "district": None,
    }


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("PATCH", "/api/v1/communes/xa-b"),
        ("POST", "/api/v1/communes/xa-b/rotate-token"),
        ("GET", "/api/v1/communes/xa-b/officials"),
        ("GET", "/api/v1/communes/xa-b/stats"),
        ("GET", "/api/v1/audit?commune=xa-b"),
        ("GET", "/admin/communes/xa-b"),
        ("POST", "/admin/communes/xa-b"),
        ("POST", "/admin/communes/xa-b/rotate-token"),
        ("GET", "/communes/xa-b/board"),
        ("GET", "/communes/xa-b/board.png"),
        ("GET", "/communes/xa-b/stats"),
    ],
)
def test_another_areas_commune_does_not_exist_for_them(area, method, url):
    client = area["province"]
    if url.startswith("/api/"):
        response = client.open(url, method=method, json={"name": "Đổi tên"})
    else:
        response = client.open(url, method=method, data={"name": "Đổi tên"})
    assert response.status_code == 404
    assert db.session.scalar(select(Commune.name).where(Commune.slug == "xa-b")) == "Xã B"


def test_new_and_edited_communes_stay_inside_the_area(area):
    province = area["province"]
    made = province.post("/api/v1/communes", json={"slug": "xa-moi", "name": "Xã Mới"})
    assert made.status_code == 201
    assert db.session.scalar(select(Commune.province).where(Commune.slug == "xa-moi")) == AN_GIANG
    elsewhere = province.post("/admin/communes", data={"name": "Xã Khác", "province": CA_MAU})
    assert elsewhere.status_code == 422
    moved = province.patch("/api/v1/communes/xa-a", json={"province": CA_MAU})
    assert moved.status_code == 422 and moved.get_json()["error"]["field"] == "province"
    other_district = area["district"].patch("/api/v1/communes/xa-a", json={"district": "Tri Tôn"})
    assert other_district.status_code == 422
    renamed = area["district"].patch("/api/v1/communes/xa-a", json={"name": "Xã A Mới"})
    assert renamed.status_code == 200


def test_import_refuses_rows_outside_the_area_and_fills_in_the_province(area):
    area["b"].code = "99001"
    db.session.commit()
    csv_text = (
        "code,name,district,province\n"
        "30001,Xã Một,Tri Tôn,\n"
        f"30002,Xã Hai,Năm Căn,{CA_MAU}\n"
        "99001,Xã B đổi tên,,\n"
    )
    refused = area["province"].post(
        "/api/v1/communes/import", data=csv_text.encode(), content_type="text/csv"
    )
    assert refused.status_code == 422
    lines = [row["line"] for row in refused.get_json()["error"]["rows"]]
    assert lines == [3, 4]
    good = "code,name,district,province\n30001,Xã Một,Tri Tôn,\n"
    done = area["province"].post(
        "/api/v1/communes/import", data=good.encode(), content_type="text/csv"
    )
    assert done.status_code == 200
    assert db.session.scalar(select(Commune.province).where(Commune.code == "30001")) == AN_GIANG


def test_invitations_and_audit_stay_inside_the_area(area):
    national, province = area["admin"], area["province"]
    refused = province.post("/api/v1/invites", json={"email": "x@example.vn", "communes": ["xa-b"]})
    assert refused.status_code == 422
    theirs = national.post("/api/v1/invites", json={"email": "y@example.vn", "communes": ["xa-b"]})
    mine = province.post("/api/v1/invites", json={"email": "z@example.vn", "communes": ["xa-c"]})
    listed = [item["email"] for item in province.get("/api/v1/invites").get_json()["items"]]
    assert listed == ["z@example.vn"]
    assert province.delete(f"/api/v1/invites/{theirs.get_json()['id']}").status_code == 404
    assert province.delete(f"/api/v1/invites/{mine.get_json()['id']}").status_code == 204
    audit = province.get("/api/v1/audit").get_json()["items"]
    assert audit and all(event["commune"] in ("xa-a", "xa-c") for event in audit)
    b_events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.commune_id == area["b"].id)
    ).all()
    assert b_events  # the national admin's invitation for xa-b was recorded, just not shown


def test_revoking_everywhere_means_everywhere_in_the_area(area):
    official_b = db.session.scalar(select(Account).where(Account.email == "official.b@example.vn"))
    add_official(official_b, area["c"])
    db.session.commit()
    answer = area["province"].delete(f"/api/v1/officials/{official_b.id}")
    assert answer.status_code == 200 and answer.get_json() == {"communes": ["xa-c"]}
    assert role_in(official_b, area["b"]) == "official"


def test_second_factor_reset_and_open311_keys(area, make_staff):
    official_a = db.session.scalar(select(Account).where(Account.email == "official.a@example.vn"))
    official_b = db.session.scalar(select(Account).where(Account.email == "official.b@example.vn"))
    national = db.session.scalar(select(Account).where(Account.email == "admin@example.vn"))
    for account in (official_a, official_b, national):
        account.totp_secret = "JBSWY3DPEHPK3PXP"
        account.totp_enabled_at = account.created_at
    db.session.commit()
    province = area["province"]
    assert province.delete(f"/api/v1/accounts/{official_b.id}/second-factor").status_code == 404
    assert province.delete(f"/api/v1/accounts/{national.id}/second-factor").status_code == 404
    assert province.delete(f"/api/v1/accounts/{official_a.id}/second-factor").status_code == 204
    # API keys file reports in every commune: only national admins issue them.
    assert province.get("/api/v1/open311/clients").status_code == 403
    assert province.post("/api/v1/open311/clients", json={"name": "App"}).status_code == 403
    assert area["admin"].get("/api/v1/open311/clients").status_code == 200


def test_an_areas_admin_cannot_revoke_an_admin_serving_as_official(area):
    national = db.session.scalar(select(Account).where(Account.email == "admin@example.vn"))
    add_official(national, area["a"])
    db.session.commit()
    province = area["province"]
    assert province.delete(f"/api/v1/communes/xa-a/officials/{national.id}").status_code == 404
    assert province.delete(f"/api/v1/officials/{national.id}").status_code == 404
    assert area["admin"].get("/api/v1/me").get_json()["signed_in"] is True


def test_an_admin_serving_outside_the_area_keeps_that_communes_audit(area):
    tinh = db.session.scalar(select(Account).where(Account.email == "tinh@example.vn"))
    add_official(tinh, area["b"])
    db.session.commit()
    area["admin"].post("/api/v1/invites", json={"email": "moi@example.vn", "communes": ["xa-b"]})
    province = area["province"]
    assert province.get("/api/v1/audit?commune=xa-b").status_code == 200
    communes = {event["commune"] for event in province.get("/api/v1/audit").get_json()["items"]}
    assert "xa-b" in communes


def test_an_official_shared_with_another_area_is_the_national_admins_to_reset(area):
    official_a = db.session.scalar(select(Account).where(Account.email == "official.a@example.vn"))
    add_official(official_a, area["b"])
    official_a.totp_secret = "JBSWY3DPEHPK3PXP"
    official_a.totp_enabled_at = official_a.created_at
    db.session.commit()
    url = f"/api/v1/accounts/{official_a.id}/second-factor"
    assert area["province"].delete(url).status_code == 404
    assert area["admin"].delete(url).status_code == 204
    # Recorded in both communes they serve, so both areas' admins see it.
    events = db.session.scalars(
        select(AuditEvent.commune_id).where(AuditEvent.action == "account.second_factor_reset")
    ).all()
    assert sorted(events) == sorted([area["a"].id, area["b"].id])


def test_a_district_area_always_names_its_province(app, make_staff):
    from sqlalchemy.exc import IntegrityError

    admin = make_staff("huyen.le@example.vn", admin=True)
    admin.admin_district = "Châu Thành"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
