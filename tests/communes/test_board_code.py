"""The board's typed fallback: a short, case-free code (the commune's code and four characters
without look-alikes) that the join page accepts in any case, with spaces or dashes; the long
token keeps working (issue 17). Both databases."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.communes.models import RetiredJoinToken
from app.communes.services import board_code, rotate_join_token
from app.extensions import db


@pytest.fixture
def commune(make_commune):
    commune = make_commune("u-minh-thuong", "Xã U Minh Thượng")
    commune.code = "32014"
    db.session.commit()
    return commune


def test_the_code_is_the_commune_code_and_four_plain_characters(commune):
    code = board_code(commune)
    assert re.fullmatch(r"32014-[34679ACEFHKMNPRTWXY]{4}", code)


@pytest.mark.parametrize(
    "spell",
    [
        str.lower,
        str.upper,
        lambda c: c.replace("-", " "),
        lambda c: c.replace("-", ""),
        lambda c: " " + c.lower() + " ",
    ],
)
def test_the_join_page_accepts_it_however_it_is_typed(client, commune, spell):
    typed = spell(board_code(commune))
    page = client.get(f"/j/{typed}")
    assert page.status_code == 200
    assert "Xã U Minh Thượng" in page.text
    joined = client.post(f"/j/{typed}", data={"display_name": "Chị Lan"})
    assert joined.status_code == 303
    assert joined.headers["Location"].endswith("/c/u-minh-thuong?joined=1")


def test_the_api_joins_with_it_too(client, commune):
    answer = client.post("/api/v1/join", json={"token": board_code(commune).lower()})
    assert answer.status_code == 201
    assert answer.get_json()["commune"]["slug"] == "u-minh-thuong"


def test_the_long_token_keeps_working(client, commune):
    assert client.get(f"/j/{commune.join_token}").status_code == 200


def test_a_wrong_code_is_not_found(client, commune):
    code = board_code(commune)
    wrong = code[:-1] + ("3" if code[-1] != "3" else "4")
    assert client.get(f"/j/{wrong}").status_code == 404
    assert client.get("/j/99999-K7MX").status_code == 404


def test_a_commune_without_a_plain_code_uses_its_number(client, make_commune):
    other = make_commune("xa-b", "Xã B")  # no administrative code
    code = board_code(other)
    assert code.startswith(f"{other.id}-")
    assert client.get(f"/j/{code.lower()}").status_code == 200


def test_rotating_the_token_changes_the_code(client, commune):
    before = board_code(commune)
    rotate_join_token(commune, None)
    db.session.commit()
    assert client.get(f"/j/{board_code(commune)}").status_code == 200
    if board_code(commune) != before:  # they match by chance once in 19^4
        # The old board's code says the board was replaced, however it is typed.
        for typed in (before, before.lower().replace("-", " ")):
            old = client.get(f"/j/{typed}")
            assert old.status_code == 410
            assert "Xã U Minh Thượng" in old.text
        assert client.post("/api/v1/join", json={"token": before}).status_code == 410


def test_a_code_retired_twice_is_kept_once(commune, monkeypatch):
    """Two rotations that happen to give the same four letters do not fail."""
    monkeypatch.setattr("app.communes.services.board_code", lambda commune: "32014-K7MX")
    rotate_join_token(commune, None)
    rotate_join_token(commune, None)
    db.session.commit()
    kept = db.session.scalars(
        select(RetiredJoinToken.token_hash).where(RetiredJoinToken.commune_id == commune.id)
    ).all()
    assert len(kept) == 3  # two tokens, one code


def test_the_code_typed_into_the_form(client, commune):
    """/j (and the signed-out residents' page) have a form for the code."""
    assert 'action="/j"' in client.get("/c/u-minh-thuong").text
    form = client.get("/j")
    assert form.status_code == 200 and 'name="code"' in form.text
    found = client.get("/j", query_string={"code": board_code(commune).lower().replace("-", " ")})
    assert found.status_code == 303
    assert found.headers["Location"].endswith(f"/j/{commune.join_token}")
    wrong = client.get("/j", query_string={"code": "99999-K7MX"})
    assert wrong.status_code == 404
    assert 'aria-invalid="true"' in wrong.text and 'role="alert"' in wrong.text


def test_the_admin_page_and_the_commune_json_show_the_code(app, commune, make_staff, login):
    """An admin reads the code off the commune's page and gets it in every commune JSON."""
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    code = board_code(commune)
    page = admin.get("/admin/communes/u-minh-thuong").text
    assert f'<strong class="code">{code}</strong>' in page and f"/j/{code}" in page
    assert "Mã ngắn để gõ" in page

    listed = admin.get("/api/v1/communes").get_json()["items"]
    assert [item["join_code"] for item in listed] == [code]
    changed = admin.patch("/api/v1/communes/u-minh-thuong", json={"district": "Huyện U Minh"})
    assert changed.get_json()["join_code"] == code
    rotated = admin.post("/api/v1/communes/u-minh-thuong/rotate-token").get_json()
    db.session.expire_all()
    assert rotated["join_code"] == board_code(db.session.get(type(commune), commune.id))
    created = admin.post("/api/v1/communes", json={"slug": "xa-moi", "name": "Xã Mới"})
    assert re.fullmatch(r"\d+-[34679ACEFHKMNPRTWXY]{4}", created.get_json()["join_code"])


def test_the_openapi_document_describes_the_code(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("Commune", "CommuneAdmin", "JoinUrl"):
        field = schemas[name]["properties"]["join_code"]
        assert field["type"] == "string" and "32014-K7MX" in field["description"], name
        assert "join_code" in schemas[name]["required"], name
