"""What a reader of a feed or a thread may see, summarised for its ETag (``app/conditional.py``)
and for the feed's cached answer (``app/read_cache.py``).

A feed page is keyed by its commune's read version, which every change a reader may see raises
in its own transaction (``app/read_versions.py``), by the reader's account and role, and by its
next deadline (time alone makes a thread overdue). A thread's tag is a summary of what it shows:
its changing columns, its replies as the reader may see them, its history, the reader's own
"me too" and following, and how far each reply reached when the reader may see that.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from app.accounts.models import Account
from app.audit.models import AuditEvent
from app.extensions import db
from app.membership.services import ReadMembership
from app.models_base import as_utc, utcnow
from app.threads.deadlines import is_overdue
from app.threads.models import (
    OPEN_STATUSES,
    StatusChange,
    Thread,
    ThreadFollower,
    ThreadSupport,
)

# The columns of a thread that may change after it was asked.
CHANGING = (
    Thread.id,
    Thread.status,
    Thread.visibility,
    Thread.hidden_at,
    Thread.category_id,
    Thread.urgent,
    Thread.first_response_at,
    Thread.respond_by,
    Thread.resolve_by,
)


def read_parts(member: ReadMembership, account_id: int | None) -> tuple:
    """What a feed page's cached answer and its ETag are keyed by besides the URL and the
    language (``app/read_cache.py``): the commune's read version, raised by any change a
    reader may see (``app/read_versions.py``), and the reader, whose own private threads,
    hidden posts and "me too"s are part of their answer only."""
    return ("feed", member.commune_id, member.read_version, account_id, member.role)


def next_deadline(threads: Iterable[Thread], now: datetime | None = None) -> datetime | None:
    """The first moment a page of ``threads`` reads differently with time alone: the next
    deadline of one of them that is still open (it becomes overdue then)."""
    now = now or utcnow()
    upcoming = []
    for thread in threads:
        if thread.status not in OPEN_STATUSES:
            continue
        if thread.first_response_at is None and thread.respond_by is not None:
            upcoming.append(as_utc(thread.respond_by))
        if thread.resolve_by is not None:
            upcoming.append(as_utc(thread.resolve_by))
    return min((moment for moment in upcoming if moment >= now), default=None)


def thread_state(
    thread: Thread, account: Account, role: str, *, reach: dict[int, dict[str, int]] | None
) -> tuple:
    """What the reader sees of one thread already read with ``readable_thread`` (its
    ``replies`` are the ones the reader may see), with their own "me too" and following, and
    how far each reply reached when they may see that."""
    supported = db.session.scalar(
        select(func.count(ThreadSupport.id)).where(
            ThreadSupport.thread_id == thread.id, ThreadSupport.account_id == account.id
        )
    )
    following = db.session.scalar(
        select(func.count(ThreadFollower.id)).where(
            ThreadFollower.thread_id == thread.id, ThreadFollower.account_id == account.id
        )
    )
    history = db.session.execute(
        select(StatusChange.id, Account.display_name)
        .outerjoin(Account, Account.id == StatusChange.actor_id)
        .where(StatusChange.thread_id == thread.id)
    ).all()
    audit = db.session.scalar(
        select(func.max(AuditEvent.id)).where(AuditEvent.commune_id == thread.commune_id)
    )
    category = thread.category
    return (
        account.id,
        role,
        thread.commune.slug,
        tuple(getattr(thread, column.key) for column in CHANGING),
        thread.hidden_reason,
        thread.author.display_name if thread.author else None,
        is_overdue(thread),
        thread.supporters,
        (category.name, category.code, category.personal) if category else None,
        tuple((c.id, c.fixed, c.rating) for c in thread.confirmations),
        tuple(
            (r.id, r.hidden_at, r.hidden_reason, r.author.display_name if r.author else None)
            for r in thread.replies
        ),
        tuple(map(tuple, history)),
        supported,
        following,
        audit,
        sorted((reach or {}).items()),
    )
