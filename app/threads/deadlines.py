"""A thread's deadlines: to the first official answer (``respond_by``) and to resolved or
declined (``resolve_by``), counted in the commune's working time (docs/accountability.md).

Both are fixed when the thread is created, with its category's ``response_hours`` and
``resolve_days`` (8 and 5 without a category); an urgent report must be answered within an
hour of clock time, any day. ``first_response_at`` is the first official reply or status
change. The receivers here follow the domain's signals, in the event's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, case, func, or_, select

from app.accountability.models import DayOff
from app.accountability.working_time import WorkingCalendar
from app.communes.models import Commune
from app.extensions import db
from app.membership.models import OFFICIAL
from app.models_base import as_utc, utcnow
from app.signals import reply_added, status_changed, thread_created, thread_duplicated
from app.threads.models import OPEN_STATUSES, Reply, StatusChange, Thread

DEFAULT_RESPONSE_HOURS = 8
DEFAULT_RESOLVE_DAYS = 5
# An urgent report: one hour of clock time, whatever the day or hour.
URGENT_RESPONSE = timedelta(minutes=60)


def calendar_for(commune: Commune) -> WorkingCalendar:
    """The working calendar of a commune: the configured office hours, without Vietnam's
    public holidays and its province's days off."""
    days_off: list = []
    if commune.province_code:
        days_off = list(
            db.session.scalars(
                select(DayOff.day).where(DayOff.province_code == commune.province_code)
            )
        )
    return WorkingCalendar.from_settings(
        hours=current_app.config["WORKING_HOURS"],
        days=current_app.config["WORKING_DAYS"],
        days_off=days_off,
    )


def _hours_and_days(thread: Thread) -> tuple[int, int]:
    category = thread.category
    if category is None:
        return DEFAULT_RESPONSE_HOURS, DEFAULT_RESOLVE_DAYS
    return category.response_hours, category.resolve_days


def respond_deadline(thread: Thread, calendar: WorkingCalendar, start: datetime) -> datetime:
    if thread.urgent:
        return start + URGENT_RESPONSE
    hours, _days = _hours_and_days(thread)
    return calendar.add_hours(start, hours)


def resolve_deadline(thread: Thread, calendar: WorkingCalendar, start: datetime) -> datetime:
    _hours, days = _hours_and_days(thread)
    return calendar.add_days(start, days)


def set_deadlines(thread: Thread, *, now: datetime | None = None) -> None:
    """Fix a new thread's deadlines from when it was asked."""
    start = as_utc(thread.created_at or now or utcnow())
    calendar = calendar_for(thread.commune)
    # Stored in UTC: SQLite keeps no offset.
    thread.respond_by = respond_deadline(thread, calendar, start).astimezone(UTC)
    thread.resolve_by = resolve_deadline(thread, calendar, start).astimezone(UTC)


def restart_resolve_deadline(thread: Thread, now: datetime) -> None:
    """The resolve deadline counts again from ``now`` (the author says it is not fixed)."""
    thread.resolve_by = resolve_deadline(thread, calendar_for(thread.commune), now).astimezone(UTC)
    thread.overdue_notified_at = None  # a new deadline: pushed again if it passes


def is_overdue(thread: Thread, now: datetime | None = None) -> bool:
    """True while a deadline has passed unmet: no first answer by ``respond_by``, or still
    open after ``resolve_by``. A closed thread is never overdue."""
    if thread.status not in OPEN_STATUSES:
        return False
    now = now or utcnow()
    if (
        thread.first_response_at is None
        and thread.respond_by is not None
        and as_utc(thread.respond_by) < now
    ):
        return True
    return thread.resolve_by is not None and as_utc(thread.resolve_by) < now


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """``is_overdue`` in SQL, on ``Thread``."""
    return and_(
        Thread.status.in_(OPEN_STATUSES),
        or_(
            and_(Thread.first_response_at.is_(None), Thread.respond_by < now),
            Thread.resolve_by < now,
        ),
    )


def missed_deadline() -> ColumnElement:
    """In SQL, the deadline an overdue thread missed first: the answer's while it has none,
    else the settlement's (for ordering the longest late first)."""
    return case(
        (
            and_(Thread.first_response_at.is_(None), Thread.respond_by.is_not(None)),
            Thread.respond_by,
        ),
        else_=Thread.resolve_by,
    )


def overdue_threads(commune_ids: Sequence[int], now: datetime, *, limit: int = 200) -> list[Thread]:
    """The overdue threads of these communes, longest late first (hidden ones left out: a
    moderated post is nobody's work)."""
    if not commune_ids:
        return []
    return list(
        db.session.scalars(
            select(Thread)
            .where(
                Thread.commune_id.in_(list(commune_ids)),
                overdue_clause(now),
                Thread.hidden_at.is_(None),
            )
            .order_by(missed_deadline(), Thread.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Late:
    """An overdue thread as the digest's page shows it: which deadline it missed and when."""

    thread: Thread
    unanswered: bool  # the answer's deadline, else the settlement's
    due: datetime
    late_by: timedelta

    @property
    def hours_late(self) -> int:
        """Whole hours of clock time since the deadline passed."""
        return int(self.late_by.total_seconds() // 3600)


def late(thread: Thread, now: datetime) -> Late:
    unanswered = thread.first_response_at is None and thread.respond_by is not None
    due = as_utc(thread.respond_by if unanswered else thread.resolve_by)
    return Late(thread, unanswered, due, now - due)


def overdue_counts(
    now: datetime, where: ColumnElement[bool] | None = None
) -> dict[int, tuple[int, datetime]]:
    """``{commune_id: (overdue threads, the earliest deadline they missed)}`` for the communes
    (``where``: a clause on ``Commune``) that have any, in one query."""
    query = (
        select(Thread.commune_id, func.count(Thread.id), func.min(missed_deadline()))
        .join(Commune, Commune.id == Thread.commune_id)
        .where(overdue_clause(now), Thread.hidden_at.is_(None))
        .group_by(Thread.commune_id)
    )
    if where is not None:
        query = query.where(where)
    return {
        commune_id: (count, as_utc(earliest))
        for commune_id, count, earliest in db.session.execute(query)
    }


def time_left(thread: Thread, now: datetime | None = None) -> timedelta | None:
    """Clock time to the next deadline still ahead of the thread (negative once it passed);
    None for a closed thread or one without deadlines."""
    due = next_deadline(thread)
    return None if due is None else due - (now or utcnow())


def next_deadline(thread: Thread) -> datetime | None:
    """The deadline an open thread must meet next: the answer's until it is answered, then
    the resolution's."""
    if thread.status not in OPEN_STATUSES:
        return None
    if thread.first_response_at is None and thread.respond_by is not None:
        return as_utc(thread.respond_by)
    return as_utc(thread.resolve_by) if thread.resolve_by is not None else None


def _answered(thread: Thread, moment: datetime | None) -> None:
    if thread.first_response_at is None:
        thread.first_response_at = moment or utcnow()
        # The answer's deadline is met (or was pushed as missed): the settlement's is the next
        # one, and the officials hear once more if it passes too.
        thread.overdue_notified_at = None


def on_thread_created(thread: Thread, **_extra: object) -> None:
    set_deadlines(thread)


def on_reply_added(reply: Reply, **_extra: object) -> None:
    if reply.author_role == OFFICIAL:
        _answered(reply.thread, reply.created_at)


def on_status_changed(change: StatusChange, **_extra: object) -> None:
    _answered(change.thread, change.created_at)


def connect_receivers() -> None:
    """Called by create_app (connecting again is a no-op)."""
    thread_created.connect(on_thread_created)
    reply_added.connect(on_reply_added)
    status_changed.connect(on_status_changed)
    # Closing a duplicate is an official's status change: an answer too.
    thread_duplicated.connect(on_status_changed)
