"""One table for every person who signs in."""

from __future__ import annotations

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
from app.models_base import created_at_column


class Account(db.Model):
    """A resident (display name only) or a staff member (email and password hash too)."""

    __tablename__ = "account"
    # District names repeat between provinces: a district area always names its province.
    __table_args__ = (
        CheckConstraint(
            "admin_district IS NULL OR admin_province IS NOT NULL",
            name="admin_district_needs_province",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(60), nullable=False)
    # Staff only: residents never give an email or a password.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # An admin's area (app/admin/scope.py): a province, or a district of it; none is national.
    admin_province: Mapped[str | None] = mapped_column(String(120))
    admin_district: Mapped[str | None] = mapped_column(String(120))
    # Bumped to sign out every session of this account (password change, revocation).
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

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
