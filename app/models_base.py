"""Column helpers shared by every capability's models, and inserting a row at most once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

# Every table with an integer id: SQLite AUTOINCREMENT, so an id is never handed out again
# after a delete (a cookie, a link or a push payload naming it must not reach a newcomer).
# PostgreSQL sequences never reissue ids anyway.
IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def isoformat(moment: datetime) -> str:
    """ISO 8601 with an explicit UTC offset, as the API returns every time."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def insert_once(row: Any) -> bool:
    """Insert a row that a unique constraint allows once; False when it is already there
    (another request may have inserted it a moment ago: a double tap is not an error)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return False
    return True
