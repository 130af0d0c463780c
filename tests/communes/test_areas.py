"""Admins of a province (by its official code) manage only its communes; national admins all of
them. Districts are history since 1 July 2025, no area."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.models import Account
from app.audit.models import AuditEvent
from app.communes.areas import set_area
from app.communes.models import Commune
from app.errors import ValidationError
from app.extensions import db
from app.membership.services import add_official, role_in

AN_GIANG, CA_MAU = "An Giang", "Cà Mau"


@pytest.fixture
def area(world, make_commune, make_staff, login) -> dict[str, Any]:
    """xa-a (An Giang, 91; formerly of Châu Thành district), xa-c ("Tỉnh An Giang" as typed
    once, 91; formerly Tri Tôn), xa-b (Cà Mau, 96); an admin of province 91, set by name."""
    a, b = world["a"], world["b"]
    c = make_commune("xa-c", "Xã C")
    a.province, a.province_code, a.district = AN_GIANG, "91", "Châu Thành"
    c.province, c.province_code, c.district = "Tỉnh An Giang", "91", "Tri Tôn"
    b.province, b.province_code = CA_MAU, "96"
    province = make_staff("tinh@example.vn", admin=True)
    set_area(province, "an giang")
    db.session.commit()
    return {**world, "c": c, "province": login("tinh@example.vn")}


def slugs(client, url: str = "/api/v1/communes") -> list[str]:
    return sorted(item["slug"] for item in client.get(url).get_json()["items"])


def test_lists_hold_only_the_admins_area(area):
    assert slugs(area["admin"]) == ["xa-a", "xa-b", "xa-c"]
    assert slugs(area["province"]) == ["xa-a", "xa-c"]
    page = area["province"].get("/admin").get_data(as_text=True)
    assert "Xã C" in page and "Xã B" not in page and CA_MAU not in page
    stats = area["province"].get("/api/v1/stats").get_json()
    # One province however its communes spell it: by code, with the list's name.
    assert [(p["province"], p["province_code"]) for p in stats["provinces"]] == [(AN_GIANG, "91")]
    me = area["province"].get("/api/v1/me").get_json()
    assert me["admin_scope"] == {"province": AN_GIANG, "province_code": "91", "district": None}
    assert area["admin"].get("/api/v1/me").get_json()["admin_scope"] == {
        "province": None,
        "province_code": None,
        "district": None,
    }
    listed = area["province"].get("/api/v1/communes").get_json()["items"]
    assert {item["province_code"] for item in listed} == {"91"}
    # The former district is history, still in the commune's JSON.
    one = area["province"].patch("/api/v1/communes/xa-c", json={"name": "Xã C"}).get_json()
    assert (one["district"], one["province_code"]) == ("Tri Tôn", "91")


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
    assert db.session.scalar(select(Commune.province_code).where(Commune.slug == "xa-moi")) == "91"
    moved = province.patch("/api/v1/communes/xa-a", json={"province": CA_MAU})
    assert moved.status_code == 422 and moved.get_json()["error"]["field"] == "province"
    # The former district is history: editing it is no move out of the province.
    history = province.patch("/api/v1/communes/xa-a", json={"district": "Tri Tôn"})
    assert history.status_code == 200
    respelt = province.patch("/api/v1/communes/xa-a", json={"province": "Tỉnh An Giang"})
    assert respelt.status_code == 200
    assert respelt.get_json()["province_code"] == "91"
    national = area["admin"].patch("/api/v1/communes/xa-b", json={"province": "an giang"})
    assert national.status_code == 200 and national.get_json()["province_code"] == "91"
    assert "xa-b" in slugs(province)


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
    assert db.session.scalar(select(Commune.district).where(Commune.code == "30001")) == "Tri Tôn"
    assert db.session.scalar(select(Commune.province_code).where(Commune.code == "30001")) == "91"


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


def test_an_area_is_a_province_of_the_list(app, make_staff):
    admin = make_staff("tinh.moi@example.vn", admin=True)
    for spelling in ("91", "An Giang", "tinh an giang"):
        assert set_area(admin, spelling) is not None
        assert (admin.admin_province, admin.admin_province_code) == (AN_GIANG, "91")
    with pytest.raises(ValidationError):
        set_area(admin, "Kiên Giang")  # merged into An Giang in 2025: no province any more
    assert set_area(admin, None) is None
    assert (admin.admin_province, admin.admin_province_code) == (None, None)
