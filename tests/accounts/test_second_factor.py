"""The optional second factor: setup, sign-in with a code or a recovery code, off, admin reset."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts import totp
from app.accounts.models import Account
from app.audit.models import AuditEvent
from app.extensions import db
from tests.conftest import PASSWORD

EMAIL = "canbo@example.vn"
STEP = 57_000_000  # a fixed "now" (step * 30 s) so codes never roll over mid-test


@pytest.fixture
def clock(monkeypatch) -> dict[str, int]:
    now = {"step": STEP}
    monkeypatch.setattr(totp, "current_step", lambda _now=None: now["step"])
    return now


def _code(secret: str, step: int) -> str:
    return totp.code_at(secret, step)


def _enable(client, clock) -> tuple[str, list[str]]:
    setup = client.post("/api/v1/auth/totp/setup", json={"password": PASSWORD})
    assert setup.status_code == 200
    assert setup.headers["Cache-Control"] == "no-store"
    secret = setup.get_json()["secret"]
    confirmed = client.post(
        "/api/v1/auth/totp/confirm", json={"code": _code(secret, clock["step"])}
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    return secret, confirmed.get_json()["recovery_codes"]


def _login(client, code: Any = None):
    body = {"email": EMAIL, "password": PASSWORD}
    if code is not None:
        body["code"] = code
    return client.post("/api/v1/auth/login", json=body)


def test_setup_gives_a_secret_an_app_can_read(make_staff, login, clock):
    make_staff(EMAIL)
    client = login(EMAIL)
    # A session alone is not enough to tie the account to a phone: the password too.
    for body in ({}, {"password": "wrong password"}):
        refused = client.post("/api/v1/auth/totp/setup", json=body)
        assert refused.status_code == 401
    body = client.post("/api/v1/auth/totp/setup", json={"password": PASSWORD}).get_json()
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    # Not trusted yet: sign-in still needs only the password.
    assert client.get("/api/v1/me").get_json()["second_factor"] is False
    assert _login(client.application.test_client()).status_code == 200


def test_confirming_needs_a_right_code_and_ends_other_sessions(make_staff, login, clock):
    make_staff(EMAIL)
    client, other_device = login(EMAIL), login(EMAIL)
    secret = client.post("/api/v1/auth/totp/setup", json={"password": PASSWORD}).get_json()[
        "secret"
    ]
    wrong = client.post("/api/v1/auth/totp/confirm", json={"code": "000000"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "totp_invalid"
    not_a_code = client.post("/api/v1/auth/totp/confirm", json={"code": ["1"]})
    assert not_a_code.status_code == 401
    codes = client.post(
        "/api/v1/auth/totp/confirm", json={"code": _code(secret, clock["step"])}
    ).get_json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/api/v1/me").get_json()["second_factor"] is True
    assert other_device.get("/api/v1/me").get_json()["signed_in"] is False
    again = client.post("/api/v1/auth/totp/setup", json={"password": PASSWORD})
    assert again.status_code == 409


def test_sign_in_needs_the_code_and_a_code_works_once(app, make_staff, login, clock):
    make_staff(EMAIL)
    secret, _codes = _enable(login(EMAIL), clock)
    client = app.test_client()
    missing = _login(client)
    assert missing.status_code == 401
    assert missing.get_json()["error"]["code"] == "totp_required"
    assert client.get("/api/v1/me").get_json()["signed_in"] is False
    assert _login(client, "123456").get_json()["error"]["code"] == "totp_invalid"
    # The code that confirmed the setup was used: not even its own 30 s lets it in again.
    assert _login(client, _code(secret, clock["step"])).status_code == 401
    clock["step"] += 1
    assert _login(client, _code(secret, clock["step"])).status_code == 200
    assert client.get("/api/v1/me").get_json()["signed_in"] is True
    assert _login(app.test_client(), _code(secret, clock["step"])).status_code == 401


def test_a_wrong_password_never_reveals_the_second_factor(app, make_staff, login, clock):
    make_staff(EMAIL)
    _enable(login(EMAIL), clock)
    response = app.test_client().post(
        "/api/v1/auth/login", json={"email": EMAIL, "password": "wrong password"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_signed_in"


def test_a_recovery_code_signs_in_once(app, make_staff, login, clock):
    make_staff(EMAIL)
    _secret, codes = _enable(login(EMAIL), clock)
    typed = codes[3].upper().replace("-", " ")  # case and separators are forgiven
    assert _login(app.test_client(), typed).status_code == 200
    assert _login(app.test_client(), codes[3]).status_code == 401
    assert _login(app.test_client(), codes[4]).status_code == 200
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("account.recovery_code_used") == 2


def test_turning_off_needs_password_and_code(app, make_staff, login, clock):
    make_staff(EMAIL)
    client = login(EMAIL)
    secret, _codes = _enable(client, clock)
    clock["step"] += 1
    code = _code(secret, clock["step"])
    bad_password = client.post(
        "/api/v1/auth/totp/disable", json={"password": "nope nope nope", "code": code}
    )
    assert bad_password.status_code == 401
    no_code = client.post("/api/v1/auth/totp/disable", json={"password": PASSWORD})
    assert no_code.get_json()["error"]["code"] == "totp_required"
    done = client.post("/api/v1/auth/totp/disable", json={"password": PASSWORD, "code": code})
    assert done.status_code == 204
    assert _login(app.test_client()).status_code == 200
    assert (
        client.post(
            "/api/v1/auth/totp/disable", json={"password": PASSWORD, "code": code}
        ).status_code
        == 409
    )


def test_residents_have_no_second_factor(make_commune, join):
    resident = join(make_commune())
    response = resident.post("/api/v1/auth/totp/setup", json={"password": "x"})
    assert response.status_code == 403


def test_admin_resets_a_lost_phone_and_sessions_end(
    app, make_staff, login, join, make_commune, clock
):
    official = make_staff(EMAIL)
    make_staff("admin@example.vn", admin=True)
    make_staff("other@example.vn")
    client = login(EMAIL)
    _enable(client, clock)
    signed_in = app.test_client()
    clock["step"] += 1
    _login(signed_in, _code(db.session.get(Account, official.id).totp_secret, clock["step"]))
    url = f"/api/v1/accounts/{official.id}/second-factor"
    assert login("other@example.vn").delete(url).status_code == 403
    assert join(make_commune()).delete(url).status_code == 403
    assert app.test_client().delete(url).status_code == 401
    admin = login("admin@example.vn")
    assert admin.delete("/api/v1/accounts/999999/second-factor").status_code == 404
    assert admin.delete(url).status_code == 204
    assert signed_in.get("/api/v1/me").get_json()["signed_in"] is False
    assert _login(app.test_client()).status_code == 200
    assert admin.delete(url).status_code == 409
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.second_factor_reset")
    ).one()
    assert event.target_id == official.id


# --- the sign-in page ------------------------------------------------------------------------


def test_sign_in_page_asks_for_the_code_after_the_password(app, make_staff, login, clock):
    make_staff(EMAIL, admin=True)
    secret, _codes = _enable(login(EMAIL), clock)
    browser = app.test_client()
    step_one = browser.post("/login?next=/admin/stats", data={"email": EMAIL, "password": PASSWORD})
    assert step_one.status_code == 200
    assert 'autocomplete="one-time-code"' in step_one.get_data(as_text=True)
    assert browser.get("/api/v1/me").get_json()["signed_in"] is False
    wrong = browser.post("/login/code", data={"code": "111111"})
    assert wrong.status_code == 401
    clock["step"] += 1
    right = browser.post("/login/code", data={"code": _code(secret, clock["step"])})
    assert right.status_code == 303 and right.headers["Location"] == "/admin/stats"
    assert browser.get("/api/v1/me").get_json()["kind"] == "admin"


def test_the_code_step_expires(app, make_staff, login, clock, monkeypatch):
    import app.accounts.sessions as sessions

    make_staff(EMAIL)
    secret, _codes = _enable(login(EMAIL), clock)
    browser = app.test_client()
    browser.post("/login", data={"email": EMAIL, "password": PASSWORD})
    monkeypatch.setattr(sessions, "PENDING_SECONDS", -1)
    browser.post("/login", data={"email": EMAIL, "password": PASSWORD})
    clock["step"] += 1
    late = browser.post("/login/code", data={"code": _code(secret, clock["step"])})
    assert late.status_code == 303 and late.headers["Location"] == "/login"
    assert browser.get("/api/v1/me").get_json()["signed_in"] is False
    # Without a password step at all, the code page sends people back to the start.
    assert app.test_client().post("/login/code", data={"code": "123456"}).status_code == 303


def test_settings_pages_set_up_and_turn_off(app, make_staff, login, clock):
    make_staff(EMAIL)
    browser = login(EMAIL)
    page = browser.get("/account/security")
    assert page.status_code == 200
    refused = browser.post("/account/security/setup", data={"password": "not my password"})
    assert refused.status_code == 401
    setup = browser.post("/account/security/setup", data={"password": PASSWORD})
    assert setup.status_code == 200 and setup.headers["Cache-Control"] == "no-store"
    html = setup.get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in html
    secret = db.session.scalar(select(Account.totp_secret).where(Account.email == EMAIL))
    wrong = browser.post("/account/security/confirm", data={"code": "000000"})
    assert wrong.status_code == 401 and "data:image/svg+xml" in wrong.get_data(as_text=True)
    shown = browser.post("/account/security/confirm", data={"code": _code(secret, clock["step"])})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert shown.get_data(as_text=True).count("<li><code>") == 10
    assert browser.get("/api/v1/me").get_json()["second_factor"] is True
    clock["step"] += 1
    off = browser.post(
        "/account/security/disable",
        data={"password": PASSWORD, "code": _code(secret, clock["step"])},
    )
    assert off.status_code == 303
    assert browser.get("/api/v1/me").get_json()["second_factor"] is False


def test_settings_are_for_staff_only(app, make_commune, join):
    assert app.test_client().get("/account/security").status_code == 302
    assert join(make_commune()).get("/account/security").status_code == 403


def test_admin_console_turns_off_a_lost_phone(app, world, clock):
    official = db.session.scalar(select(Account).where(Account.email == "official.a@example.vn"))
    official.totp_secret = totp.new_secret()
    official.totp_enabled_at = official.created_at
    db.session.commit()
    admin = world["admin"]
    page = admin.get("/admin/communes/xa-a").get_data(as_text=True)
    reset = f"/admin/communes/xa-a/officials/{official.id}/second-factor/reset"
    assert reset in page
    # Official B is not an official of commune A: not through this commune's page.
    other = db.session.scalar(select(Account.id).where(Account.email == "official.b@example.vn"))
    assert (
        admin.post(f"/admin/communes/xa-a/officials/{other}/second-factor/reset").status_code == 404
    )
    assert world["official_a"].post(reset).status_code == 403
    done = admin.post(reset)
    assert done.status_code == 303 and done.headers["Location"].endswith("done=factor_reset")
    assert world["official_a"].get("/api/v1/me").get_json()["signed_in"] is False
    db.session.expire_all()
    assert db.session.get(Account, official.id).has_second_factor is False
    assert reset not in admin.get("/admin/communes/xa-a").get_data(as_text=True)


def test_text_that_is_not_unicode_is_a_wrong_password_not_a_500(app, make_staff, login, clock):
    make_staff(EMAIL)
    client = login(EMAIL)
    lone_surrogate = '{"current_password": "\\ud800", "new_password": "a new long password"}'
    changed = client.post(
        "/api/v1/auth/password", data=lone_surrogate, content_type="application/json"
    )
    assert changed.status_code == 401
    right_current = json.dumps({"current_password": PASSWORD})[:-1]
    new_is_broken = right_current + ', "new_password": "long enough \\udfff"}'
    refused = client.post(
        "/api/v1/auth/password", data=new_is_broken, content_type="application/json"
    )
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "password"
    _enable(client, clock)
    disabled = client.post(
        "/api/v1/auth/totp/disable",
        data='{"password": "\\ud800", "code": "123456"}',
        content_type="application/json",
    )
    assert disabled.status_code == 401
