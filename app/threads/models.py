"""Threads, replies and the recorded history of status changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Account
from app.communes.models import Commune
from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column

KINDS = ("question", "report")
VISIBILITIES = ("public", "officials")
STATUSES = ("new", "acknowledged", "in_progress", "resolved", "declined")


class Category(db.Model):
    """A commune's field of questions (roads, flooding, waste, ...), chosen when asking."""

    __tablename__ = "category"
    __table_args__ = (
        UniqueConstraint("commune_id", "name", name="uq_category_commune_name"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    # Short stable code for outside clients (Open311 service_code).
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = created_at_column()


class Thread(db.Model):
    __tablename__ = "thread"
    __table_args__ = (
        CheckConstraint("kind IN ('question', 'report')", name="kind"),
        CheckConstraint("visibility IN ('public', 'officials')", name="visibility"),
        CheckConstraint(
            "status IN ('new', 'acknowledged', 'in_progress', 'resolved', 'declined')",
            name="status",
        ),
        # The feed reads one commune's threads newest first.
        Index("ix_thread_commune_id_id", "commune_id", "id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="new")
    # One optional photo, re-encoded without metadata, stored under a random name.
    photo_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    photo_width: Mapped[int | None] = mapped_column(Integer)
    photo_height: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id", ondelete="SET NULL"), index=True
    )
    # The official who takes care of it.
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    # Moderation: hidden from residents (its author still sees it, with the reason).
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # Where the problem is: given only when the resident chose to (or by an Open311 client).
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(250))
    created_at: Mapped[datetime] = created_at_column()

    commune: Mapped[Commune] = relationship()
    # Joined: every list of threads shows each one's category.
    category: Mapped[Category | None] = relationship(lazy="joined")
    author: Mapped[Account | None] = relationship(lazy="joined", foreign_keys=[author_id])
    assignee: Mapped[Account | None] = relationship(foreign_keys=[assignee_id])
    replies: Mapped[list[Reply]] = relationship(
        back_populates="thread", order_by="Reply.id", cascade="all, delete-orphan"
    )
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="thread", order_by="StatusChange.id", cascade="all, delete-orphan"
    )


class Reply(db.Model):
    __tablename__ = "reply"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    # The author's role when they wrote it: an answer stays an official answer.
    author_role: Mapped[str] = mapped_column(String(16), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    thread: Mapped[Thread] = relationship(back_populates="replies")
    author: Mapped[Account | None] = relationship(lazy="joined")


class StatusChange(db.Model):
    __tablename__ = "status_change"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    from_status: Mapped[str] = mapped_column(String(16), nullable=False)
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    thread: Mapped[Thread] = relationship(back_populates="history")
    actor: Mapped[Account | None] = relationship(lazy="joined")
