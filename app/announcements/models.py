"""An announcement posted by an official to the whole commune group."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Account
from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column


class Announcement(db.Model):
    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_commune_id_id", "commune_id", "id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    pinned: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )
    # A warning that cannot wait (flood, storm): sent with Urgency: high, shown first, marked.
    urgent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )
    # After this moment it is no longer shown (and its notification is no longer delivered).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    author: Mapped[Account | None] = relationship(lazy="joined")
