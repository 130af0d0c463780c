"""Rate limits: sign-in, joining and posting; shared by every process through the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from app import create_app
from app.accounts import totp
from app.extensions import db
from app.ratelimit.services import Limit, hit
from tests.conftest import PASSWORD, OriginClient


@pytest.fixture
def another_app(app: Flask) -> Iterator[Callable[[], Flask]]:
    """More app instances on the same database, as other gunicorn workers would be."""
    made: list[Flask] = []

    def make() -> Flask:
        keys = ("SQLALCHEMY_DATABASE_URI", "BASE_URL", "SECRET_KEY")
        other = create_app(
            {**{key: app.config[key] for key in keys}, "TESTING": True, "RATE_LIMITS_ENABLED": True}
        )
        other.test_client_class = OriginClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def limited_app(another_app: Callable[[], Flask]) -> Flask:
    return another_app()


def test_login_is_limited_per_account_with_retry_after(limited_app, make_staff):
    make_staff("canbo@example.vn")
    client = limited_app.test_client()
    for _ in range(10):
        wrong = client.post(
            "/api/v1/auth/login", json={"email": "canbo@example.vn", "password": "nope"}
        )
        assert wrong.status_code == 401
    blocked = client.post(
        "/api/v1/auth/login", json={"email": "canbo@example.vn", "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.get_json()["error"]["code"] == "too_many_requests"


def test_unknown_accounts_are_limited_the_same_way(limited_app):
    client = limited_app.test_client()
    answers = [
        client.post(
            "/api/v1/auth/login", json={"email": "ai@example.vn", "password": "x"}
        ).status_code
        for _ in range(11)
    ]
    assert answers == [401] * 10 + [429]


def test_the_limit_holds_across_processes(another_app, make_staff):
    """Two app instances (as two gunicorn workers) count into the same database rows."""
    make_staff("canbo@example.vn")
    limited_app, second = another_app(), another_app()
    clients = [limited_app.test_client(), second.test_client()]
    statuses = [
        clients[n % 2]
        .post("/api/v1/auth/login", json={"email": "canbo@example.vn", "password": "bad"})
        .status_code
        for n in range(12)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]


def test_posting_is_limited_per_member(limited_app, make_commune):
    commune = make_commune()
    client = limited_app.test_client()
    assert client.post("/api/v1/join", json={"token": commune.join_token}).status_code == 201
    statuses = [
        client.post(
            f"/api/v1/communes/{commune.slug}/threads",
            json={"kind": "question", "body": f"Câu hỏi {n}", "visibility": "public"},
        ).status_code
        for n in range(21)
    ]
    assert statuses == [201] * 20 + [429]


def test_windows_reset(app):
    limit = Limit("test", 2, 60)
    assert [hit(limit, "k", now=1000.0).allowed for _ in range(3)] == [True, True, False]
    assert hit(limit, "k", now=1000.0).retry_after == 20
    assert hit(limit, "k", now=1021.0).allowed


def test_second_factor_codes_count_against_the_account(limited_app, make_staff):
    """Guessing the 6-digit code shares the password's per-account budget (10 per 15 min)."""
    account = make_staff("canbo@example.vn")
    account.totp_secret = "JBSWY3DPEHPK3PXP"
    account.totp_enabled_at = account.created_at
    db.session.commit()
    browser = limited_app.test_client()
    step_one = browser.post("/login", data={"email": "canbo@example.vn", "password": PASSWORD})
    assert step_one.status_code == 200
    valid = {totp.code_at(account.totp_secret, totp.current_step() + k) for k in (-1, 0, 1, 2)}
    wrong = next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)
    # An email in the form must not move the guesses onto other accounts' budgets.
    answers = [
        browser.post("/login/code", data={"code": wrong, "email": f"x{n}@example.vn"}).status_code
        for n in range(10)
    ]
    assert answers[:9] == [401] * 9
    assert answers[9] == 429
