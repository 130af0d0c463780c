"""The delivery worker: claims due deliveries, encrypts, signs once per push service, sends.

Any number of workers may run against one database. A claim is a lease (owner + expiry) set by
an UPDATE that only succeeds on unleased rows, so two workers never hold the same row; on
PostgreSQL the candidate rows are also picked with ``FOR UPDATE SKIP LOCKED`` so workers do not
queue behind each other. A live worker renews the leases of the rows it holds every third of
the lease (20 s), so a killed worker's rows become claimable again within 20 s.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.database import writing_transactions
from app.extensions import db
from app.models_base import as_utc, utcnow
from app.push.encryption import InvalidSubscriptionKeys, SubscriberKeys, encrypt
from app.push.endpoints import (
    EndpointNotAllowed,
    GuardedResolver,
    NonPublicAddress,
    check_endpoint,
)
from app.push.keys import allowed_hosts, vapid_key
from app.push.models import EXPIRED, FAILED, PENDING, SENT, Delivery, PushMessage, PushSubscription
from app.push.payloads import shrink_payload
from app.push.services import clear_failures, count_failures, delete_subscriptions, expand
from app.push.subject import vapid_subject
from app.push.vapid import VapidSigner, endpoint_origin

log = logging.getLogger("app.push.worker")

MAX_ATTEMPTS = 8
NON_PUBLIC = "non-public address"
NOT_ALLOWED = "endpoint not allowed"
REDIRECT = "redirect not followed"
RETIRED = "subscription retired"
# Errors that no retry can fix.
FINAL_ERRORS = ("ttl passed", "bad keys", NON_PUBLIC, NOT_ALLOWED, REDIRECT, RETIRED)
# 400/403 this many times in a row (and the push service accepts others): the subscription is
# dead on the push service's side (revoked, or made with another key), so it is retired.
RETIRE_AFTER = 3
# What is read of a push service's answer: its reason, never a body of any size.
MAX_ANSWER_BYTES = 2048
RECORD_EVERY = 100
BACKOFF_BASE_S = 10.0
BACKOFF_CAP_S = 3600.0
# 401/403 this many times in a row from one push service: our VAPID set-up is wrong.
AUTH_FAILURE_ALARM = 3


@dataclass
class Job:
    """One claimed delivery with everything needed to send it (detached from the session)."""

    delivery_id: int
    subscription_id: int | None
    endpoint: str | None
    p256dh: str | None
    auth: str | None
    payload: str
    topic: str
    urgency: str
    expires_at: datetime
    attempts: int
    shrunk: bool
    failures: int = 0  # the subscription's 400/403 answers in a row so far
    retired: bool = False


@dataclass
class Outcome:
    job: Job
    status: int | None = None  # HTTP status, None for a network error or timeout
    error: str | None = None
    retry_after: float | None = None
    shrunk: bool = False
    reason: str | None = None  # the push service's own words with a 4xx/5xx
    origin: str | None = None


@dataclass
class WorkerStats:
    sent: int = 0
    failed: int = 0
    expired: int = 0
    retried: int = 0
    batches: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


def backoff_delay(attempts: int) -> float:
    """Exponential backoff with jitter: spread retries so a recovering service is not stormed."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))
    return random.uniform(ceiling / 2, ceiling)


def parse_retry_after(value: str | None, default: float = 60.0) -> float:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return default


class PushWorker:
    """Runs delivery batches until stopped (or, with ``until_idle``, until nothing is due)."""

    def __init__(
        self,
        app: Flask,
        *,
        batch_size: int = 500,
        concurrency: int = 100,
        lease_seconds: float = 20.0,
        idle_sleep: float = 0.5,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
    ) -> None:
        self.app = app
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.lease = timedelta(seconds=lease_seconds)
        self.idle_sleep = idle_sleep
        self.timeout = aiohttp.ClientTimeout(
            total=None,
            connect=connect_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )
        self.owner = str(uuid.uuid4())
        # Rows leased to this worker and not yet recorded: their leases are renewed while it
        # lives, so a short lease frees a dead worker's rows soon without a slow push service
        # ever letting a live worker's rows go to another.
        self._held: set[int] = set()
        self.signer = VapidSigner(vapid_key(app), vapid_subject(app))
        self.rules = allowed_hosts(app)
        # Push services that accepted a message from this worker: proof that our VAPID
        # signature is good there, so a 400/403 is the subscription's fault, not ours.
        self._accepted_origins: set[str] = set()
        self._checked_origins: dict[str, str | None] = {}  # origin -> refusal, None: allowed
        self.stats = WorkerStats()
        self._stopping = False
        self._blocked_until: dict[str, float] = {}  # push-service origin -> monotonic time
        self._auth_failures: dict[str, int] = {}
        self._postgres = db.engine.dialect.name == "postgresql"

    # --- running --------------------------------------------------------------------------

    def stop(self) -> None:
        """Finish the batch in flight, then return from ``run``."""
        self._stopping = True

    def run(self, *, until_idle: bool = False, install_signals: bool = False) -> WorkerStats:
        with writing_transactions():
            return asyncio.run(self._run(until_idle=until_idle, install_signals=install_signals))

    async def _run(self, *, until_idle: bool, install_signals: bool) -> WorkerStats:
        """Keep the senders fed: claim while earlier sends are in flight, record in batches.

        At most ``2 * concurrency`` jobs are held at once, so a held job is sent long before
        its lease ends even when the push service is slow.
        """
        if install_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop)
        connector = aiohttp.TCPConnector(
            limit=self.concurrency,
            limit_per_host=self.concurrency,
            keepalive_timeout=60,
            resolver=GuardedResolver(self.rules),
        )
        queue: asyncio.Queue[Job] = asyncio.Queue()
        done: list[Outcome] = []
        in_flight = 0
        held_limit = 2 * self.concurrency

        async def sender(http: aiohttp.ClientSession) -> None:
            nonlocal in_flight
            while True:
                job = await queue.get()
                in_flight += 1
                try:
                    done.append(await self.send(http, job))
                except Exception as error:  # a bug must not lose the row: retry it later
                    log.exception("unexpected error sending delivery %s", job.delivery_id)
                    done.append(Outcome(job, error=f"internal: {error.__class__.__name__}"))
                finally:
                    in_flight -= 1

        async with aiohttp.ClientSession(
            connector=connector, timeout=self.timeout, auto_decompress=False
        ) as http:
            senders = [asyncio.create_task(sender(http)) for _ in range(self.concurrency)]
            last_flush = time.monotonic()
            next_poll = 0.0
            renew_every = self.lease.total_seconds() / 3
            next_renewal = time.monotonic() + renew_every
            try:
                while not self._stopping:
                    claimed: list[Job] = []
                    worked = False
                    busy = queue.qsize() + in_flight
                    room = held_limit - busy
                    # Poll the database at once while there is work, gently when there is not.
                    if time.monotonic() >= next_poll and room > 0:
                        worked = self.run_maintenance()
                        claimed = self.claim(min(room, self.batch_size))
                        for job in claimed:
                            queue.put_nowait(job)
                        pause = 0.0 if claimed or worked else (0.05 if busy else self.idle_sleep)
                        next_poll = time.monotonic() + pause
                    busy = queue.qsize() + in_flight
                    # Record often: a row sent but not yet recorded is sent again if this
                    # worker is killed, so the window is kept to ~100 sends or 0.1 s.
                    flush_due = len(done) >= RECORD_EVERY or time.monotonic() - last_flush > 0.1
                    if done and (flush_due or not busy):
                        self.record(done[:])
                        done.clear()
                        last_flush = time.monotonic()
                    if time.monotonic() >= next_renewal:
                        self.renew()
                        next_renewal = time.monotonic() + renew_every
                    if claimed or worked:
                        await asyncio.sleep(0)
                    elif busy:
                        await asyncio.sleep(0.005)
                    elif until_idle and not self._has_due_work():
                        break
                    else:
                        await asyncio.sleep(
                            max(0.0, min(self.idle_sleep, next_poll - time.monotonic()))
                        )
                # Stopping: hand back what was never started, finish what is in flight.
                unsent = [queue.get_nowait() for _ in range(queue.qsize())]
                self.release(unsent)
                while in_flight:
                    await asyncio.sleep(0.01)
                if done:
                    self.record(done[:])
                    done.clear()
            finally:
                for task in senders:
                    task.cancel()
                await asyncio.gather(*senders, return_exceptions=True)
        return self.stats

    # --- database steps ---------------------------------------------------------------------

    def run_maintenance(self) -> bool:
        """Expand new messages into deliveries; True if any was expanded."""
        query = select(PushMessage).where(PushMessage.expanded.is_(False)).order_by(PushMessage.id)
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        worked = False
        for _ in range(20):
            try:
                message = db.session.scalars(query.limit(1)).first()
                if message is None:
                    db.session.rollback()
                    break
                count = expand(message)
                db.session.commit()
                log.info(
                    "message %s (%s) expanded to %d deliveries", message.id, message.kind, count
                )
                worked = True
            except (IntegrityError, OperationalError):
                # Another worker expanded it first, or SQLite was busy: try again next round.
                db.session.rollback()
                break
        return worked

    def _has_due_work(self) -> bool:
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

    def release(self, jobs: list[Job]) -> None:
        """Give back leased rows this worker will not send (it is stopping)."""
        if not jobs:
            return
        self._held.difference_update(job.delivery_id for job in jobs)
        db.session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_([job.delivery_id for job in jobs]),
                Delivery.lease_owner == self.owner,
            )
            .values(lease_until=None, lease_owner=None)
        )
        db.session.commit()

    def claim(self, limit: int | None = None) -> list[Job]:
        """Lease up to ``limit`` (default ``batch_size``) due deliveries to this worker."""
        now = utcnow()
        free = or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)
        candidates = (
            select(Delivery.id)
            .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now, free)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit or self.batch_size)
        )
        if self._postgres:
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
        self._held.update(job.delivery_id for job in jobs)
        return jobs

    def renew(self) -> None:
        """Extend the lease of every row this worker still holds (one UPDATE)."""
        if not self._held:
            return
        try:
            db.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(sorted(self._held)), Delivery.lease_owner == self.owner)
                .values(lease_until=utcnow() + self.lease)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        except OperationalError:
            # Busy or briefly unreachable: the next round tries again, well within the lease.
            db.session.rollback()

    def record(self, outcomes: list[Outcome]) -> None:
        """Write every outcome of a batch in one transaction."""
        # No longer renewed, even if the write below fails: then the leases end and they retry.
        self._held.difference_update(outcome.job.delivery_id for outcome in outcomes)
        now = utcnow()
        updates: list[dict[str, Any]] = []
        gone: set[int] = set()
        recovered: set[int] = set()
        refused: dict[int, str] = {}
        for outcome in outcomes:
            values = self._decide(outcome, now)
            values["id"] = outcome.job.delivery_id
            updates.append(values)
            subscription_id = outcome.job.subscription_id
            if subscription_id is None:
                continue
            if values["state"] == EXPIRED:
                gone.add(subscription_id)
            elif values["state"] == SENT and outcome.job.failures:
                recovered.add(subscription_id)
            elif self._blames_subscription(outcome):
                refused[subscription_id] = f"HTTP {outcome.status}: {outcome.reason or ''}"
        self.stats.batches += 1
        for attempt in range(5):
            try:
                db.session.execute(update(Delivery), updates)
                delete_subscriptions(gone)
                clear_failures(recovered)
                count_failures(refused, retire_after=RETIRE_AFTER)
                db.session.commit()
                return
            except OperationalError:
                db.session.rollback()
                time.sleep(0.2 * (attempt + 1))
        log.error(
            "could not record %d outcomes; their leases will expire and they retry", len(updates)
        )

    def _blames_subscription(self, outcome: Outcome) -> bool:
        """A 400/403 counts against the subscription only where the same push service took
        other messages from us: when it refuses everything (a wrong VAPID_SUBJECT, a clock
        off by hours), the fault is ours, and retiring every subscription would lose them."""
        return outcome.status in (400, 403) and outcome.origin in self._accepted_origins

    def _decide(self, outcome: Outcome, now: datetime) -> dict[str, Any]:
        """Turn one response into the row's next state (the response rules of the issue)."""
        job, status = outcome.job, outcome.status
        attempts = job.attempts + (0 if outcome.error == "deferred" else 1)
        error = outcome.error or outcome.reason
        base = {
            "attempts": attempts,
            "last_status": status,
            "last_error": error[:200] if error else None,
            "lease_until": None,
            "lease_owner": None,
            "shrunk": job.shrunk or outcome.shrunk,
        }
        if status is not None:
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
        if status in (200, 201, 202):
            self.stats.sent += 1
            return {**base, "state": SENT, "sent_at": now}
        if status in (404, 410) or outcome.error == "no subscription":
            self.stats.expired += 1
            return {**base, "state": EXPIRED}
        retryable = status is None or status == 429 or status >= 500
        if outcome.error == "deferred":
            retryable = True
        if not retryable or outcome.error in FINAL_ERRORS:
            self.stats.failed += 1
            return {**base, "state": FAILED}
        delay = outcome.retry_after if outcome.retry_after is not None else backoff_delay(attempts)
        next_at = now + timedelta(seconds=delay)
        if attempts >= MAX_ATTEMPTS or next_at >= job.expires_at:
            self.stats.failed += 1
            return {**base, "state": FAILED, "last_error": "gave up: retries or TTL exhausted"}
        self.stats.retried += 1
        return {**base, "state": PENDING, "next_attempt_at": next_at}

    # --- sending ------------------------------------------------------------------------------

    async def send(self, http: aiohttp.ClientSession, job: Job) -> Outcome:
        if job.endpoint is None or job.p256dh is None or job.auth is None:
            return Outcome(job, error="no subscription")
        if job.retired:
            return Outcome(job, error=RETIRED)
        ttl = int((job.expires_at - utcnow()).total_seconds())
        if ttl <= 0:
            return Outcome(job, error="ttl passed")
        refusal = self._refusal(job.endpoint)
        if refusal is not None:
            return Outcome(job, error=NOT_ALLOWED, reason=refusal)
        origin = endpoint_origin(job.endpoint)
        blocked = self._blocked_until.get(origin, 0.0) - time.monotonic()
        if blocked > 0:
            return Outcome(job, error="deferred", retry_after=blocked)
        try:
            keys = SubscriberKeys.from_b64(job.p256dh, job.auth)
        except InvalidSubscriptionKeys:
            return Outcome(job, error="bad keys")
        payload = shrink_payload(job.payload) if job.shrunk else job.payload
        outcome = await self._post(http, job, origin, keys, payload, ttl)
        if outcome.status == 413 and not job.shrunk:
            # Shrink once, at once; a second 413 fails for good.
            job.shrunk = True
            outcome = await self._post(http, job, origin, keys, shrink_payload(job.payload), ttl)
            outcome.shrunk = True
        return outcome

    def _refusal(self, endpoint: str) -> str | None:
        """Why ``PUSH_ALLOWED_HOSTS`` forbids this endpoint now (None: allowed), checked once
        per origin. Stored endpoints were checked when subscribed, perhaps under other rules;
        and a host written as an address never reaches the guarded resolver."""
        try:
            origin = endpoint_origin(endpoint)
        except ValueError as error:
            return str(error)[:200]
        if origin not in self._checked_origins:
            try:
                check_endpoint(endpoint, self.rules)
                self._checked_origins[origin] = None
            except EndpointNotAllowed as error:
                log.error("refused to send to %s: %s", origin, error)
                self._checked_origins[origin] = str(error)[:200]
        return self._checked_origins[origin]

    async def _post(
        self,
        http: aiohttp.ClientSession,
        job: Job,
        origin: str,
        keys: SubscriberKeys,
        payload: str,
        ttl: int,
    ) -> Outcome:
        assert job.endpoint is not None
        body = encrypt(payload.encode(), keys)
        headers = {
            "TTL": str(ttl),
            "Urgency": job.urgency,
            "Topic": job.topic,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Authorization": self.signer.authorization_for_origin(origin),
        }
        try:
            # Never follow a redirect: its target was never checked against PUSH_ALLOWED_HOSTS
            # (and aiohttp would POST the message there).
            async with http.post(
                job.endpoint, data=body, headers=headers, allow_redirects=False
            ) as response:
                answer = await response.content.read(MAX_ANSWER_BYTES)
                status = response.status
                if 300 <= status < 400:
                    log.error(
                        "push service %s answered %d: the redirect is not followed", origin, status
                    )
                    return Outcome(job, status=status, error=REDIRECT, origin=origin)
                retry_after = None
                if status == 429:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    # The whole push service asked us to slow down, not just this endpoint.
                    self._blocked_until[origin] = time.monotonic() + retry_after
                if status < 300:
                    self._accepted_origins.add(origin)
                self._watch_auth(origin, status)
                reason = None
                if status >= 400:
                    reason = " ".join(answer.decode("utf-8", "replace").split())[:150]
                return Outcome(
                    job, status=status, retry_after=retry_after, reason=reason, origin=origin
                )
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, NonPublicAddress):
                log.error("refused to send to %s: it resolves to a non-public address", origin)
                return Outcome(job, error=NON_PUBLIC)
            return Outcome(job, error=f"network: {error.__class__.__name__}")
        except (aiohttp.ClientError, TimeoutError) as error:
            return Outcome(job, error=f"network: {error.__class__.__name__}")

    def _watch_auth(self, origin: str, status: int) -> None:
        if status in (401, 403):
            count = self._auth_failures.get(origin, 0) + 1
            self._auth_failures[origin] = count
            if count == AUTH_FAILURE_ALARM:
                log.critical(
                    "Push service %s rejected our VAPID signature %d times in a row (HTTP %d). "
                    "Check VAPID_SUBJECT and that instance/vapid_private.pem is the key the "
                    "browsers subscribed with.",
                    origin,
                    count,
                    status,
                )
            else:
                log.warning("push service %s answered %d", origin, status)
        elif status < 400:
            self._auth_failures.pop(origin, None)
        elif status == 400:
            log.warning("push service %s answered 400 (bad request)", origin)
