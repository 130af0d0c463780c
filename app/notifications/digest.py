"""The morning digest of overdue threads (issue 14): on each working day, at ``DIGEST_TIME``
(07:00 by default, Asia/Ho_Chi_Minh), each commune's officials get one push listing its overdue
threads, and each admin one push naming the communes of their area that have some. Each opens
the same list as a page (``/w/<slug>/overdue``, ``/admin/overdue``).

Run by the push worker every few minutes (app/push/periodic.py). Each digest is recorded
(``OverdueDigest``, per commune or admin and local day) before it is queued, in the same
transaction: the unique row is the claim, so two workers never both send one, and a worker
started later in the day still sends that day's once. A commune's working days are its own (its
province's days off); the admins' are the country's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, select

from app.accountability.models import OverdueDigest
from app.accountability.working_time import ZONE, WorkingCalendar, parse_clock
from app.accounts.models import Account
from app.communes.areas import managed_clause
from app.communes.models import Commune
from app.extensions import db
from app.models_base import insert_once
from app.notifications.messages import queue_admin_digest, queue_digest
from app.push.models import PushSubscription
from app.push.outbox import expand
from app.threads.deadlines import calendar_for, overdue_counts, overdue_threads

EVERY_S = 300.0


def digest_day(now: datetime) -> date | None:
    """The local day whose digest is due at ``now``, or None before ``DIGEST_TIME``."""
    local = now.astimezone(ZONE)
    if local.time() < parse_clock(current_app.config["DIGEST_TIME"]):
        return None
    return local.date()


def _claim(key: str, day: date, threads: int) -> bool:
    """Record the digest; False when another worker (or an earlier run) already did."""
    done = db.session.scalar(
        select(OverdueDigest.id).where(OverdueDigest.key == key, OverdueDigest.day == day)
    )
    if done is not None:
        return False
    return insert_once(OverdueDigest(key=key, day=day, threads=threads))


def send_digests(now: datetime) -> int:
    """Queue the digests due at ``now`` that were not sent yet; returns how many."""
    day = digest_day(now)
    if day is None:
        return 0
    counts = overdue_counts(now)
    if not counts:
        return 0
    sent = 0
    # Today's digests already sent, in one query: after the first run of the morning, each
    # later one (every five minutes, all day) finds nothing left to do.
    done = set(db.session.scalars(select(OverdueDigest.key).where(OverdueDigest.day == day)))
    waiting = [commune_id for commune_id in counts if f"commune:{commune_id}" not in done]
    communes = db.session.scalars(select(Commune).where(Commune.id.in_(waiting))).all()
    for commune in communes:
        if not calendar_for(commune).is_working_day(day):
            continue
        count, _earliest = counts[commune.id]
        if not _claim(f"commune:{commune.id}", day, count):
            continue
        queue_digest(commune, overdue_threads([commune.id], now, limit=3), count)
        sent += 1
    if national_calendar().is_working_day(day):
        sent += _admin_digests(now, day)
    return sent


def national_calendar() -> WorkingCalendar:
    return WorkingCalendar.from_settings(
        hours=current_app.config["WORKING_HOURS"], days=current_app.config["WORKING_DAYS"]
    )


def _admin_digests(now: datetime, day: date) -> int:
    """One push per admin with a live subscription, for the communes of their area."""
    admins = db.session.scalars(
        select(Account).where(
            Account.is_admin.is_(True),
            Account.id.in_(
                select(PushSubscription.account_id).where(PushSubscription.retired_at.is_(None))
            ),
        )
    ).all()
    done = set(db.session.scalars(select(OverdueDigest.key).where(OverdueDigest.day == day)))
    sent = 0
    for admin in admins:
        if f"admin:{admin.id}" in done:
            continue
        counts = overdue_counts(now, managed_clause(admin))
        if not counts:
            continue
        total = sum(count for count, _earliest in counts.values())
        if not _claim(f"admin:{admin.id}", day, total):
            continue
        communes = _worst_first(counts)
        message = queue_admin_digest(communes, total)
        db.session.flush()
        expand(message, subscriptions_of(admin.id))
        sent += 1
    return sent


def _worst_first(counts: dict[int, tuple[int, datetime]]) -> Sequence[tuple[Commune, int]]:
    communes = {
        commune.id: commune
        for commune in db.session.scalars(select(Commune).where(Commune.id.in_(list(counts))))
    }
    order = sorted(counts, key=lambda commune_id: (-counts[commune_id][0], commune_id))
    return [(communes[commune_id], counts[commune_id][0]) for commune_id in order]


def subscriptions_of(account_id: int) -> Select[Any]:
    return select(PushSubscription.id).where(
        PushSubscription.account_id == account_id, PushSubscription.retired_at.is_(None)
    )
