"""A recovery code the resident keeps: shown once (with a picture to save), works once, like a
transfer code but without expiry (issue 17). Both databases."""

from __future__ import annotations

import base64
import io
import re

from PIL import Image
from sqlalchemy import select

from app.accounts.models import SignInCode
from app.extensions import db

CODE = re.compile(r"[34679ACEFHKMNPRTWXY]{4}(-[34679ACEFHKMNPRTWXY]{4}){3}")


def test_a_recovery_code_signs_a_new_phone_in_once(app, world):
    old_phone = world["resident_a"]
    me = old_phone.get("/api/v1/me").get_json()
    response = old_phone.post("/api/v1/me/recovery-code")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert CODE.fullmatch(body["code"])
    assert body["url"].endswith(f"/transfer/{body['code']}")
    [row] = db.session.scalars(select(SignInCode)).all()
    assert row.kind == "recovery" and row.expires_at is None
    assert body["code"].replace("-", "") not in row.code_hash

    new_phone = app.test_client()
    answer = new_phone.post("/api/v1/transfer", json={"code": body["code"].lower()})
    assert answer.status_code == 200 and answer.get_json() == me
    again = app.test_client().post("/api/v1/transfer", json={"code": body["code"]})
    assert again.status_code == 401


def test_a_new_recovery_code_ends_the_old_but_not_a_transfer_code(app, world):
    resident = world["resident_a"]
    first = resident.post("/api/v1/me/recovery-code").get_json()["code"]
    transfer = resident.post("/api/v1/me/transfer").get_json()["code"]
    second = resident.post("/api/v1/me/recovery-code").get_json()["code"]
    assert app.test_client().post("/api/v1/transfer", json={"code": first}).status_code == 401
    assert app.test_client().post("/api/v1/transfer", json={"code": transfer}).status_code == 200
    assert app.test_client().post("/api/v1/transfer", json={"code": second}).status_code == 200


def test_staff_get_no_recovery_code(world):
    assert world["official_a"].post("/api/v1/me/recovery-code").status_code == 403


def test_settings_show_the_code_once_with_a_picture_to_save(world):
    resident = world["resident_a"]
    settings = resident.get("/c/xa-a/settings").get_data(as_text=True)
    assert "/c/xa-a/settings/recovery" in settings
    page = resident.post("/c/xa-a/settings/recovery")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    code = re.search(r'class="secret transfer-code">([^<]+)<', html).group(1)
    assert CODE.fullmatch(code)
    link = re.search(r'href="data:image/png;base64,([^"]+)" download="ma-khoi-phuc.png"', html)
    image = Image.open(io.BytesIO(base64.b64decode(link.group(1))))
    assert image.format == "PNG" and image.width == 720
    # Settings now say there is one, and making another ends it.
    assert "making a new one ends it" in resident.get(
        "/c/xa-a/settings", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
