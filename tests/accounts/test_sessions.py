"""Server-side sessions: a cookie names a session that sign-out ends, and never outlives its
account, whatever is created after it."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest.mock import patch

import pytest
from sqlalchemy import func, select

from app.accounts.models import Account, LoginSession
from app.extensions import db
from app.models_base import as_utc, utcnow
from tests.admin.test_invites import NEW_PASSWORD, invite, token_of
from tests.conftest import PASSWORD

COOKIE = "cf_session"


def _cookie(client) -> str:
    return client.get_cookie(COOKIE).value


def _holding(app, cookie: str):
    """Another browser that holds a copy of ``cookie``."""
    copy = app.test_client()
    copy.set_cookie(COOKIE, cookie)
    return copy


def _me(client) -> dict:
    return client.get("/api/v1/me").get_json()


def _sessions() -> int:
    return db.session.scalar(select(func.count(LoginSession.id)))


def test_a_deleted_accounts_cookie_never_signs_in_who_comes_next(app, world):
    """Join, keep the cookie, delete yourself, and wait: neither the next resident nor the next
    official (through an invitation) is reachable with it, and no id comes back."""
    joined = [world["resident_a"], world["resident_a2"], world["resident_b"]]
    kept = []
    for client in joined:
        kept.append((_me(client)["id"], _cookie(client)))
        assert client.delete("/api/v1/me").status_code == 204
    highest = max(account_id for account_id, _ in kept)

    newcomer = app.test_client()
    assert newcomer.post("/api/v1/join", json={"token": world["a"].join_token}).status_code == 201
    response = invite(world["admin"], email="moi@example.vn")
    official = app.test_client()
    accepted = official.post(
        f"/api/v1/invites/{token_of(response)}/accept",
        json={"display_name": "Cán bộ mới", "password": NEW_PASSWORD},
    )
    assert accepted.status_code == 201
    new_ids = {_me(newcomer)["id"], _me(official)["id"]}
    assert min(new_ids) > highest  # ids are never handed out again

    for _account_id, cookie in kept:
        old = _holding(app, cookie)
        assert _me(old)["signed_in"] is False
        assert old.get("/api/v1/communes/xa-a/threads").status_code == 401


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(app, world):
    for client, sign_out in (
        (world["official_a"], lambda c: c.post("/api/v1/auth/logout")),
        (world["resident_a"], lambda c: c.post("/logout")),
    ):
        copy = _holding(app, _cookie(client))
        assert _me(copy)["signed_in"] is True
        assert sign_out(client).status_code in (204, 303)
        assert _me(client)["signed_in"] is False
        assert _me(copy)["signed_in"] is False


def test_a_cookie_must_carry_its_accounts_key(app, make_staff, login):
    from app.accounts.sessions import end_sessions

    account = make_staff("canbo@example.vn")
    desk = login("canbo@example.vn")
    # Rows of a session that somehow survived a new key still sign nobody in.
    old_key = account.session_key
    end_sessions(account)
    db.session.add(LoginSession(account_id=account.id, token_hash="x" * 64, device=""))
    db.session.commit()
    assert account.session_key != old_key
    assert _me(desk)["signed_in"] is False


def test_sign_out_everywhere_else(app, make_staff, login):
    make_staff("canbo@example.vn")
    desk, phone, laptop = (login("canbo@example.vn") for _ in range(3))
    page = desk.get("/account/security").get_data(as_text=True)
    assert page.count("<li>") >= 3
    response = desk.post("/account/security/sign-out-others")
    assert response.status_code == 303
    assert _me(desk)["signed_in"] is True
    assert _me(phone)["signed_in"] is False and _me(laptop)["signed_in"] is False
    assert laptop.post("/api/v1/auth/logout-others").status_code == 401
    phone = login("canbo@example.vn")
    assert phone.post("/api/v1/auth/logout-others").status_code == 204
    assert _me(phone)["signed_in"] is True and _me(desk)["signed_in"] is False
    assert _sessions() == 1


def test_revocation_and_deletion_leave_no_session_rows(app, world):
    assert _sessions() == 6
    official_id = _me(world["official_a"])["id"]
    revoked = world["admin"].delete(f"/api/v1/communes/xa-a/officials/{official_id}")
    assert revoked.status_code == 204
    assert _me(world["official_a"])["signed_in"] is False
    world["resident_b"].delete("/api/v1/me")
    assert _sessions() == 4


def test_last_seen_is_written_at_most_hourly(app, make_staff, login):
    make_staff("canbo@example.vn")
    client = login("canbo@example.vn")
    row = db.session.scalar(select(LoginSession))
    first_seen = as_utc(row.last_seen_at)
    client.get("/api/v1/me")
    db.session.expire_all()
    assert as_utc(db.session.scalar(select(LoginSession)).last_seen_at) == first_seen
    long_ago = utcnow() - timedelta(days=3)
    row = db.session.scalar(select(LoginSession))
    row.last_seen_at = long_ago
    db.session.commit()
    client.get("/api/v1/me")
    db.session.expire_all()
    assert as_utc(db.session.scalar(select(LoginSession)).last_seen_at) > long_ago


def test_an_idle_session_ends(app, make_staff, login):
    make_staff("canbo@example.vn")
    client = login("canbo@example.vn")
    row = db.session.scalar(select(LoginSession))
    row.last_seen_at = utcnow() - app.permanent_session_lifetime - timedelta(days=1)
    db.session.commit()
    assert _me(client)["signed_in"] is False


# --- the second-factor step ------------------------------------------------------------------


def _with_second_factor(account: Account) -> None:
    from app.accounts import totp

    account.totp_secret = totp.new_secret()
    account.totp_enabled_at = utcnow()
    db.session.commit()


def test_a_pending_sign_in_ends_with_its_account(app, make_staff):
    account = make_staff("canbo@example.vn")
    _with_second_factor(account)
    browser = app.test_client()
    page = browser.post("/login", data={"email": "canbo@example.vn", "password": PASSWORD})
    assert page.status_code == 200  # the code step
    pending = _cookie(browser)
    # A password change since then ends the step.
    from app.accounts.sessions import end_sessions

    end_sessions(account)
    db.session.commit()
    assert _holding(app, pending).post("/login/code", data={"code": "000000"}).status_code == 303
    # So does deleting the account, and a new account never inherits it.
    page = browser.post("/login", data={"email": "canbo@example.vn", "password": PASSWORD})
    pending = _cookie(browser)
    db.session.delete(db.session.get(Account, account.id))
    db.session.commit()
    newcomer = Account(display_name="Người dân mới")
    db.session.add(newcomer)
    db.session.commit()
    assert newcomer.id > account.id
    stale = _holding(app, pending)
    assert stale.post("/login/code", data={"code": "000000"}).status_code == 303
    assert _me(stale)["signed_in"] is False


# --- cookies from before server-side sessions ------------------------------------------------


def _old_cookie(app, account_id: int, epoch: int = 0) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"aid": account_id, "epoch": epoch, "_permanent": True})


def _old_cookie_signed_before(app, account_id: int, seconds: int) -> str:
    with patch("itsdangerous.timed.time.time", return_value=time.time() - seconds):
        return _old_cookie(app, account_id)


@pytest.mark.parametrize(
    "first_request",
    [
        pytest.param(lambda browser: browser.get("/static/does-not-exist.css"), id="static"),
        pytest.param(
            lambda browser: browser.post(
                "/api/v1/auth/logout", headers={"Origin": "http://evil.example"}
            ),
            id="refused-by-origin-guard",
        ),
        pytest.param(lambda browser: browser.get("/no/such/page"), id="not-found"),
    ],
)
def test_no_response_signs_an_old_cookie_again(app, make_staff, first_request):
    """A deleted account's cookie, older than the account that got its id, must not be given
    a fresh signing time by any response, or it would pass as younger than the account."""
    account = make_staff("canbo@example.vn")
    browser = _holding(app, _old_cookie_signed_before(app, account.id, seconds=600))
    first_request(browser)
    assert _me(browser)["signed_in"] is False
    assert _sessions() == 0


def test_an_old_cookie_is_upgraded_once_to_a_session(app, make_staff):
    account = make_staff("canbo@example.vn")
    browser = _holding(app, _old_cookie(app, account.id))
    assert _me(browser)["email"] == "canbo@example.vn"
    assert _sessions() == 1
    assert _me(browser)["signed_in"] is True
    # Signing out ends the old cookie's copies too.
    copy = _holding(app, _old_cookie(app, account.id))
    browser.post("/api/v1/auth/logout")
    assert _me(copy)["signed_in"] is False


def test_an_old_cookie_older_than_its_account_signs_nobody_in(app, make_staff):
    account = make_staff("canbo@example.vn")
    cookie = _old_cookie(app, account.id)
    # The account was made after the cookie was signed: the cookie named an earlier,
    # deleted account that had the same id.
    account.created_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    assert _me(_holding(app, cookie))["signed_in"] is False
    assert _me(_holding(app, _old_cookie(app, account.id, epoch=1)))["signed_in"] is False
    assert _sessions() == 0
