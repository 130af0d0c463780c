"""``flask users set-password``: an operator gives a staff member who forgot their password a
new one; whoever held the old password is signed out everywhere."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "một mật khẩu mới dài"


def _set_password(app, email: str, password: str = NEW_PASSWORD):
    return app.test_cli_runner().invoke(
        args=["users", "set-password", email, "--password-stdin"], input=f"{password}\n"
    )


def _sign_in(client, password: str) -> int:
    response = client.post(
        "/api/v1/auth/login", json={"email": "canbo@example.vn", "password": password}
    )
    return response.status_code


def test_the_new_password_works_and_every_old_session_ends(app, make_staff, login):
    official = make_staff("canbo@example.vn")
    signed_in = login("canbo@example.vn")
    assert signed_in.get("/api/v1/me").get_json()["signed_in"] is True

    result = _set_password(app, "CanBo@Example.vn ")
    assert result.exit_code == 0, result.output
    assert "canbo@example.vn" in result.output

    assert signed_in.get("/api/v1/me").get_json()["signed_in"] is False
    assert _sign_in(app.test_client(), PASSWORD) == 401
    assert _sign_in(app.test_client(), NEW_PASSWORD) == 200
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.password_set"))
    assert (entry.target_id, entry.actor_name) == (official.id, "system")


def test_an_unknown_email_or_a_resident_is_refused(app, make_commune, join):
    result = _set_password(app, "nobody@example.vn")
    assert result.exit_code != 0
    assert "Không có cán bộ hay quản trị viên nào dùng email này." in result.output
    resident = join(make_commune()).get("/api/v1/me").get_json()
    assert resident["kind"] == "resident" and resident["email"] is None
    assert _set_password(app, f"resident-{resident['id']}").exit_code != 0


def test_a_short_password_is_refused_and_the_old_one_kept(app, make_staff):
    make_staff("canbo@example.vn")
    result = _set_password(app, "canbo@example.vn", "ngắn")
    assert result.exit_code != 0
    assert "10" in result.output and "Error: " in result.output
    assert _sign_in(app.test_client(), PASSWORD) == 200
