"""Creating staff accounts and checking their passwords."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import Account
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.accounts.sessions import end_sessions
from app.audit.services import record
from app.errors import Conflict, NotAuthenticated, NotFound, ValidationError
from app.extensions import db
from app.schema.fields import Email
from app.schema.load import Check
from app.schema.text import is_storable

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
EMAIL_FIELD = Check(Email, "email")


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
    account.password_hash = hash_password(password)
    end_sessions(account)
    record(None, "account.password_set", target_type="account", target_id=account.id)
    return account


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
    account.password_hash = hash_password(new)
    end_sessions(account)
