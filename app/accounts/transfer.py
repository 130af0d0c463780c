"""Moving a resident to a new phone: a short code (15 minutes, one use) that signs another
browser in as the same account, and a recovery code to keep that does the same once.

Residents have no password: their cookie is their account. Without these, a resident whose
phone changed would scan the board again and become a new member, who no longer sees their
own officials-only questions. Staff sign in with their password (and second factor), never
with a code. Only each code's SHA-256 is stored; using it deletes the row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.accounts.models import Account, SignInCode
from app.errors import Forbidden, NotAuthenticated
from app.extensions import db
from app.models_base import as_utc, utcnow
from app.typed_codes import ALPHABET, grouped, random_code, typed

TRANSFER = "transfer"
RECOVERY = "recovery"
TRANSFER_MINUTES = 15
# 19^8 (1.7e10) codes: with 15 minutes to live and guesses rate-limited per address, a guess
# hits a live code less than once in a million tries. A recovery code lives for years: 19^16.
TRANSFER_LENGTH = 8
RECOVERY_LENGTH = 16


@dataclass(frozen=True)
class IssuedCode:
    code: str  # grouped for reading, e.g. "K7MX-3PRA"
    expires_at: datetime | None


def transfer_url(base_url: str, code: str) -> str:
    """The link (and QR code) that opens the new phone's sign-in with the code filled in."""
    return f"{base_url}/transfer/{code}"


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _resident(account: Account) -> Account:
    if account.is_staff:
        raise Forbidden(_("Officials and admins sign in with their email and password."))
    return account


def _issue(account: Account, kind: str, length: int, expires_at: datetime | None) -> IssuedCode:
    """A new code of ``kind`` for ``account``; the one it had before stops working."""
    _resident(account)
    db.session.execute(
        delete(SignInCode).where(SignInCode.account_id == account.id, SignInCode.kind == kind)
    )
    # Expired transfer codes of anyone: no use to keep (the table stays small).
    db.session.execute(delete(SignInCode).where(SignInCode.expires_at < utcnow()))
    code = random_code(length)
    db.session.add(
        SignInCode(account_id=account.id, kind=kind, code_hash=_digest(code), expires_at=expires_at)
    )
    db.session.flush()
    return IssuedCode(code=grouped(code), expires_at=expires_at)


def issue_transfer_code(account: Account) -> IssuedCode:
    """A code for moving to a new phone: 15 minutes, one use (not committed)."""
    expires_at = utcnow() + timedelta(minutes=TRANSFER_MINUTES)
    return _issue(account, TRANSFER, TRANSFER_LENGTH, expires_at)


def issue_recovery_code(account: Account) -> IssuedCode:
    """A code to keep, shown once, that works once; the previous one stops (not committed)."""
    return _issue(account, RECOVERY, RECOVERY_LENGTH, None)


def has_recovery_code(account: Account) -> bool:
    return (
        db.session.scalar(
            select(SignInCode.id).where(
                SignInCode.account_id == account.id, SignInCode.kind == RECOVERY
            )
        )
        is not None
    )


def redeem(value: object) -> Account:
    """The account a transfer or recovery code signs in, using the code up (not committed).

    Wrong, used and expired codes are refused alike (401)."""
    wrong = NotAuthenticated(
        _("This code is not right, was already used or has expired. Check it, or make a new one.")
    )
    code = typed(value)
    if not code or len(code) not in (TRANSFER_LENGTH, RECOVERY_LENGTH):
        raise wrong
    if any(character not in ALPHABET for character in code):
        raise wrong
    row = db.session.scalar(select(SignInCode).where(SignInCode.code_hash == _digest(code)))
    if row is None or (row.expires_at is not None and as_utc(row.expires_at) <= utcnow()):
        raise wrong
    account = db.session.get(Account, row.account_id)
    db.session.delete(row)  # one use
    db.session.flush()
    if account is None:
        raise wrong
    return _resident(account)
