"""Counting in the database, shared by every process; the budgets and their overrides."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError
from app.ratelimit.guard import budget_address
from app.ratelimit.limits import DEFAULTS
from app.ratelimit.services import Limit, hit, peek
from tests.conftest import PASSWORD


def test_windows_reset(app):
    limit = Limit("test", 2, 60)
    assert [hit(limit, "k", now=1000.0).allowed for _ in range(3)] == [True, True, False]
    # Four attempts in [960, 1020): the next fits once 3/4 of them have slid out, at 1065.
    assert hit(limit, "k", now=1000.0).retry_after == 65
    assert not hit(Limit("test", 2, 60), "k2", now=1000.0).retry_after
    assert not peek(limit, "k", now=1064.0).allowed
    assert hit(limit, "k", now=1065.0).allowed


def test_the_window_slides_over_clock_boundaries(app):
    """A burst at the end of one window still counts at the start of the next."""
    limit = Limit("test", 10, 100)
    assert all(hit(limit, "k", now=199.0).allowed for _ in range(10))
    assert not hit(limit, "k", now=200.0).allowed
    # At 260, 40 % of the previous window still counts (4) beside the refused one: 5 more fit.
    assert [hit(limit, "k", now=260.0).allowed for _ in range(6)] == [True] * 5 + [False]


def test_retry_after_within_the_window(app):
    limit = Limit("test", 4, 100)
    for _ in range(4):
        hit(limit, "k", now=150.0)
    verdict = hit(limit, "k", now=210.0)  # 4 x 0.9 + 1 = 4.6 > 4
    assert not verdict.allowed
    # Next: 4 x (1 - x) + 2 <= 4 once half of this window has passed, at 250.
    assert verdict.retry_after == 40
    assert hit(limit, "k", now=250.0).allowed


def test_peek_does_not_count(app):
    limit = Limit("test", 1, 60)
    assert peek(limit, "k", now=1000.0).allowed
    assert peek(limit, "k", now=1000.0).allowed
    hit(limit, "k", now=1000.0)
    assert not peek(limit, "k", now=1000.0).allowed
    assert peek(limit, "k", now=1080.0).allowed  # a whole window later


def test_the_limit_holds_across_processes(another_app, make_staff):
    """Two app instances (as two gunicorn workers) count into the same database rows."""
    make_staff("canbo@example.vn")
    first, second = another_app(), another_app()
    clients = [first.test_client(), second.test_client()]
    statuses = [
        clients[n % 2]
        .post("/api/v1/auth/login", json={"email": "canbo@example.vn", "password": "bad"})
        .status_code
        for n in range(12)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]


def test_every_limit_can_be_overridden_from_the_environment(app, monkeypatch):
    monkeypatch.setenv("FEEDBACK_RATE_LIMITS", '{"join-ip": [2, 3600], "login-pair": [3, 60]}')
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("FEEDBACK_ENV_NAME", "testing")
    limits = create_app().extensions["rate_limits"]
    assert (limits["join-ip"].count, limits["join-ip"].window_s) == (2, 3600)
    assert (limits["login-pair"].count, limits["login-pair"].window_s) == (3, 60)
    assert (limits["post-ip"].count, limits["post-ip"].window_s) == DEFAULTS["post-ip"]


def test_an_override_changes_what_is_enforced(another_app, make_commune):
    commune = make_commune()
    limited = another_app(RATE_LIMITS={"join-ip": [2, 3600]})
    statuses = [
        limited.test_client().post("/api/v1/join", json={"token": commune.join_token}).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]


@pytest.mark.parametrize(
    "overrides",
    [
        {"join-everyone": [1, 60]},
        {"join-ip": [0, 60]},
        {"join-ip": [5]},
        {"join-ip": ["5", 60]},
        {"join-ip": [True, 60]},
        {"join-ip": [5, 7 * 86_400]},  # counters live a day
        ["join-ip", 5, 60],
    ],
)
def test_a_bad_override_stops_the_start(app, overrides):
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    with pytest.raises(ConfigError, match="RATE_LIMITS"):
        create_app({**config, "RATE_LIMITS": overrides})


def test_ipv6_budgets_are_kept_per_64():
    """One phone or household gets a whole /64: a fresh address per attempt buys nothing."""
    assert budget_address("2001:db8:1:2::5") == budget_address("2001:db8:1:2:ffff::9")
    assert budget_address("2001:db8:1:2::5") != budget_address("2001:db8:1:3::5")
    assert budget_address("203.0.113.5") == "203.0.113.5"
    assert budget_address("") == "unknown"


def test_a_deeply_nested_sign_in_body_is_a_clear_400(limited_app):
    body = "[" * 200_000 + "]" * 200_000
    answer = limited_app.test_client().post(
        "/api/v1/auth/login", data=body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_json"


def test_a_correct_sign_in_still_works_under_the_limits(limited_app, make_staff):
    make_staff("canbo@example.vn")
    answer = limited_app.test_client().post(
        "/api/v1/auth/login", json={"email": "canbo@example.vn", "password": PASSWORD}
    )
    assert answer.status_code == 200


def test_guessing_transfer_codes_is_limited_per_address(limited_app, world):
    """A resident's transfer or recovery code: 20 tries in 15 minutes from one address."""
    guesser = limited_app.test_client()
    statuses = [
        guesser.post("/api/v1/transfer", json={"code": "AAAA-AAAA"}).status_code for _ in range(21)
    ]
    assert statuses == [401] * 20 + [429]
    page = guesser.post("/transfer", data={"code": "AAAA-AAAA"})
    assert page.status_code == 429
    # Another address still gets its own tries.
    other = limited_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    assert other.post("/api/v1/transfer", json={"code": "AAAA-AAAA"}).status_code == 401
