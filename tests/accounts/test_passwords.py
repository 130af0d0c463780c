"""Staff change their own password on a page; an admin hands a forgotten one back with a
one-time link (hashed, expiring, one use). Every session ends and the audit log says so."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import Account, PasswordReset
from app.accounts.services import RESET_LIFETIME
from app.audit.models import AuditEvent
from app.extensions import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "một mật khẩu mới dài"


def _account(email: str) -> Account:
    return db.session.scalar(select(Account).where(Account.email == email))


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _signs_in(app, email: str, password: str) -> bool:
    response = app.test_client().post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    return response.status_code == 200


def test_staff_change_their_own_password_and_other_devices_sign_out(app, make_staff, login):
    make_staff("canbo@example.vn")
    desk, phone = login("canbo@example.vn"), login("canbo@example.vn")
    assert 'href="/account/password"' in desk.get("/account/security").get_data(as_text=True)
    page = desk.get("/account/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page

    wrong = desk.post(
        "/account/password", data={"current_password": "nope", "new_password": NEW_PASSWORD}
    )
    assert wrong.status_code == 401
    assert "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    short = desk.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "ngắn"}
    )
    assert short.status_code == 422
    assert "ít nhất 10 ký tự" in short.get_data(as_text=True)

    done = desk.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/account/password?done=1")
    assert "Đã đổi mật khẩu" in desk.get("/account/password?done=1").get_data(as_text=True)
    assert desk.get("/api/v1/me").get_json()["signed_in"] is True
    assert phone.get("/api/v1/me").get_json()["signed_in"] is False
    assert not _signs_in(app, "canbo@example.vn", PASSWORD)
    assert _signs_in(app, "canbo@example.vn", NEW_PASSWORD)
    assert _actions().count("account.password_changed") == 1


def test_residents_have_no_password_page(app, make_commune, join):
    assert app.test_client().get("/account/password").status_code == 302
    assert join(make_commune()).get("/account/password").status_code == 403


def _issue(admin, official_id: int):
    return admin.post(f"/admin/communes/xa-a/officials/{official_id}/password-reset")


def _link(response) -> str:
    found = re.search(
        r'value="https?://[^"/]+(/password-reset/[^"]+)"', response.get_data(as_text=True)
    )
    assert found, "no reset link on the page"
    return found.group(1)


def test_an_admin_issues_a_one_time_link_that_ends_every_session(app, world):
    official = _account("official.a@example.vn")
    admin = world["admin"]
    page = admin.get("/admin/communes/xa-a").get_data(as_text=True)
    assert f"/officials/{official.id}/password-reset" in page

    issued = _issue(admin, official.id)
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    assert "chỉ dùng được một lần, trong 24 giờ" in issued.get_data(as_text=True)
    link = _link(issued)
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalar(select(PasswordReset.token_hash))
    assert token not in stored and len(stored) == 64  # only a digest is kept
    # Until the link is used, the old password and sessions still work.
    assert world["official_a"].get("/api/v1/me").get_json()["signed_in"] is True

    stranger = app.test_client()
    form = stranger.get(link)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert "official.a@example.vn" in form.get_data(as_text=True)
    short = stranger.post(link, data={"new_password": "ngắn"})
    assert short.status_code == 422
    done = stranger.post(link, data={"new_password": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"].endswith("/login?reset=1")
    assert "Mật khẩu mới đã được lưu" in stranger.get("/login?reset=1").get_data(as_text=True)

    assert world["official_a"].get("/api/v1/me").get_json()["signed_in"] is False
    assert not _signs_in(app, "official.a@example.vn", PASSWORD)
    assert _signs_in(app, "official.a@example.vn", NEW_PASSWORD)
    # One use: the link is gone.
    again = app.test_client().post(link, data={"new_password": "yet another long one"})
    assert again.status_code == 404
    assert "đã hết hạn hoặc đã được dùng" in again.get_data(as_text=True)
    assert app.test_client().get(link).status_code == 404
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0
    actions = _actions()
    assert "account.password_reset_issued" in actions and "account.password_reset" in actions
    issued_entry = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "account.password_reset_issued")
    )
    assert (issued_entry.target_id, issued_entry.commune_id) == (official.id, world["a"].id)


def test_a_link_expires_and_a_newer_one_replaces_it(app, world):
    official = _account("official.a@example.vn")
    admin = world["admin"]
    first = _link(_issue(admin, official.id))
    second = _link(_issue(admin, official.id))
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    reset = db.session.scalar(select(PasswordReset))
    reset.expires_at = reset.expires_at - RESET_LIFETIME - timedelta(seconds=1)
    db.session.commit()
    expired = app.test_client().post(second, data={"new_password": NEW_PASSWORD})
    assert expired.status_code == 404
    assert _signs_in(app, "official.a@example.vn", PASSWORD)
    assert app.test_client().get("/password-reset/" + "x" * 43).status_code == 404


def test_only_admins_of_the_area_issue_links(app, world):
    official = _account("official.a@example.vn")
    other = _account("official.b@example.vn")
    assert _issue(world["official_a"], official.id).status_code == 403
    # Official B serves commune B, not A: not through commune A's page.
    assert _issue(world["admin"], other.id).status_code == 404
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0


def test_a_link_goes_with_its_account_and_outlives_the_admin_who_made_it(app, world):
    from app.privacy.services import delete_account

    official, other = _account("official.a@example.vn"), _account("official.b@example.vn")
    _issue(world["admin"], official.id)
    other_link = world["admin"].post(f"/admin/communes/xa-b/officials/{other.id}/password-reset")
    link = _link(other_link)
    delete_account(_account("admin@example.vn"), delete_posts=False)
    db.session.commit()
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 2
    delete_account(_account("official.a@example.vn"), delete_posts=False)
    db.session.commit()
    assert db.session.scalar(select(PasswordReset.account_id)) == other.id
    assert app.test_client().post(link, data={"new_password": NEW_PASSWORD}).status_code == 303
