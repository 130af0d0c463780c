"""A commune's feedback group, and the join tokens its old QR boards carried."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.communes.search import fold
from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column, utcnow

# The administrative code ``flask demo`` gives the demo commune: a real code is digits, and the
# demo stays out of every roll-up (its own page still shows what was tried in it).
DEMO_CODE = "DEMO"


class Commune(db.Model):
    __tablename__ = "commune"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    # The name folded for search (app/communes/search.py), set with the name: lists are ordered
    # by it and searched in it the same way on every database.
    search_name: Mapped[str] = mapped_column(String(200), nullable=False, index=True, default="")
    # Official administrative code, district and province: for imports and roll-ups.
    code: Mapped[str | None] = mapped_column(String(16), unique=True)
    district: Mapped[str | None] = mapped_column(String(120), index=True)
    province: Mapped[str | None] = mapped_column(String(120), index=True)
    # The province's two-digit code in the 2025 list ("91" is An Giang): the public league table
    # and province admins go by it.
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    # Random, at least 128 bits: the only secret a QR board carries.
    join_token: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # Whether Open311's GET requests publishes the group's public reports (docs/open311.md).
    open311_public: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    # New in the transaction of every change a reader of the group may see
    # (app/read_versions.py): a feed's ETag and its cached answer are checked against it.
    read_version: Mapped[int] = mapped_column(
        BigInteger, nullable=False, default=0, server_default="0"
    )
    created_at: Mapped[datetime] = created_at_column()

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.search_name = fold(name)
        return name


class RetiredJoinToken(db.Model):
    """A join token replaced by a rotation, kept only as a SHA-256 digest: its old board's link
    then says "this board was replaced" (410) instead of "unknown code" (404)."""

    __tablename__ = "retired_join_token"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    retired_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
