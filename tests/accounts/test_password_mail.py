"""With SMTP configured, the admin's one-time password link is also mailed to the official,
through a real SMTP server (aiosmtpd) started here; a server that fails leaves the link on the
page. Nothing is mailed inside the transaction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from app import create_app
from app.accounts.models import Account
from app.config import ConfigError
from app.extensions import db
from tests.server.helpers import free_port

NEW_PASSWORD = "một mật khẩu mới dài"
SENDER = "Góp ý xã <gopy@xa.example.vn>"


class Inbox:
    """What the SMTP server received, and who signed in to it."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"mat-khau-smtp")


@pytest.fixture
def smtp(app, monkeypatch) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    # A relay on this machine without TLS (a local Postfix), so the client skips STARTTLS.
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://gopy%40xa:mat-khau-smtp@127.0.0.1:{port}")
    monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
    try:
        yield inbox
    finally:
        controller.stop()


def _official() -> Account:
    return db.session.scalar(select(Account).where(Account.email == "official.a@example.vn"))


def _issue(world: dict[str, Any], official: Account):
    return world["admin"].post(f"/admin/communes/xa-a/officials/{official.id}/password-reset")


def test_the_link_is_mailed_to_the_official_and_works_once(app, world, smtp):
    official = _official()
    issued = _issue(world, official)
    page = issued.get_data(as_text=True)
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    assert "Đã gửi thư tới official.a@example.vn" in page
    assert "Không gửi được thư" not in page

    assert smtp.logins == [(b"gopy@xa", b"mat-khau-smtp")]
    assert smtp.recipients == [["official.a@example.vn"]]
    (message,) = smtp.messages
    assert message["To"] == "official.a@example.vn"
    assert message["From"] == SENDER
    assert message["Subject"] == "Đặt mật khẩu mới"
    body = message.get_content()
    assert "đặt mật khẩu mới" in body and "một lần, trong 24 giờ" in body
    found = re.search(r"https?://[^/\s]+(/password-reset/[\w-]{43})\s", body)
    assert found, body
    link = found.group(1)
    assert "password-reset" not in message["Subject"]
    assert link in page  # the same link, for the admin to hand over if the mail is lost

    stranger = app.test_client()
    assert stranger.get(link).status_code == 200
    done = stranger.post(link, data={"new_password": NEW_PASSWORD})
    assert done.status_code == 303
    assert app.test_client().get(link).status_code == 404
    login = app.test_client().post(
        "/api/v1/auth/login", json={"email": "official.a@example.vn", "password": NEW_PASSWORD}
    )
    assert login.status_code == 200


def test_a_failing_mail_server_leaves_the_link_on_the_page(app, world, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
    issued = _issue(world, _official())
    page = issued.get_data(as_text=True)
    assert issued.status_code == 201
    assert "Không gửi được thư tới official.a@example.vn" in page
    assert "Đã gửi thư" not in page
    link = re.search(r'value="https?://[^"/]+(/password-reset/[^"]+)"', page).group(1)
    # Committed before the mail was tried: the link works although the mail failed.
    assert app.test_client().get(link).status_code == 200
    assert "password-reset" not in caplog.text


def test_a_refused_login_is_a_mail_not_sent(app, world, smtp, monkeypatch):
    url = app.config["SMTP_URL"].replace("mat-khau-smtp", "sai")
    monkeypatch.setitem(app.config, "SMTP_URL", url)
    page = _issue(world, _official()).get_data(as_text=True)
    assert "Không gửi được thư tới official.a@example.vn" in page
    assert smtp.messages == []


def test_without_smtp_nothing_is_said_about_mail(app, world):
    page = _issue(world, _official()).get_data(as_text=True)
    assert "Không gửi được thư" not in page and "Đã gửi thư" not in page


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"SMTP_URL": "http://mail.example.vn"}, "SMTP_URL"),
        ({"SMTP_URL": "smtp://mail.example.vn:notaport"}, "SMTP_URL"),
        ({"SMTP_URL": "smtps://mail.example.vn"}, "MAIL_FROM"),
    ],
)
def test_unusable_mail_settings_are_refused(monkeypatch, tmp_path, env, complaint):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    for name in ("DATABASE_URL", "BASE_URL", "MAIL_FROM", "FEEDBACK_ENV_NAME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=complaint):
        create_app()
