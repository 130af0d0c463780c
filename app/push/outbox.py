"""The outbox's SQL: expanding messages into deliveries, claiming due ones, recording results.

Any number of workers may run against one database. A claim is a lease (owner + expiry) set by
an UPDATE that only succeeds on unleased rows, so two workers never hold the same row; on
PostgreSQL the candidate rows are also picked with ``FOR UPDATE SKIP LOCKED`` so workers do not
queue behind each other. A live worker renews the leases of the rows it holds (``renew``), so a
killed worker's rows become claimable again once its leases end.

A message is expanded into deliveries a batch at a time (``expand_batch``): however large its
audience, the database selects and writes it, nothing of it is held in a worker's memory, and
sending starts after the first batch.

Who a message goes to is not decided here: ``app/notifications`` registers its audience query
(``register_audience``) and the outbox only runs it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Select, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.types import Boolean, DateTime, Integer, String

from app.extensions import db
from app.models_base import as_utc, utcnow
from app.push.jobs import Decision, Job, SubscriptionEffect
from app.push.models import PENDING, SENT, Delivery, PushMessage, PushSubscription
from app.push.subscriptions import (
    RETIRE_AFTER,
    clear_failures,
    count_failures,
    delete_subscriptions,
)

log = logging.getLogger("app.push.outbox")

#: A message's target subscriptions, as a query selecting ``PushSubscription.id``.
Audience = Callable[[PushMessage], Select[Any]]
# Messages expanded per round at most, so sending is not held up by a burst of events.
EXPANSIONS_PER_ROUND = 20
# Deliveries written per transaction when expanding: a province-wide warning (millions of
# phones) is written a batch at a time, so sending starts after the first batch, other workers
# claim meanwhile, and no transaction or lock lasts longer than one batch.
EXPANSION_BATCH = 5000


def register_audience(app: Flask, audience: Audience) -> None:
    """Tell the outbox who hears of a message (done by ``app.notifications`` at start-up)."""
    app.extensions["push_audience"] = audience


def registered_audience(app: Flask) -> Audience:
    try:
        return app.extensions["push_audience"]
    except KeyError:
        raise RuntimeError(
            "no push audience registered: create_app connects app.notifications"
        ) from None


def _insert_deliveries(message: PushMessage, targets: Select[Any]) -> int:
    """One INSERT ... SELECT of a pending delivery per subscription ``targets`` selects."""
    now = utcnow()
    subscriptions = targets.subquery()
    rows = select(
        literal(message.id, Integer),
        subscriptions.c.id,
        literal(PENDING, String),
        literal(0, Integer),
        literal(now, DateTime(timezone=True)),
        literal(False, Boolean),
        literal(now, DateTime(timezone=True)),
    )
    statement = insert(Delivery).from_select(
        [
            "message_id",
            "subscription_id",
            "state",
            "attempts",
            "next_attempt_at",
            "shrunk",
            "created_at",
        ],
        rows,
    )
    # Counted from RETURNING: psycopg reports no rowcount for INSERT ... SELECT here. At most
    # one batch of ids is read.
    return len(db.session.execute(statement.returning(Delivery.id)).all())


def expand(message: PushMessage, targets: Select[Any]) -> int:
    """Write one pending delivery per target subscription (one INSERT ... SELECT): for the
    small audiences known when a message is queued. Returns how many."""
    count = _insert_deliveries(message, targets)
    message.expanded = True
    return count


def expand_batch(message: PushMessage, targets: Select[Any], limit: int) -> int:
    """Write the next ``limit`` deliveries of a message, in subscription id order, and mark it
    expanded once the audience is exhausted; returns how many were written.

    Where the last batch ended is read back from the deliveries themselves (the highest
    subscription id written, one lookup in the (message, subscription) unique index), so
    nothing else records progress, and a worker killed between batches loses nothing. A
    subscription deleted since (its delivery's subscription_id set to NULL) is no longer in the
    audience, so a lower highest id resumes at the right place all the same. Nothing is read
    into the worker's memory: the database selects and inserts in one statement.
    """
    after = db.session.scalar(
        select(func.max(Delivery.subscription_id)).where(Delivery.message_id == message.id)
    )
    batch = targets.order_by(PushSubscription.id).limit(limit)
    if after is not None:
        batch = batch.where(PushSubscription.id > after)
    count = _insert_deliveries(message, batch)
    if count < limit:
        message.expanded = True
    return count


class Outbox:
    """One worker's view of the outbox: the rows it leased are ``held`` until recorded."""

    def __init__(self, *, owner: str, lease: timedelta, audience: Audience, postgres: bool) -> None:
        self.owner = owner
        self.lease = lease
        self.audience = audience
        self.postgres = postgres
        # Rows leased to this worker and not yet recorded: their leases are renewed while it
        # lives, so a short lease frees a dead worker's rows soon without a slow push service
        # ever letting a live worker's rows go to another.
        self.held: set[int] = set()

    def expand_new(self, batch: int = EXPANSION_BATCH) -> bool:
        """Expand new messages into deliveries, ``batch`` at most per transaction and about
        that many per round (a large audience takes several rounds, with claims between);
        True if any was written."""
        query = select(PushMessage).where(PushMessage.expanded.is_(False)).order_by(PushMessage.id)
        if self.postgres:
            # A message being expanded by another worker is skipped, not waited for.
            query = query.with_for_update(skip_locked=True)
        worked = False
        written = 0
        for _ in range(EXPANSIONS_PER_ROUND):
            if written >= batch:
                break
            try:
                message = db.session.scalars(query.limit(1)).first()
                if message is None:
                    db.session.rollback()
                    break
                count = expand_batch(message, self.audience(message), batch)
                expanded = message.expanded
                db.session.commit()
                written += count
                if expanded:
                    log.info("message %s (%s) expanded", message.id, message.kind)
                worked = worked or count > 0 or expanded
            except (IntegrityError, OperationalError):
                # Another worker expanded it first, or SQLite was busy: try again next round.
                db.session.rollback()
                break
        return worked

    def has_due_work(self) -> bool:
        """Anything to expand, or due now (including rows leased by a worker that died)?"""
        now = utcnow()
        due = db.session.scalar(
            select(Delivery.id)
            .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now)
            .limit(1)
        )
        unexpanded = db.session.scalar(
            select(PushMessage.id).where(PushMessage.expanded.is_(False)).limit(1)
        )
        db.session.rollback()
        return due is not None or unexpanded is not None

    def claim(self, limit: int) -> list[Job]:
        """Lease up to ``limit`` due deliveries to this worker."""
        now = utcnow()
        free = or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)
        candidates = (
            select(Delivery.id)
            .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now, free)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        if self.postgres:
            candidates = candidates.with_for_update(skip_locked=True)
        try:
            ids = list(db.session.scalars(candidates))
            if not ids:
                db.session.rollback()
                return []
            db.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), free)
                .values(lease_until=now + self.lease, lease_owner=self.owner)
            )
            db.session.commit()
        except OperationalError:
            db.session.rollback()
            return []
        # Plain columns, not ORM objects: this runs for every delivery.
        rows = db.session.execute(
            select(
                Delivery.id,
                Delivery.subscription_id,
                PushSubscription.endpoint,
                PushSubscription.p256dh,
                PushSubscription.auth,
                PushMessage.payload,
                PushMessage.topic,
                PushMessage.urgency,
                PushMessage.expires_at,
                Delivery.attempts,
                Delivery.shrunk,
                PushSubscription.failures,
                PushSubscription.retired_at,
            )
            .join(PushMessage, PushMessage.id == Delivery.message_id)
            .outerjoin(PushSubscription, PushSubscription.id == Delivery.subscription_id)
            .where(Delivery.id.in_(ids), Delivery.lease_owner == self.owner)
        ).all()
        jobs = [
            Job(
                *row[:8],
                expires_at=as_utc(row.expires_at),
                attempts=row.attempts,
                shrunk=row.shrunk,
                failures=row.failures or 0,
                retired=row.retired_at is not None,
            )
            for row in rows
        ]
        db.session.rollback()
        self.held.update(job.delivery_id for job in jobs)
        return jobs

    def renew(self) -> None:
        """Extend the lease of every row this worker still holds (one UPDATE)."""
        if not self.held:
            return
        try:
            db.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(sorted(self.held)), Delivery.lease_owner == self.owner)
                .values(lease_until=utcnow() + self.lease)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        except OperationalError:
            # Busy or briefly unreachable: the next round tries again, well within the lease.
            db.session.rollback()

    def release(self, jobs: Sequence[Job]) -> None:
        """Give back leased rows this worker will not send (it is stopping)."""
        if not jobs:
            return
        self.held.difference_update(job.delivery_id for job in jobs)
        db.session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_([job.delivery_id for job in jobs]),
                Delivery.lease_owner == self.owner,
            )
            .values(lease_until=None, lease_owner=None)
        )
        db.session.commit()

    def record(self, results: Sequence[tuple[Job, Decision]]) -> None:
        """Write every decision of a batch in one transaction (and, for the subscriptions:
        forget the gone, clear the recovered, count the refused)."""
        # No longer renewed, even if the write below fails: then the leases end and they retry.
        self.held.difference_update(job.delivery_id for job, _decision in results)
        now = utcnow()
        gone: set[int] = set()
        recovered: set[int] = set()
        refused: dict[int, str] = {}
        # Rows with the same new values (in a fan-out nearly all: sent at the first attempt)
        # are written by one UPDATE ... WHERE id IN (...), not one UPDATE per row.
        groups: dict[tuple[tuple[str, Any], ...], list[int]] = {}
        for job, decision in results:
            values: dict[str, Any] = {
                "state": decision.state,
                "attempts": decision.attempts,
                "last_status": decision.last_status,
                "last_error": decision.last_error,
                "lease_until": None,
                "lease_owner": None,
                "shrunk": decision.shrunk,
            }
            if decision.state == SENT:
                values["sent_at"] = now
            if decision.next_attempt_at is not None:
                values["next_attempt_at"] = decision.next_attempt_at
            groups.setdefault(tuple(values.items()), []).append(job.delivery_id)
            subscription_id = job.subscription_id
            if subscription_id is None:
                continue
            effect = decision.subscription
            if effect is SubscriptionEffect.DELETE:
                gone.add(subscription_id)
            elif effect is SubscriptionEffect.CLEAR_FAILURES:
                recovered.add(subscription_id)
            elif effect in (SubscriptionEffect.COUNT_REFUSAL, SubscriptionEffect.RETIRE):
                # The stored count retires it (not the worker's snapshot): workers sending
                # to one subscription at once still retire it at the third refusal.
                refused[subscription_id] = decision.refusal or ""
        for attempt in range(5):
            try:
                for values, ids in groups.items():
                    db.session.execute(
                        update(Delivery)
                        .where(Delivery.id.in_(ids))
                        .values(dict(values))
                        .execution_options(synchronize_session=False)
                    )
                delete_subscriptions(gone)
                clear_failures(recovered)
                count_failures(refused, retire_after=RETIRE_AFTER)
                db.session.commit()
                return
            except OperationalError:
                db.session.rollback()
                time.sleep(0.2 * (attempt + 1))
        log.error(
            "could not record %d outcomes; their leases will expire and they retry", len(results)
        )
