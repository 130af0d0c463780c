"""Moving to a new phone: a 15-minute, one-use code signs another browser in as the same
member (issue 17). Both databases."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.accounts.models import SignInCode
from app.extensions import db
from app.models_base import as_utc, utcnow


def _code(resident) -> dict:
    response = resident.post("/api/v1/me/transfer")
    assert response.status_code == 201, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_a_code_moves_the_member_with_their_private_questions(app, world):
    old_phone = world["resident_a"]
    private = old_phone.post(
        "/api/v1/communes/xa-a/threads",
        json={"kind": "question", "body": "Hồ sơ đất của tôi", "visibility": "officials"},
    ).get_json()["id"]
    me = old_phone.get("/api/v1/me").get_json()

    body = _code(old_phone)
    assert re.fullmatch(r"[34679ACEFHKMNPRTWXY]{4}-[34679ACEFHKMNPRTWXY]{4}", body["code"])
    assert body["url"] == f"{app.config['BASE_URL']}/transfer/{body['code']}"
    expires = as_utc(_parse(body["expires_at"]))
    assert timedelta(minutes=14) < expires - utcnow() <= timedelta(minutes=15)

    new_phone = app.test_client()
    typed = " " + body["code"].lower().replace("-", " ") + " "  # as a person types it
    answer = new_phone.post("/api/v1/transfer", json={"code": typed})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == me  # the same account, with the same memberships
    assert new_phone.get(f"/api/v1/threads/{private}").status_code == 200
    # The old phone stays signed in.
    assert old_phone.get("/api/v1/me").get_json()["signed_in"] is True


def test_a_code_works_once(app, world):
    body = _code(world["resident_a"])
    assert (
        app.test_client().post("/api/v1/transfer", json={"code": body["code"]}).status_code == 200
    )
    again = app.test_client().post("/api/v1/transfer", json={"code": body["code"]})
    assert again.status_code == 401
    assert again.get_json()["error"]["code"] == "not_signed_in"


def test_an_expired_code_is_refused(app, world):
    body = _code(world["resident_a"])
    db.session.execute(update(SignInCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert (
        app.test_client().post("/api/v1/transfer", json={"code": body["code"]}).status_code == 401
    )


def test_a_new_code_replaces_the_last_one(app, world):
    first = _code(world["resident_a"])
    second = _code(world["resident_a"])
    assert (
        app.test_client().post("/api/v1/transfer", json={"code": first["code"]}).status_code == 401
    )
    assert (
        app.test_client().post("/api/v1/transfer", json={"code": second["code"]}).status_code == 200
    )


def test_codes_are_stored_hashed(world):
    body = _code(world["resident_a"])
    [stored] = db.session.scalars(select(SignInCode.code_hash)).all()
    assert body["code"].replace("-", "") not in stored and len(stored) == 64


@pytest.mark.parametrize("code", ["", "x", "ÂÂÂÂ-ÂÂÂÂ", "0000-0000", 12345678, None, "A" * 65])
def test_nonsense_is_refused_alike(client, world, code):
    response = client.post("/api/v1/transfer", json={"code": code})
    assert response.status_code == 401
    assert response.get_json()["error"]["message"]


def test_staff_get_no_code(world):
    response = world["official_a"].post("/api/v1/me/transfer")
    assert response.status_code == 403


def test_signed_out_get_no_code(client, world):
    assert client.post("/api/v1/me/transfer").status_code == 401


def test_the_pages_sign_in_with_the_code(app, world):
    """The old phone's Cài đặt shows the QR code and the code; the link opens the new phone's
    form with the code filled in, and only the tap signs in."""
    old_phone = world["resident_a"]
    page = old_phone.post("/c/xa-a/settings/transfer")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    code = re.search(r'class="secret transfer-code">([^<]+)<', html).group(1)
    assert "data:image/svg+xml;base64," in html

    new_phone = app.test_client()
    form = new_phone.get(f"/transfer/{code}")
    assert form.status_code == 200 and f'value="{code}"' in form.get_data(as_text=True)
    assert new_phone.get("/api/v1/me").get_json()["signed_in"] is False  # opening is not using
    moved = new_phone.post("/transfer", data={"code": code})
    assert moved.status_code == 303
    assert new_phone.get("/c/xa-a").status_code == 200
    wrong = app.test_client().post("/transfer", data={"code": code})
    assert wrong.status_code == 401
    assert 'aria-invalid="true"' in wrong.get_data(as_text=True)


def _parse(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_deleting_the_account_ends_its_codes(app, world):
    body = _code(world["resident_a"])
    assert world["resident_a"].delete("/api/v1/me").status_code == 204
    assert db.session.scalars(select(SignInCode)).all() == []
    assert (
        app.test_client().post("/api/v1/transfer", json={"code": body["code"]}).status_code == 401
    )
