"""With SMTP configured, the admin's one-time password link is also mailed to the official,
through a real SMTP server (aiosmtpd) started here; a server that fails leaves the link on the
page. Nothing is mailed inside the transaction."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
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
        self.encrypted: list[bool] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
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


# --- TLS: STARTTLS on smtp://, TLS from the start on smtps://, never in clear over a network ---


def _certificate(folder) -> tuple[str, str, str]:
    """A test authority and a certificate for localhost that it signed: (ca, cert, key) files."""
    now = datetime.now(UTC)

    def build(
        subject: str, issuer: str, public_key: Any, signer: Any, *, ca: bool
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                critical=False,
            )
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False
            ).add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    authority = build("Test CA", "Test CA", ca_key.public_key(), ca_key, ca=True)
    leaf = build("localhost", "Test CA", key.public_key(), ca_key, ca=False)
    files = (folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    files[0].write_bytes(authority.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tuple(str(path) for path in files)  # type: ignore[return-value]


@pytest.fixture
def tls(tmp_path, monkeypatch) -> ssl.SSLContext:
    """The server's TLS context; the client trusts its authority (SSL_CERT_FILE, read by
    ssl.create_default_context as OpenSSL's default store)."""
    ca, cert, key = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", ca)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def _serve(inbox: Inbox, host: str, **options: Any) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(
        inbox,
        hostname=host,
        port=port,
        server_hostname="localhost",
        authenticator=inbox.authenticate,
        **options,
    )
    controller.start()
    return controller, port


@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_the_mail_goes_over_tls(app, world, tls, monkeypatch, scheme):
    inbox = Inbox()
    if scheme == "smtp":
        options: dict[str, Any] = {"tls_context": tls, "require_starttls": True}
    else:
        # aiosmtpd offers AUTH only after its own STARTTLS; this connection is TLS from the start.
        options = {"ssl_context": tls, "auth_require_tls": False}
    controller, port = _serve(inbox, "127.0.0.1", **options)
    try:
        url = f"{scheme}://gopy%40xa:mat-khau-smtp@localhost:{port}"
        monkeypatch.setitem(app.config, "SMTP_URL", url)
        monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
        page = _issue(world, _official()).get_data(as_text=True)
    finally:
        controller.stop()
    assert "Đã gửi thư tới official.a@example.vn" in page
    assert inbox.encrypted == [True] and inbox.logins == [(b"gopy@xa", b"mat-khau-smtp")]
    assert inbox.recipients == [["official.a@example.vn"]]


def test_a_server_across_the_network_without_starttls_gets_nothing(app, world, monkeypatch):
    """Only a relay on this machine may go without TLS: 127.0.0.2 stands for another host."""
    inbox = Inbox()
    controller, port = _serve(inbox, "127.0.0.2", auth_require_tls=False)
    try:
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.2:{port}")
        monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
        page = _issue(world, _official()).get_data(as_text=True)
    finally:
        controller.stop()
    assert "Không gửi được thư tới official.a@example.vn" in page
    assert inbox.messages == [] and inbox.logins == []
