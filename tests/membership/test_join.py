"""Joining by token: no password, a year-long cookie, several groups per person."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import Account
from app.extensions import db


def test_join_sets_long_lived_cookie(client, make_commune):
    commune = make_commune()
    response = client.post("/api/v1/join", json={"token": commune.join_token})
    assert response.status_code == 201
    body = response.get_json()
    assert body["commune"] == {"slug": commune.slug, "name": commune.name}
    assert body["member"]["display_name"]  # a friendly default was given
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # BASE_URL is http in tests
    assert "Expires=" in cookie


def test_join_with_display_name_then_second_commune(client, make_commune):
    a = make_commune("xa-a", "Xã A")
    b = make_commune("xa-b", "Xã B")
    first = client.post("/api/v1/join", json={"token": a.join_token, "display_name": "  Chị Lan "})
    assert first.get_json()["member"]["display_name"] == "Chị Lan"
    second = client.post("/api/v1/join", json={"token": b.join_token})
    assert second.status_code == 201
    assert second.get_json()["member"]["id"] == first.get_json()["member"]["id"]
    me = client.get("/api/v1/me").get_json()
    assert me["kind"] == "resident"
    assert [c["slug"] for c in me["communes"]] == ["xa-a", "xa-b"]
    assert db.session.scalar(select(func.count(Account.id))) == 1


def test_joining_again_is_harmless(client, make_commune):
    commune = make_commune()
    client.post("/api/v1/join", json={"token": commune.join_token})
    again = client.post("/api/v1/join", json={"token": commune.join_token})
    assert again.status_code == 200
    assert len(client.get("/api/v1/me").get_json()["communes"]) == 1


def test_unknown_token_is_404_with_message(client):
    response = client.post("/api/v1/join", json={"token": "x" * 32})
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and error["message"]


def test_official_scanning_own_board_stays_official(make_commune, make_staff, login):
    commune = make_commune()
    make_staff("canbo@example.vn", communes=(commune,))
    official = login("canbo@example.vn")
    response = official.post("/api/v1/join", json={"token": commune.join_token})
    assert response.get_json()["role"] == "official"
