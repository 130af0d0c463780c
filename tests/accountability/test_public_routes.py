"""Issue 14: the public accountability routes and pages, without signing in: a commune's
figures (the hand-counted month of tests/accountability/fixtures.py), its province's communes
ranked, private threads counted but never shown."""

from __future__ import annotations

import pytest

from app.admin import accountability
from app.communes.models import DEMO_CODE
from app.extensions import db
from tests.accountability.fixtures import (
    EXPECTED,
    NOW,
    PRIVATE_BODY,
    PRIVATE_TITLE,
    a_month,
    answered,
    asked,
    local,
    moved,
)

API = "/api/v1"


@pytest.fixture
def at_now(monkeypatch):
    """The figures are computed at Monday 2 March 2026, 10:00 (the month's "now")."""
    monkeypatch.setattr(accountability, "utcnow", lambda: NOW)


def on_time(commune, count: int = 1) -> None:
    """``count`` threads asked Tue 24 Feb 09:00, answered at 10:00, resolved the next day:
    each answered and settled on time."""
    for _ in range(count):
        thread = asked(commune, local(2026, 2, 24, 9))
        answered(thread, local(2026, 2, 24, 10))
        moved(thread, "resolved", local(2026, 2, 25, 10))
    db.session.commit()


@pytest.fixture
def province(make_commune):
    """Thành phố Huế (46): Hòa Bình (the month), An Lạc (1 on time), Bình Minh (2 on time),
    Chưa Có (nothing yet); the demo commune and a commune of Hà Nội (01) with perfect records."""
    communes = {
        "hoa-binh": make_commune("xa-hoa-binh", "Xã Hòa Bình"),
        "an-lac": make_commune("xa-an-lac", "Xã An Lạc"),
        "binh-minh": make_commune("xa-binh-minh", "Xã Bình Minh"),
        "chua-co": make_commune("xa-chua-co", "Xã Chưa Có"),
        "demo": make_commune("xa-demo", "Xã Thử"),
        "ha-noi": make_commune("xa-ha-noi", "Xã Hà Nội"),
    }
    for commune in communes.values():
        commune.province_code = "46"
    communes["demo"].code = DEMO_CODE
    communes["ha-noi"].province_code = "01"
    db.session.commit()
    a_month(communes["hoa-binh"])
    on_time(communes["an-lac"])
    on_time(communes["binh-minh"], 2)
    on_time(communes["demo"], 3)
    on_time(communes["ha-noi"])
    return communes


def test_a_communes_figures_in_json(client, make_commune, at_now):
    a_month(make_commune("xa-hoa-binh", "Xã Hòa Bình"))
    response = client.get(f"{API}/communes/xa-hoa-binh/accountability")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    body = response.get_json()
    assert body["figures"] == EXPECTED
    assert body["days"] == 30
    assert body["since"] == "2026-01-31T03:00:00Z"  # Saturday 31 January, 10:00 in Vietnam
    assert body["until"] == "2026-03-02T03:00:00Z"
    assert body["commune"] == {"slug": "xa-hoa-binh", "name": "Xã Hòa Bình", "province_code": None}
    # The private question is counted (received 7), never shown.
    text = response.get_data(as_text=True)
    assert PRIVATE_TITLE not in text and PRIVATE_BODY not in text


def test_an_unknown_commune_is_404(client):
    response = client.get(f"{API}/communes/khong-co/accountability")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_province_ranked(client, province, at_now):
    response = client.get(f"{API}/provinces/46/accountability?days=30")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    body = response.get_json()
    assert body["province"] == {"code": "46", "name": "Thành phố Huế"}
    table = [
        (row["rank"], row["commune"]["slug"], row["figures"]["answered_on_time"])
        for row in body["communes"]
    ]
    # Bình Minh and An Lạc: both 100 % answered and settled on time: both first; Bình Minh
    # received more (2 against 1) so is listed first. Hòa Bình: 4 of 6 -> third (not second:
    # two share the first place). Chưa Có: nothing due yet, no rank, last. Neither the demo nor
    # Hà Nội's commune is in Huế's table.
    assert table == [
        (1, "xa-binh-minh", {"count": 2, "of": 2}),
        (1, "xa-an-lac", {"count": 1, "of": 1}),
        (3, "xa-hoa-binh", {"count": 4, "of": 6}),
        (None, "xa-chua-co", {"count": 0, "of": 0}),
    ]
    assert body["communes"][2]["figures"] == EXPECTED
    assert "answered_on_time_rate" in body["ranking"]


def test_a_tie_on_the_first_share_is_broken_by_the_second(app, province):
    """Two communes answering 1 of 1 on time: the one settling on time ranks first."""
    an_lac, binh_minh = province["an-lac"], province["binh-minh"]
    late = asked(binh_minh, local(2026, 2, 2, 8))
    answered(late, local(2026, 2, 2, 9))  # on time; never settled: 5 days passed by 9 Feb
    db.session.commit()
    table = accountability.province_table("46", accountability.window(30, NOW))
    ranks = {row.commune.slug: (row.rank, row.figures.resolved_on_time) for row in table.communes}
    # An Lạc: 1 of 1 answered, 1 of 1 settled. Bình Minh: 3 of 3 answered, 2 of 3 settled.
    assert ranks["xa-an-lac"] == (1, accountability.Ratio(1, 1))
    assert ranks["xa-binh-minh"] == (2, accountability.Ratio(2, 3))
    assert an_lac.province_code == "46"


def test_a_province_with_no_commune_yet(client):
    body = client.get(f"{API}/provinces/91/accountability").get_json()
    assert body["province"] == {"code": "91", "name": "An Giang"}
    assert body["communes"] == []


@pytest.mark.parametrize("code", ["99", "00", "1", "460", "ab"])
def test_an_unknown_province_is_404(client, code):
    response = client.get(f"{API}/provinces/{code}/accountability")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_public_pages(client, province, at_now):
    page = client.get("/c/xa-hoa-binh/accountability")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html
    assert PRIVATE_TITLE not in html and PRIVATE_BODY not in html
    assert "/provinces/46/accountability" in html  # to its province's table
    assert "/c/xa-hoa-binh/stats" in html
    assert "4 trên 6" in html  # answered on time, in Vietnamese first
    province_page = client.get("/provinces/46/accountability?days=90")
    assert province_page.status_code == 200
    html = province_page.get_data(as_text=True)
    assert "Thành phố Huế" in html and "<svg" in html
    assert html.index("Xã Bình Minh") < html.index("Xã An Lạc") < html.index("Xã Hòa Bình")
    assert "Xã Thử" not in html and "Xã Hà Nội" not in html
    assert client.get("/provinces/99/accountability").status_code == 404
    assert client.get("/c/xa-hoa-binh/accountability?days=0").status_code == 422


def test_in_english(client, make_commune, at_now):
    a_month(make_commune("xa-hoa-binh", "Xã Hòa Bình"))
    client.get("/lang/en")
    html = client.get("/c/xa-hoa-binh/accountability").get_data(as_text=True)
    assert "Answered on time" in html and "4 of 6" in html


def test_linked_from_the_group_page_and_the_public_stats(app, join, make_commune):
    commune = make_commune("xa-hoa-binh", "Xã Hòa Bình")
    resident = join(commune, "Bác Ba")
    assert "/c/xa-hoa-binh/accountability" in resident.get("/c/xa-hoa-binh").get_data(True)
    stats = app.test_client().get("/c/xa-hoa-binh/stats").get_data(as_text=True)
    assert "/c/xa-hoa-binh/accountability" in stats
