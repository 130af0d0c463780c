"""One row per moderation, status or administrative action. Never updated, never deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_commune_id_id", "commune_id", "id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # Kept as text too: the log must still say who it was after an account is deleted.
    actor_name: Mapped[str] = mapped_column(String(254), nullable=False)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(48), nullable=False)  # e.g. "thread.hide"
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)  # compact JSON, e.g. {"from": "new", ...}
    created_at: Mapped[datetime] = created_at_column()
