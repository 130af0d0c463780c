"""Staff sign-in, sign-out and /me."""

from __future__ import annotations

import pytest


def test_login_me_logout(client, make_commune, make_staff):
    commune = make_commune()
    make_staff("canbo@example.vn", communes=(commune,))
    response = client.post(
        "/api/v1/auth/login",
        json={"email": "CanBo@Example.vn", "password": "correct horse battery"},
    )
    assert response.status_code == 200
    user = response.get_json()["user"]
    assert user["email"] == "canbo@example.vn" and user["role"] == "official"
    me = client.get("/api/v1/me").get_json()
    assert me["kind"] == "official"
    assert me["communes"] == [{"slug": commune.slug, "name": commune.name, "role": "official"}]
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").get_json()["signed_in"] is False


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "canbo@example.vn", "password": "wrong password"},
        {"email": "nobody@example.vn", "password": "correct horse battery"},
        {"email": ["x"], "password": 1},
    ],
)
def test_bad_credentials_are_401_and_alike(client, make_staff, payload):
    make_staff("canbo@example.vn")
    response = client.post("/api/v1/auth/login", json=payload)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_signed_in"


def test_ending_sessions_signs_out_every_device(client, make_staff, login):
    from app.accounts.sessions import end_sessions
    from app.extensions import db

    account = make_staff("admin@example.vn", admin=True)
    desk, phone = login("admin@example.vn"), login("admin@example.vn")
    assert desk.get("/api/v1/me").get_json()["kind"] == "admin"
    end_sessions(account)
    db.session.commit()
    assert desk.get("/api/v1/me").get_json()["signed_in"] is False
    assert phone.get("/api/v1/me").get_json()["signed_in"] is False


def test_password_change_ends_other_sessions(make_staff, login):
    make_staff("canbo@example.vn")
    desk, phone = login("canbo@example.vn"), login("canbo@example.vn")
    changed = desk.post(
        "/api/v1/auth/password",
        json={"current_password": "correct horse battery", "new_password": "a new long password"},
    )
    assert changed.status_code == 200
    assert desk.get("/api/v1/me").get_json()["signed_in"] is True
    assert phone.get("/api/v1/me").get_json()["signed_in"] is False
    wrong = desk.post(
        "/api/v1/auth/password",
        json={"current_password": "correct horse battery", "new_password": "another password"},
    )
    assert wrong.status_code == 401
