"""Importing the official 2025 list (vietnam-provinces): a province, the whole country, again."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.communes.models import Commune
from app.communes.official import import_official
from app.communes.provinces import find_province, official_provinces
from app.communes.services import create_commune
from app.extensions import db
from app.threads.categories import DEFAULT_CATEGORIES
from app.threads.models import Category

AN_GIANG_COMMUNES = 102
COUNTRY_COMMUNES = 3321


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _by_code(code: str) -> Commune:
    commune = db.session.scalar(select(Commune).where(Commune.code == code))
    assert commune is not None, code
    return commune


def test_the_list_is_34_provinces_and_3321_communes_zero_padded():
    provinces = official_provinces()
    assert len(provinces) == 34
    assert sum(len(p.communes) for p in provinces) == COUNTRY_COMMUNES
    assert provinces[0].code == "01" and provinces[0].name == "Thành phố Hà Nội"
    assert provinces[0].communes[0].code == "00070"
    an_giang = find_province("91")
    assert an_giang is not None and an_giang.name == "An Giang"
    assert len(an_giang.communes) == AN_GIANG_COMMUNES


def test_a_province_is_found_by_code_or_by_name_without_diacritics():
    for value in ("91", "an giang", "AN GIANG", "Tỉnh An Giang", " An  Giang "):
        province = find_province(value)
        assert province is not None and province.code == "91", value
    for value in ("1", "01", "ha noi", "Thành phố Hà Nội", "TP. Hà Nội"):
        province = find_province(value)
        assert province is not None and province.code == "01", value
    hcm = find_province("tp ho chi minh")
    assert hcm is not None and hcm.code == "79"
    assert find_province("Châu Thành") is None
    assert find_province("99") is None
    assert find_province("") is None


def test_import_a_province_by_name(app):
    result = app.test_cli_runner().invoke(
        args=["communes", "import-official", "--province", "an giang"]
    )
    assert result.exit_code == 0, result.output
    assert "An Giang (91): 102 created, 0 updated, 0 unchanged, 0 not in the list" in (
        result.output
    )
    assert _count(Commune) == AN_GIANG_COMMUNES
    assert _count(Commune, Commune.province_code == "91") == AN_GIANG_COMMUNES
    u_minh = _by_code("31027")
    assert u_minh.name == "Xã U Minh Thượng"
    assert (u_minh.province, u_minh.province_code, u_minh.district) == ("An Giang", "91", None)
    assert u_minh.slug == "xa-u-minh-thuong"
    assert len(u_minh.join_token) >= 22
    # The commune_created signal seeded every new commune's categories.
    assert _count(Category) == AN_GIANG_COMMUNES * len(DEFAULT_CATEGORIES)
    codes = set(db.session.scalars(select(Category.code).where(Category.commune_id == u_minh.id)))
    assert codes == {code for code, _name in DEFAULT_CATEGORIES}
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "commune.import_official")
    )
    assert event is not None and event.actor_name == "system"
    assert json.loads(event.detail or "{}") == {
        "province": "91",
        "created": 102,
        "updated": 0,
        "unchanged": 0,
        "not_in_list": 0,
    }


def test_reimport_updates_a_renamed_commune_and_duplicates_nothing(app):
    an_giang = find_province("91")
    assert an_giang is not None
    import_official(an_giang)
    db.session.commit()
    u_minh = _by_code("31027")
    slug, token = u_minh.slug, u_minh.join_token
    u_minh.name = "U Minh Thượng (tên cũ)"
    u_minh.province = "Tỉnh Kiên Giang"
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["communes", "import-official", "--province", "91"])
    assert result.exit_code == 0, result.output
    assert "An Giang (91): 0 created, 1 updated, 101 unchanged, 0 not in the list" in (
        result.output
    )
    assert "updated: 31027 Xã U Minh Thượng (xa-u-minh-thuong)" in result.output
    assert _count(Commune) == AN_GIANG_COMMUNES
    assert _count(Category) == AN_GIANG_COMMUNES * len(DEFAULT_CATEGORIES)
    db.session.expire_all()
    u_minh = _by_code("31027")
    assert (u_minh.name, u_minh.province) == ("Xã U Minh Thượng", "An Giang")
    # What boards and links carry does not change.
    assert (u_minh.slug, u_minh.join_token) == (slug, token)


def test_an_existing_commune_is_matched_by_code_and_one_not_in_the_list_reported(app):
    # Made by hand before the import: same code, another slug; and one the list has not.
    mine = create_commune("u-minh-thuong-cu", "Xã U Minh Thượng", code="31027", district="U Minh")
    create_commune("xa-da-sap-nhap", "Xã Đã Sáp Nhập", code="30999", province="Tỉnh An Giang")
    elsewhere = create_commune("xa-khac", "Xã Khác", code="01999", province="Hà Nội")
    db.session.commit()

    result = import_official(find_province("an giang"))
    db.session.commit()
    assert len(result.created) == AN_GIANG_COMMUNES - 1
    assert [commune.code for commune, _changes in result.updated] == ["31027"]
    # Reported for the province imported; the Hà Nội one is another province's business.
    assert [commune.code for commune in result.missing] == ["30999"]
    db.session.expire_all()
    assert _count(Commune) == AN_GIANG_COMMUNES + 2
    kept = db.session.get(Commune, mine.id)
    assert kept is not None
    assert (kept.slug, kept.province_code, kept.district) == ("u-minh-thuong-cu", "91", "U Minh")
    assert db.session.get(Commune, elsewhere.id) is not None

    output = app.test_cli_runner().invoke(args=["communes", "import-official", "--province", "91"])
    assert "not in the list: 30999 Xã Đã Sáp Nhập (xa-da-sap-nhap)" in output.output
    assert "1 not in the list (kept, not deleted)" in output.output


def test_a_new_commune_avoids_a_slug_in_use(app):
    create_commune("xa-u-minh-thuong", "Xã U Minh Thượng (thử)")
    db.session.commit()
    import_official(find_province("91"))
    db.session.commit()
    assert _by_code("31027").slug == "xa-u-minh-thuong-31027"


def test_an_unknown_province_is_refused_with_the_list(app):
    result = app.test_cli_runner().invoke(
        args=["communes", "import-official", "--province", "Kiên Giang"]
    )
    assert result.exit_code != 0
    assert "91 An Giang" in result.output
    assert _count(Commune) == 0


def test_an_admin_of_province_91_manages_its_imported_communes_only(app, make_staff, login):
    for code in ("91", "96"):
        import_official(find_province(code))
    db.session.commit()
    make_staff("tinh@example.vn", admin=True)
    result = app.test_cli_runner().invoke(
        args=["users", "area", "tinh@example.vn", "--province", "an giang"]
    )
    assert "Communes in this area now: 102" in result.output
    client = login("tinh@example.vn")
    listed, url = [], "/api/v1/communes?limit=50"
    while url:  # the list pages (20 by default): read every page
        page = client.get(url).get_json()
        listed += page["items"]
        after = page["next_cursor"]
        url = f"/api/v1/communes?limit=50&cursor={after}" if after else ""
    assert len(listed) == AN_GIANG_COMMUNES
    assert {item["province_code"] for item in listed} == {"91"}
    stats = client.get("/api/v1/stats?province=91&limit=100").get_json()
    assert stats["communes_found"] == AN_GIANG_COMMUNES
    rest = client.get(f"/api/v1/stats?province=91&cursor={stats['next_cursor']}").get_json()
    assert len(stats["communes"]) + len(rest["communes"]) == AN_GIANG_COMMUNES
    assert [p["province_code"] for p in stats["provinces"]] == ["91"]
    ca_mau = db.session.scalar(
        select(Commune).where(Commune.province_code == "96").order_by(Commune.code)
    )
    assert ca_mau is not None
    for response in (
        client.patch(f"/api/v1/communes/{ca_mau.slug}", json={"name": "Đổi tên"}),
        client.get(f"/api/v1/communes/{ca_mau.slug}/stats"),
        client.get(f"/admin/communes/{ca_mau.slug}"),
    ):
        assert response.status_code == 404
    moved = client.patch(f"/api/v1/communes/{_by_code('31027').slug}", json={"province": "96"})
    assert moved.status_code == 422
    mine = client.patch(f"/api/v1/communes/{_by_code('31027').slug}", json={"code": "31027"})
    assert mine.status_code == 200
