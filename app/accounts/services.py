"""Creating staff accounts, checking their passwords, changing and resetting them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.accounts.models import Account, PasswordReset
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.accounts.sessions import end_sessions
from app.audit.services import record
from app.errors import Conflict, NotAuthenticated, NotFound, ValidationError
from app.extensions import db
from app.models_base import as_utc, utcnow
from app.schema.fields import Email
from app.schema.load import Check
from app.schema.text import is_storable

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
EMAIL_FIELD = Check(Email, "email")
# Long enough to hand the link over the same day, short enough that a forgotten one dies.
RESET_LIFETIME = timedelta(hours=24)


def check_new_password(password: str) -> None:
    if not is_storable(password):
        raise ValidationError(
            _("The password contains characters that are not allowed."), field="password"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(_("The password is too long."), field="password")


def create_staff_account(
    email: str, password: str, *, is_admin: bool, display_name: str | None = None
) -> Account:
    """Add an official or admin account (not committed)."""
    email = EMAIL_FIELD.clean(email)
    check_new_password(password)
    if db.session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise Conflict(_("An account with this email already exists."), field="email")
    account = Account(
        email=email,
        password_hash=hash_password(password),
        is_admin=is_admin,
        display_name=(display_name or email.split("@")[0])[:60],
    )
    db.session.add(account)
    db.session.flush()
    return account


def set_password(email: str, password: str) -> Account:
    """An operator sets a staff member's forgotten password; every session of the account ends,
    so whoever held the old one is signed out (not committed)."""
    account = db.session.scalar(select(Account).where(Account.email == email.strip().lower()))
    if account is None or not account.is_staff:
        raise NotFound(_("No official or admin has this email."))
    check_new_password(password)
    _new_password(account, password)
    record(None, "account.password_set", target_type="account", target_id=account.id)
    return account


def _new_password(account: Account, password: str) -> None:
    """Store ``password``: every session of the account ends and no reset link it had still
    works, whoever changed it."""
    account.password_hash = hash_password(password)
    end_sessions(account)
    db.session.execute(delete(PasswordReset).where(PasswordReset.account_id == account.id))


def authenticate(email: object, password: object) -> Account:
    """Return the staff account for these credentials or raise ``NotAuthenticated``.

    The message is the same for an unknown email and a wrong password: no account enumeration.
    """
    wrong = NotAuthenticated(_("The email or password is incorrect."))
    if not isinstance(email, str) or not isinstance(password, str):
        raise wrong
    if len(password) > MAX_PASSWORD_LENGTH or len(email) > 254:
        raise wrong
    if not is_storable(email) or not is_storable(password):
        raise wrong
    account = db.session.scalar(select(Account).where(Account.email == email.strip().lower()))
    hashed = account.password_hash if account else None
    if not verify_password(hashed, password) or account is None:
        raise wrong
    if needs_rehash(account.password_hash or ""):
        account.password_hash = hash_password(password)
    return account


def change_password(account: Account, current: object, new: object) -> None:
    """Set a new password; every other session of the account ends (not committed)."""
    if not account.is_staff:
        raise NotAuthenticated(_("Residents have no password."))
    if not isinstance(current, str) or not verify_password(account.password_hash, current):
        raise NotAuthenticated(_("The current password is incorrect."))
    if not isinstance(new, str):
        raise ValidationError(_("The new password must be text."), field="new_password")
    check_new_password(new)
    _new_password(account, new)
    record(account, "account.password_changed", target_type="account", target_id=account.id)


# --- reset links -------------------------------------------------------------------------------


def _link_gone() -> NotFound:
    return NotFound(
        _("This password link has expired or was already used. Ask your admin for a new one.")
    )


def _reset_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_password_reset(account: Account, issued_by: Account) -> str:
    """A one-time reset token for ``account`` (256 random bits), valid for RESET_LIFETIME;
    an older unused link of the account stops working. Only its digest is stored: the token
    is returned once (not committed; who may issue it is the caller's question)."""
    db.session.execute(delete(PasswordReset).where(PasswordReset.account_id == account.id))
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(
            account_id=account.id,
            token_hash=_reset_digest(token),
            issued_by_id=issued_by.id,
            expires_at=utcnow() + RESET_LIFETIME,
        )
    )
    return token


def open_password_reset(token: object) -> PasswordReset:
    """The unused, unexpired reset behind ``token``, or ``NotFound`` (one message for a link
    that never existed, was used or expired: the page says to ask the admin for a new one)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise _link_gone()
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == _reset_digest(token))
    )
    if reset is None or as_utc(reset.expires_at) <= utcnow():
        raise _link_gone()
    return reset


def reset_password(token: object, new: object) -> Account:
    """Set a new password through a reset link: the link is spent, every session of the
    account ends, the audit log records it (not committed)."""
    reset = open_password_reset(token)
    account = db.session.get(Account, reset.account_id)
    if account is None or not account.is_staff:
        raise _link_gone()
    if not isinstance(new, str):
        raise ValidationError(_("The new password must be text."), field="new_password")
    check_new_password(new)
    _new_password(account, new)  # the link is deleted with the account's others: one use
    record(account, "account.password_reset", target_type="account", target_id=account.id)
    return account
