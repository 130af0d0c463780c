"""The whole country of the 2025 list (issue 15), imported once per database by the real
``import_official`` and read by every test here, on SQLite and PostgreSQL: the import and its
second run, finding a commune without diacritics or by code, paging every list of the console
without a gap or a repeat, and one province's boards as one PDF of 102 pages.

The tests only read: the 3,321 communes and 19,926 categories are made once per backend and
session (per pytest-xdist worker that runs one of them), in a database of their own, which the
other tests' emptying of theirs never touches; not once per test."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pypdf
import pytest
from flask import Flask
from sqlalchemy import func, select

from app.communes.areas import set_area
from app.communes.models import Commune
from app.communes.official import import_official
from app.communes.provinces import find_province, official_provinces
from app.communes.search import fold
from app.extensions import db
from app.threads.categories import DEFAULT_CATEGORIES
from app.threads.models import Category
from tests.conftest import new_staff, sign_in
from tests.databases import postgres_for_test

AN_GIANG = "91"
AN_GIANG_COMMUNES = 102
COUNTRY_COMMUNES = 3321
NATIONAL = "quoc.gia@example.vn"
PROVINCIAL = "an.giang@example.vn"


def _country(app: Flask) -> dict[str, Any]:
    first = import_official()
    db.session.commit()
    again = import_official()
    db.session.commit()
    province_again = import_official(find_province(AN_GIANG))
    db.session.commit()
    new_staff(NATIONAL, admin=True)
    set_area(new_staff(PROVINCIAL, admin=True), AN_GIANG)
    db.session.commit()
    return {
        "first": first.as_dict(),
        "again": again.as_dict(),
        "province_again": province_again.as_dict(),
        "national": sign_in(app, NATIONAL),
        "provincial": sign_in(app, PROVINCIAL),
    }


@pytest.fixture(scope="session")
def _country_databases(_backends, tmp_path_factory) -> Iterator[dict[str, dict[str, Any]]]:
    """The imported country per backend, made when a test first asks for it; its databases
    are dropped at the end of the session (connections closed first)."""
    with ExitStack() as stack:
        made: dict[str, Any] = {"stack": stack, "tmp": tmp_path_factory}
        yield made
        for backend in ("sqlite", "postgresql"):
            if backend in made:
                with made[backend]["app"].app_context():
                    db.session.remove()
                    db.engine.dispose()


@pytest.fixture
def country(database_url: str, _backends, _country_databases) -> Iterator[dict[str, Any]]:
    """The country of this backend (``_country``'s answer), in an app context of its own
    database: imported the first time, then read by every test."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    if backend not in _country_databases:
        if backend == "sqlite":
            folder = _country_databases["tmp"].mktemp("country")
            url = f"sqlite:///{folder / 'country.sqlite3'}"
        else:
            url = _country_databases["stack"].enter_context(postgres_for_test())
        country_app = _backends.app(url)
        with country_app.app_context():
            _country_databases[backend] = {"app": country_app, "data": _country(country_app)}
    made = _country_databases[backend]
    with made["app"].app_context():
        yield made["data"]
        db.session.rollback()
        db.session.remove()


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _slug(code: str) -> str:
    slug = db.session.scalar(select(Commune.slug).where(Commune.code == code))
    assert slug is not None, code
    return slug


def _walk(client, url: str, key: str = "items") -> tuple[list[str], int]:
    """Every commune slug a list gives, following ``next_cursor``; and how many pages."""
    slugs: list[str] = []
    cursor = ""
    separator = "&" if "?" in url else "?"
    for pages in range(1, 200):
        response = client.get(f"{url}{separator}cursor={cursor}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        rows = body[key]
        slugs += [row["commune"]["slug"] if key == "communes" else row["slug"] for row in rows]
        if body["next_cursor"] is None:
            return slugs, pages
        cursor = body["next_cursor"]
    raise AssertionError("the pages never end")


# --- the import --------------------------------------------------------------------------------


def test_the_whole_country_is_imported_once_and_again_changes_nothing(country):
    results = country
    assert results["first"] == {
        "province": None,
        "created": COUNTRY_COMMUNES,
        "updated": 0,
        "unchanged": 0,
        "not_in_list": 0,
    }
    unchanged = {"created": 0, "updated": 0, "not_in_list": 0}
    assert results["again"] == {"province": None, "unchanged": COUNTRY_COMMUNES, **unchanged}
    # A province of the imported country: its 102, nothing made twice.
    assert results["province_again"] == {
        "province": AN_GIANG,
        "unchanged": AN_GIANG_COMMUNES,
        **unchanged,
    }
    assert _count(Commune) == COUNTRY_COMMUNES
    assert _count(Category) == COUNTRY_COMMUNES * len(DEFAULT_CATEGORIES)


def test_the_whole_country_has_unique_readable_slugs_and_every_province(country):
    slugs = list(db.session.scalars(select(Commune.slug)))
    assert len(set(slugs)) == COUNTRY_COMMUNES
    assert all(slug.startswith(("xa-", "phuong-", "dac-khu-")) for slug in slugs)
    per_province = dict(
        db.session.execute(
            select(Commune.province_code, func.count()).group_by(Commune.province_code)
        ).all()
    )
    assert per_province == {p.code: len(p.communes) for p in official_provinces()}
    assert per_province[AN_GIANG] == AN_GIANG_COMMUNES
    u_minh = db.session.scalar(select(Commune).where(Commune.code == "31027"))
    assert (u_minh.name, u_minh.province, u_minh.slug) == (
        "Xã U Minh Thượng",
        "An Giang",
        "xa-u-minh-thuong",
    )
    kinds = {name.split()[0] for name in db.session.scalars(select(Commune.name))}
    assert kinds == {"Xã", "Phường", "Đặc"}


# --- finding a commune ---------------------------------------------------------------------------


def test_a_commune_is_found_without_diacritics_or_by_code(country):
    national = country["national"]

    def found(q: str) -> list[str]:
        body = national.get(f"/api/v1/communes?q={q}&limit=100").get_json()
        return [item["name"] for item in body["items"]]

    assert found("u minh thuong") == ["Xã U Minh Thượng"]
    assert found("XÃ U MINH THƯỢNG") == ["Xã U Minh Thượng"]
    assert found("thuong minh u") == ["Xã U Minh Thượng"]  # every word, in any order
    assert found("no such place at all") == []
    assert found("31027") == ["Xã U Minh Thượng"]
    assert found("dac khu con dao") == ["Đặc khu Côn Đảo"]
    prefix = national.get("/api/v1/communes?q=3102&limit=100").get_json()["items"]
    slugs = set(db.session.scalars(select(Commune.slug).where(Commune.code.like("3102%"))))
    assert {item["slug"] for item in prefix} == slugs and len(slugs) > 1
    # The console's pages find it the same way.
    page = national.get("/admin?q=u+minh+thuong").text
    assert page.count('id="commune-') == 1 and 'id="commune-xa-u-minh-thuong"' in page
    assert national.get("/admin?q=31027").text.count('id="commune-') == 1
    stats = national.get("/admin/stats?q=u+minh+thuong").text
    assert stats.count('id="stats-') == 1 and 'id="stats-xa-u-minh-thuong"' in stats
    invites = national.get("/admin/invites?find=u+minh+thuong").text
    assert invites.count('name="communes" value="') == 1
    assert 'name="communes" value="xa-u-minh-thuong"' in invites


def test_every_ward_is_found_by_the_word_phuong(country):
    national = country["national"]
    wards, _pages = _walk(national, "/api/v1/communes?q=phuong&limit=100")
    names = dict(db.session.execute(select(Commune.slug, Commune.name)).all())
    expected = {slug for slug, name in names.items() if "phuong" in fold(name).split()}
    assert len(wards) == len(set(wards)) and set(wards) == expected


# --- paging -------------------------------------------------------------------------------------


def test_the_communes_list_pages_the_whole_country_once(country):
    national = country["national"]
    slugs, pages = _walk(national, "/api/v1/communes?limit=100")
    assert pages == 34  # 3,321 at 100 a page
    assert len(slugs) == len(set(slugs)) == COUNTRY_COMMUNES
    assert set(slugs) == set(db.session.scalars(select(Commune.slug)))
    folded = dict(db.session.execute(select(Commune.slug, Commune.search_name)).all())
    assert [folded[slug] for slug in slugs] == sorted(folded[slug] for slug in slugs)


def test_a_province_admin_pages_their_province_and_nothing_else(country):
    provincial = country["provincial"]
    slugs, _pages = _walk(provincial, "/api/v1/communes?limit=30")
    an_giang = set(db.session.scalars(select(Commune.slug).where(Commune.province_code == "91")))
    assert len(slugs) == len(set(slugs)) == AN_GIANG_COMMUNES and set(slugs) == an_giang
    rows, pages = _walk(provincial, "/api/v1/stats?weeks=1&limit=40", key="communes")
    assert pages == 3 and len(rows) == len(set(rows)) == AN_GIANG_COMMUNES
    assert set(rows) == an_giang


def test_the_statistics_page_the_country_and_keep_its_totals(country):
    national = country["national"]
    first = national.get("/api/v1/stats?weeks=1&limit=100").get_json()
    assert len(first["provinces"]) == 34
    assert first["communes_found"] == COUNTRY_COMMUNES and len(first["communes"]) == 100
    # Each page is the whole country's roll-up (about a second on PostgreSQL here): two
    # pages, and a province walked to its end (every page of the same helper as the
    # communes list, walked above).
    second = national.get(f"/api/v1/stats?weeks=1&limit=100&cursor={first['next_cursor']}")
    assert second.get_json()["total"] == first["total"]
    both = [row["commune"]["slug"] for row in first["communes"] + second.get_json()["communes"]]
    assert len(set(both)) == 200
    rows, pages = _walk(national, "/api/v1/stats?weeks=1&province=An Giang&limit=50", "communes")
    assert pages == 3 and len(rows) == len(set(rows)) == AN_GIANG_COMMUNES


def test_the_console_pages_follow_their_next_links(country):
    national = country["national"]
    for first, marker in (
        ("/admin?province=91&limit=40", 'id="commune-'),
        ("/admin/stats?province=91&weeks=1&limit=40", 'id="stats-'),
    ):
        seen: list[str] = []
        url = first
        for _page in range(10):
            html = national.get(url).text
            seen += [part.split('"')[0] for part in html.split(marker)[1:]]
            if 'rel="next"' not in html:
                break
            url = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
        assert len(seen) == len(set(seen)) == AN_GIANG_COMMUNES, first


def test_the_invitation_form_offers_a_page_of_a_province(country):
    national = country["national"]
    page = national.get("/admin/invites").text
    assert page.count('name="communes" value="') == 30  # never 3,321 checkboxes
    assert page.count("<option") == 34 + 1  # every province, and "every province"
    seen: list[str] = []
    typed = {"email": "moi@example.vn", "display_name": "Chị Mới"}
    form = {"action": "find", "find_province": AN_GIANG, **typed}
    for _page in range(10):
        html = national.post("/admin/invites", data=form).text
        assert 'value="moi@example.vn"' in html and 'value="Chị Mới"' in html  # kept
        seen += [part.split('"')[0] for part in html.split('name="communes" value="')[1:]]
        if 'name="after" value="' not in html:
            break
        after = html.split('name="after" value="')[1].split('"')[0]
        form = {"find_province": AN_GIANG, "after": after, **typed}
    assert len(seen) == len(set(seen)) == AN_GIANG_COMMUNES
    assert _slug("31027") in seen


# --- a province's boards ----------------------------------------------------------------------


def test_a_province_prints_as_one_pdf_of_102_pages(country):
    national = country["national"]
    response = national.get("/admin/boards.pdf?province=An Giang")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["X-Board-Pages"] == str(AN_GIANG_COMMUNES)
    pdf = pypdf.PdfReader(io.BytesIO(response.get_data()))
    assert len(pdf.pages) == AN_GIANG_COMMUNES
    assert "Xã U Minh Thượng" in "".join(page.extract_text() for page in pdf.pages)
    boards = national.get("/admin/boards?province=91").text
    assert f'data-pages="{AN_GIANG_COMMUNES}"' in boards
