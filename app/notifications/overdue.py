"""A thread whose deadline passed unmet is pushed, once, to its commune's officials (issue
14). Run by the push worker every minute (app/push/periodic.py), as the urgent escalation is;
``Thread.overdue_notified_at`` says the push went out for the deadline the thread now has (an
answer clears it, so a missed settlement is pushed too; so does a resident's "not fixed", which
sets a new settle-by deadline).

Two workers may run at once: each thread is claimed by an UPDATE that only one can win, so it
is pushed once however many run. A deadline that passed long ago (a worker stopped for days) is
left to the morning digest instead of a burst of pushes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select, update

from app.extensions import db
from app.notifications.messages import queue_overdue
from app.threads.deadlines import overdue_clause
from app.threads.models import Thread

EVERY_S = 60.0
PER_RUN = 100
# Deadlines missed further back than this are not pushed one by one (the digest lists them).
LOOKBACK = timedelta(days=2)


def notify_overdue(now: datetime) -> int:
    """Queue one push to the officials for each thread that became overdue and was not yet
    pushed; returns how many were."""
    now = now.astimezone(UTC)
    since = now - LOOKBACK
    recent = or_(
        and_(Thread.first_response_at.is_(None), Thread.respond_by >= since),
        Thread.resolve_by >= since,
    )
    due = select(Thread.id).where(
        overdue_clause(now),
        recent,
        Thread.overdue_notified_at.is_(None),
        Thread.hidden_at.is_(None),
    )
    pushed = 0
    for thread_id in list(db.session.scalars(due.order_by(Thread.id).limit(PER_RUN))):
        claimed = db.session.execute(
            update(Thread)
            .where(Thread.id == thread_id, Thread.overdue_notified_at.is_(None))
            .values(overdue_notified_at=now)
        )
        if claimed.rowcount != 1:
            continue  # another worker had it
        thread = db.session.get(Thread, thread_id)
        assert thread is not None
        queue_overdue(thread)
        pushed += 1
    return pushed
