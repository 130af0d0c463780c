"""The console at national scale (issue 15): finding a commune among the 3,321 of the 2025 list
by name without diacritics or by code, and paging every list without skipping or repeating a
row, on SQLite and PostgreSQL alike. The communes here are the list's rows written directly, a
province or the country per test, beside a small world of officials and residents;
tests/communes/test_country.py reads the country that ``import_official`` made, once per
database."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select
from vietnam_provinces import Province, Ward

from app.accounts.models import Account
from app.admin.services import create_invitation
from app.communes.areas import set_area
from app.communes.models import Commune
from app.communes.search import fold
from app.communes.services import update_commune
from app.extensions import db
from app.membership.models import Invitation

AN_GIANG = "91"


def official_list(province_code: str | None = None) -> list[Commune]:
    """The communes and wards of the 2025 list (``vietnam-provinces``), as commune groups."""
    provinces = {str(province.code.value): province.name for province in Province.iter_all()}
    communes = []
    for ward in Ward.iter_all():
        code = f"{ward.province_code.value:02d}"
        if province_code is not None and code != province_code:
            continue
        communes.append(
            Commune(
                slug=ward.codename.replace("_", "-")[:50] + f"-{ward.code.value}",
                name=ward.name,
                code=f"{ward.code.value:05d}",
                province=provinces[str(ward.province_code.value)],
                province_code=code,
                join_token=secrets.token_urlsafe(16),
            )
        )
    codes = [commune.code for commune in communes]
    db.session.add_all(communes)
    db.session.commit()
    # One SELECT loads them all again (the commit expired them): reading each expired row
    # would cost a query per commune.
    db.session.scalars(select(Commune).where(Commune.code.in_(codes))).all()
    return communes


@pytest.fixture
def country(app) -> list[Commune]:
    return official_list()


def test_fold_removes_diacritics_and_case():
    assert fold("Xã U Minh Thượng") == "xa u minh thuong"
    assert fold("Đặc khu Côn Đảo") == "dac khu con dao"
    assert fold("  PHƯỜNG Bà Rịa–Vũng Tàu ") == "phuong ba ria vung tau"


def test_search_name_follows_the_name(app, make_commune):
    commune = make_commune("xa-a", "Xã Ân Hảo")
    assert commune.search_name == "xa an hao"
    commune.name = "Phường Đông Hưng Thuận"
    db.session.commit()
    assert db.session.get(Commune, commune.id).search_name == "phuong dong hung thuan"


def all_pages(client, url: str, limit: int, cursor: str = "") -> tuple[list[str], int]:
    """Every commune slug a listing gives from ``cursor``, following ``next_cursor``; and how
    many pages."""
    slugs: list[str] = []
    pages = 0
    while pages < 100:
        separator = "&" if "?" in url else "?"
        response = client.get(f"{url}{separator}limit={limit}&cursor={cursor}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        pages += 1
        assert len(body["items"]) <= limit
        slugs += [item["slug"] for item in body["items"]]
        if body["next_cursor"] is None:
            return slugs, pages
        cursor = body["next_cursor"]
    raise AssertionError("the pages never end")


def test_paging_skips_and_repeats_nothing_when_communes_are_added(world, app):
    official_list(AN_GIANG)
    admin = world["admin"]
    first = admin.get("/api/v1/communes?limit=50").get_json()
    # A commune whose name sorts onto the first page arrives between two page loads.
    db.session.add(Commune(slug="aaa", name="Ấp Đầu", join_token=secrets.token_urlsafe(16)))
    db.session.commit()
    rest, _pages = all_pages(admin, "/api/v1/communes", 50, first["next_cursor"])
    seen = [item["slug"] for item in first["items"]] + rest
    assert len(seen) == len(set(seen)) == 102 + 2


def test_api_search_is_scoped(world):
    official_list(AN_GIANG)
    # An official lists the communes they serve, searched the same way.
    official = world["official_a"]
    assert official.get("/api/v1/communes?q=xa a").get_json()["items"][0]["slug"] == "xa-a"
    assert official.get("/api/v1/communes?q=u minh thuong").get_json()["items"] == []
    assert world["resident_a"].get("/api/v1/communes").status_code == 403


def test_api_refuses_a_bad_cursor_or_search(world):
    admin = world["admin"]
    for query in ("cursor=abc", "cursor=999999", "limit=0", "q=" + "x" * 121):
        response = admin.get(f"/api/v1/communes?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == "invalid"


def test_console_finds_and_pages_communes(world):
    official_list(AN_GIANG)
    admin = world["admin"]
    page = admin.get("/admin?q=u minh thuong")
    assert page.status_code == 200
    assert "Xã U Minh Thượng" in page.text and "Xã Mỹ Hòa Hưng" not in page.text
    assert 'value="u minh thuong"' in page.text
    assert admin.get("/admin?q=31027").text.count('id="commune-') == 1

    seen: list[str] = []
    url = "/admin?province=An Giang&limit=40"
    while url:
        html = admin.get(url).text
        seen += [part.split('"')[0] for part in html.split('id="commune-')[1:]]
        if 'rel="next"' not in html:
            break
        url = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
        assert "province=An+Giang" in url or "province=An%20Giang" in url
    assert len(seen) == len(set(seen)) == 102


def test_invitations_page_without_skipping_or_repeating(world, make_staff, login):

    national = db.session.query(Account).filter_by(email="admin@example.vn").one()
    update_commune(world["a"], national, {"province": "An Giang"})
    for number in range(130):
        commune = "xa-a" if number % 2 else "xa-b"
        create_invitation(national, {"email": f"o{number}@example.vn", "communes": [commune]})
    db.session.commit()

    def emails(client, limit: int) -> list[str]:
        seen, cursor = [], ""
        for _page in range(50):
            body = client.get(f"/api/v1/invites?limit={limit}&cursor={cursor}").get_json()
            assert len(body["items"]) == limit or body["next_cursor"] is None
            seen += [item["email"] for item in body["items"]]
            if body["next_cursor"] is None:
                return seen
            cursor = body["next_cursor"]
        raise AssertionError("the pages never end")

    every = emails(world["admin"], 20)
    assert len(every) == len(set(every)) == 130
    assert every[0] == "o129@example.vn"  # newest first
    # An admin of An Giang sees its 65, pages full although half the rows are elsewhere.
    area_admin = make_staff("an.giang@example.vn", admin=True)
    try:  # the two-tier map (issue 15) scopes admins by province only
        set_area(area_admin, "An Giang")
    except TypeError:
        set_area(area_admin, "An Giang", None)
    db.session.commit()
    mine = emails(login("an.giang@example.vn"), 7)
    assert len(mine) == len(set(mine)) == 65
    assert all(int(email[1:].split("@")[0]) % 2 for email in mine)
    # The page lists a page at a time, with a link to the next.
    html = world["admin"].get("/admin/invites?limit=50").text
    assert html.count("o1") and 'rel="next"' in html
    assert "o0@example.vn" not in html


def stats_pages(client, url: str, limit: int) -> tuple[list[str], int]:
    """Every commune slug of the statistics' rows, following ``next_cursor``; and how many
    pages (each page's totals are the whole area's)."""
    slugs: list[str] = []
    cursor = ""
    for pages in range(1, 100):
        body = client.get(f"{url}&limit={limit}&cursor={cursor}").get_json()
        assert len(body["communes"]) <= limit
        slugs += [row["commune"]["slug"] for row in body["communes"]]
        if body["next_cursor"] is None:
            return slugs, pages
        cursor = body["next_cursor"]
    raise AssertionError("the pages never end")


def test_stats_rows_page_and_search_a_province(world):
    communes = official_list(AN_GIANG)
    admin = world["admin"]
    first = admin.get("/api/v1/stats?province=91&limit=30").get_json()
    assert first["communes_found"] == 102 and first["next_cursor"] is not None
    assert [p["province_code"] for p in first["provinces"]] == ["91"]
    slugs, pages = stats_pages(admin, "/api/v1/stats?province=91", 30)
    assert pages == 4
    assert len(slugs) == len(set(slugs)) == 102
    assert set(slugs) == {commune.slug for commune in communes}
    found = admin.get("/api/v1/stats?province=An Giang&q=u minh thuong").get_json()
    assert [row["commune"]["name"] for row in found["communes"]] == ["Xã U Minh Thượng"]
    assert found["communes_found"] == 1 and found["next_cursor"] is None
    by_code = admin.get("/api/v1/stats?q=31027").get_json()  # the whole country: one row
    assert [row["commune"]["code"] for row in by_code["communes"]] == ["31027"]
    # The totals are the area's, whatever the search or page.
    assert by_code["total"] == admin.get("/api/v1/stats").get_json()["total"]
    assert admin.get("/api/v1/stats?cursor=abc").status_code == 422


def test_stats_page_lists_communes_a_page_at_a_time(world):
    official_list(AN_GIANG)
    admin = world["admin"]
    seen: list[str] = []
    url = "/admin/stats?province=91&limit=40"
    for _page in range(10):
        html = admin.get(url).text
        assert "102 xã" in html or "102 communes" in html
        seen += [part.split('"')[0] for part in html.split('id="stats-')[1:]]
        if 'rel="next"' not in html:
            break
        url = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert len(seen) == len(set(seen)) == 102
    html = admin.get("/admin/stats?q=u+minh+thuong").text
    assert html.count('id="stats-') == 1 and 'value="u minh thuong"' in html


def _boxes(html: str) -> list[tuple[str, bool]]:
    """The invitation form's commune checkboxes: (slug, ticked)."""
    found = []
    for part in html.split('type="checkbox" name="communes" value="')[1:]:
        slug, rest = part.split('"', 1)
        found.append((slug, rest.startswith(" checked")))
    return found


def test_invitation_picks_communes_by_code_and_keeps_them_across_searches(world, country):
    admin = world["admin"]
    by_code = {c.code: c.slug for c in country}
    picked = admin.post(
        "/admin/invites", data={"action": "find", "codes": "31027, 00070", "find": "con dao"}
    )
    assert picked.status_code == 200
    boxes = _boxes(picked.text)
    assert boxes[:2] == [(by_code["31027"], True), (by_code["00070"], True)]
    assert [slug for slug, ticked in boxes[2:] if not ticked] == [
        c.slug for c in country if c.name == "Đặc khu Côn Đảo"
    ]
    assert (
        'id="codes" name="codes" inputmode="numeric" autocomplete="off" maxlength="4000" value=""'
        in (picked.text)
    )
    unknown = admin.post("/admin/invites", data={"action": "find", "codes": "31027 99999"})
    assert unknown.status_code == 422 and "99999" in unknown.text
    created = admin.post(
        "/admin/invites",
        data={
            "email": "ma.so@example.vn",
            "codes": "31027 00070",
            "communes": [by_code["31027"]],
        },
    )
    assert created.status_code == 201, created.text
    invitation = db.session.query(Invitation).filter_by(email="ma.so@example.vn").one()
    assert sorted(c.code for c in invitation.communes) == ["00070", "31027"]
    refused = admin.post("/admin/invites", data={"email": "x@example.vn", "codes": "99999"})
    assert (
        refused.status_code == 422
        and not db.session.query(Invitation).filter_by(email="x@example.vn").count()
    )


def test_an_area_admin_picks_only_in_the_province(world, make_staff, login):
    official_list(AN_GIANG)
    country = official_list("96")
    area_admin = make_staff("an.giang@example.vn", admin=True)
    set_area(area_admin, "91")
    db.session.commit()
    client = login("an.giang@example.vn")
    page = client.get("/admin/invites?find=phuong").text
    assert "<select" not in page  # one province: nothing to choose
    ward = next(c for c in country if c.province_code == "96")
    refused = client.post("/admin/invites", data={"action": "find", "codes": ward.code})
    assert refused.status_code == 422
    assert client.get(f"/admin/invites?find={ward.code}").text.count('name="communes"') == 0
