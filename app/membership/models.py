"""Membership: the one place that says what a person may do in a commune."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Account
from app.communes.models import Commune
from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column

RESIDENT = "resident"
OFFICIAL = "official"


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("account_id", "commune_id", name="uq_membership_account_commune"),
        CheckConstraint("role IN ('resident', 'official')", name="role"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    # Which notifications this member wants, one switch per kind of message.
    notify_answers: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), nullable=False
    )
    notify_discussion: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), nullable=False
    )
    notify_announcements: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), nullable=False
    )
    notify_new_threads: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), nullable=False
    )
    # Moderation: an official stopped this member from posting (they can still read).
    posting_blocked: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )
    posting_blocked_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    account: Mapped[Account] = relationship(lazy="joined")
    commune: Mapped[Commune] = relationship(lazy="joined")


# An admin's invitation of an official is membership to come: the admin creates it, and a
# resident's account deletion (privacy) forgets the ones addressed to them.
invitation_commune = Table(
    "invitation_commune",
    db.metadata,
    Column(
        "invitation_id",
        ForeignKey("invitation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "commune_id",
        ForeignKey("commune.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Invitation(db.Model):
    """A one-time link that makes its holder an official of some communes.

    Only the SHA-256 digest of the link's token is stored: the link is shown once, to the admin
    who creates it. Pending = not accepted, not revoked, not expired.
    """

    __tablename__ = "invitation"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    display_name: Mapped[str | None] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    communes: Mapped[list[Commune]] = relationship(
        secondary=invitation_commune, order_by=Commune.name
    )
    invited_by: Mapped[Account | None] = relationship(foreign_keys=[invited_by_id])
