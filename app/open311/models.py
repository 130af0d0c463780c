"""Client applications with API keys, and the reports they filed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column


class ApiClient(db.Model):
    """An outside application allowed to file reports; its key is stored only as a hash."""

    __tablename__ = "api_client"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class ClientReport(db.Model):
    """A thread filed through Open311: which client, and the token it was given."""

    __tablename__ = "client_report"

    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_client.id", ondelete="SET NULL"), index=True
    )
    token: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    client: Mapped[ApiClient | None] = relationship()
