"""What a reader of a commune's announcements may see, summarised cheaply for its ETag
(``app/conditional.py``): which announcements are listed, in which order, whether each is
pinned, urgent, edited or expired, who wrote it, and how far each reached when the reader sees
that (officials; deliveries go on after the announcement was posted)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from app.accounts.models import Account
from app.announcements.models import Announcement
from app.audit.models import AuditEvent
from app.communes.models import Commune
from app.extensions import db
from app.models_base import as_utc, utcnow


def _expired(expires_at: object, now: object) -> bool:
    return expires_at is not None and as_utc(expires_at) <= now  # type: ignore[arg-type,operator]


def listed_state(
    commune: Commune, *, include_expired: bool, limit: int, reach: dict | None = None
) -> tuple:
    """The rows ``list_announcements`` would list, with only the columns that change."""
    now = utcnow()
    query = (
        select(
            Announcement.id,
            Announcement.pinned,
            Announcement.urgent,
            Announcement.expires_at,
            Announcement.edited_at,
            Account.display_name,
        )
        .outerjoin(Account, Account.id == Announcement.author_id)
        .where(Announcement.commune_id == commune.id)
        .order_by(Announcement.urgent.desc(), Announcement.pinned.desc(), Announcement.id.desc())
        .limit(limit)
    )
    if not include_expired:
        query = query.where(or_(Announcement.expires_at.is_(None), Announcement.expires_at > now))
    rows = tuple((*row, _expired(row.expires_at, now)) for row in db.session.execute(query))
    return (rows, _audit(commune.id), sorted((reach or {}).items()))


def announcement_state(announcement: Announcement, reach: dict | None) -> tuple:
    """One announcement already read with ``readable_announcement``."""
    author = announcement.author
    return (
        announcement.id,
        announcement.title,
        announcement.body,
        announcement.pinned,
        announcement.urgent,
        announcement.expires_at,
        announcement.edited_at,
        _expired(announcement.expires_at, utcnow()),
        author.display_name if author else None,
        sorted((reach or {}).items()),
    )


def _audit(commune_id: int) -> int | None:
    """Edits, pins and expiries are in the audit log: its newest entry for the commune."""
    return db.session.scalar(
        select(func.max(AuditEvent.id)).where(AuditEvent.commune_id == commune_id)
    )


def next_expiry(commune: Commune, now: datetime | None = None) -> datetime | None:
    """The next moment one of the commune's announcements expires: the residents' list reads
    differently from then on (it leaves, and an older one may come into the first few)."""
    now = now or utcnow()
    moment = db.session.scalar(
        select(func.min(Announcement.expires_at)).where(
            Announcement.commune_id == commune.id, Announcement.expires_at > now
        )
    )
    return as_utc(moment) if moment is not None else None
