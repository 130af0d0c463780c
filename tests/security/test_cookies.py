"""The cookies' flags, and HSTS behind HTTPS (moved from test_route_inventory.py).

Apart from test_headers.py: these tests empty the database (``app``), which would pull the
shared world from under that module's tests.
"""

from __future__ import annotations

from app import create_app


def test_cookies_are_httponly_samesite(client, make_commune):
    commune = make_commune()
    response = client.post("/api/v1/join", json={"token": commune.join_token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_https_base_url_gives_hsts_and_secure_cookies(app):
    secure = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "BASE_URL": "https://gop-y.example.vn",
            "SECRET_KEY": "x" * 40,
        }
    )
    response = secure.test_client().get("/login")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    assert secure.config["SESSION_COOKIE_SECURE"] is True
