"""One table for every person who signs in, and the sessions they are signed in with."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column, utcnow


def new_session_key() -> str:
    return secrets.token_hex(32)


class Account(db.Model):
    """A resident (display name only) or a staff member (email and password hash too)."""

    __tablename__ = "account"
    __table_args__ = (
        # Ids are never reissued (SQLite would reuse the highest): a cookie, a link or a push
        # payload that names a deleted account can never name somebody else.
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(60), nullable=False)
    # Staff only: residents never give an email or a password.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # An admin's area (app/communes/areas.py): one province of the 2025 list by its code
    # ("91"), its name beside it for display; none is national. Districts are no level since
    # 1 July 2025 (migration 0021_two_tier_map made each district admin their province's).
    admin_province: Mapped[str | None] = mapped_column(String(120))
    admin_province_code: Mapped[str | None] = mapped_column(String(2))
    # A random secret every session cookie of this account carries; replaced when all its
    # sessions end (password change, revocation), so no older cookie or pending sign-in
    # matches again, and never shared with an account made later.
    session_key: Mapped[str] = mapped_column(String(64), default=new_session_key, nullable=False)
    # The counter that cookies from before server-side sessions (migration 0012) carry; only
    # read to upgrade such a cookie, and bumped whenever sessions end so none outlives them.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    # Optional second factor (staff only): a TOTP secret, set when setup starts and trusted
    # once a first code confirms the person's app holds it.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last time step a code was accepted for: no code works twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_staff(self) -> bool:
        return self.email is not None

    @property
    def kind(self) -> str:
        """``admin``, ``official`` (any staff account) or ``resident``."""
        if self.is_admin:
            return "admin"
        return "official" if self.is_staff else "resident"


class RecoveryCode(db.Model):
    """A one-time code that stands in for the phone, kept only as a hash."""

    __tablename__ = "recovery_code"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(db.Model):
    """One signed-in browser or app. The cookie holds a random token; only its SHA-256 is
    stored, so a copy of the database signs nobody in. Signing out deletes the row."""

    __tablename__ = "login_session"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    # Updated at most once an hour: reading a page is not a write.
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False, index=True
    )
    # "Chrome · Android": enough to recognise one's own devices, never the whole header.
    device: Mapped[str] = mapped_column(String(60), nullable=False)


class PasswordReset(db.Model):
    """A one-time link an admin hands to a staff member who forgot their password. The link's
    token is shown once; only its SHA-256 is kept, so a copy of the database resets nobody."""

    __tablename__ = "password_reset"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # Who issued it (the audit log says so too); kept when that admin's account goes.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    # Used once: setting the password deletes the row (and any other of the account's).
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class SignInCode(db.Model):
    """A code that signs another browser in as this account, once: a resident moving to a new
    phone (``transfer``, 15 minutes) or the recovery code they keep (``recovery``, no expiry).
    Only the SHA-256 of the code is stored; using it deletes the row."""

    __tablename__ = "sign_in_code"
    __table_args__ = (
        CheckConstraint("kind IN ('transfer', 'recovery')", name="kind"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # None for a recovery code: it waits until the phone is lost.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
