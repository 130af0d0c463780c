"""Days off that a province gives besides Vietnam's public holidays (a storm, a local
festival, a day moved by the province's decision): no working time counts on them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column


class DayOff(db.Model):
    __tablename__ = "day_off"
    __table_args__ = (
        UniqueConstraint("province_code", "day", name="uq_day_off_province_code_day"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The province's two-digit code in the 2025 list (``commune.province_code``).
    province_code: Mapped[str] = mapped_column(String(2), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()


class OverdueDigest(db.Model):
    """The morning digest of overdue threads, once a day per audience: ``key`` is
    ``commune:<id>`` (its officials) or ``admin:<id>`` (one admin, for the communes of their
    area). The row is written first: the worker that inserts it sends it; another one, finding
    it there (the unique constraint), does not."""

    __tablename__ = "overdue_digest"
    __table_args__ = (
        UniqueConstraint("key", "day", name="uq_overdue_digest_key_day"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    # The local (Asia/Ho_Chi_Minh) day it is for.
    day: Mapped[date] = mapped_column(Date, nullable=False)
    threads: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
