"""The delivery worker's loop: keep the sender fed from the outbox, record what came of it.

The SQL is in ``outbox.py``, the HTTP and the meaning of each answer in ``sender.py``; this
module only paces them: claim while earlier sends are in flight, record in small batches, renew
the leases held every third of the lease, and stop cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import aiohttp
from flask import Flask

from app.database import writing_transactions
from app.extensions import db
from app.models_base import utcnow
from app.push.jobs import Decision, Job, Outcome
from app.push.keys import allowed_hosts, vapid_key
from app.push.models import EXPIRED, FAILED, PENDING, SENT
from app.push.outbox import EXPANSION_BATCH, Outbox, registered_audience
from app.push.periodic import registered_periodic, run_due
from app.push.sender import Sender, decide
from app.push.subject import vapid_subject
from app.push.vapid import VapidSigner

log = logging.getLogger("app.push.worker")

# Record at least this often (sends, or 0.1 s): a row sent but not yet recorded is sent again
# if the worker is killed.
RECORD_EVERY = 100
RECORD_AFTER_S = 0.1


@dataclass
class WorkerStats:
    sent: int = 0
    failed: int = 0
    expired: int = 0
    retried: int = 0
    batches: int = 0
    by_status: dict[int, int] = field(default_factory=dict)

    def count(self, outcome: Outcome, decision: Decision) -> None:
        if outcome.status is not None:
            self.by_status[outcome.status] = self.by_status.get(outcome.status, 0) + 1
        if decision.state == SENT:
            self.sent += 1
        elif decision.state == EXPIRED:
            self.expired += 1
        elif decision.state == FAILED:
            self.failed += 1
        elif decision.state == PENDING:
            self.retried += 1


class PushWorker:
    """Runs delivery batches until stopped (or, with ``until_idle``, until nothing is due)."""

    def __init__(
        self,
        app: Flask,
        *,
        batch_size: int = 500,
        expansion_batch: int = EXPANSION_BATCH,
        concurrency: int = 100,
        lease_seconds: float = 20.0,
        idle_sleep: float = 0.5,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
    ) -> None:
        self.app = app
        self.batch_size = batch_size
        self.expansion_batch = expansion_batch
        self.concurrency = concurrency
        self.idle_sleep = idle_sleep
        self.owner = str(uuid.uuid4())
        self.outbox = Outbox(
            owner=self.owner,
            lease=timedelta(seconds=lease_seconds),
            audience=registered_audience(app),
            postgres=db.engine.dialect.name == "postgresql",
        )
        self.sender = Sender(
            VapidSigner(vapid_key(app), vapid_subject(app)),
            allowed_hosts(app),
            concurrency=concurrency,
            timeout=aiohttp.ClientTimeout(
                total=None,
                connect=connect_timeout,
                sock_connect=connect_timeout,
                sock_read=read_timeout,
            ),
        )
        self.stats = WorkerStats()
        # Jobs due every so often (app/push/periodic.py), run between batches.
        self.periodic = registered_periodic(app)
        self._stopping = False

    def stop(self) -> None:
        """Finish the batch in flight, then return from ``run``."""
        self._stopping = True

    def run(self, *, until_idle: bool = False, install_signals: bool = False) -> WorkerStats:
        with writing_transactions():
            return asyncio.run(self._run(until_idle=until_idle, install_signals=install_signals))

    def record(self, done: list[tuple[Job, Outcome]]) -> None:
        """Decide what each answer means and write the batch."""
        now = utcnow()
        results = []
        for job, outcome in done:
            decision = decide(
                outcome,
                job,
                now=now,
                service_accepts_others=self.sender.accepts(outcome.origin),
                jitter=random.random(),
            )
            self.stats.count(outcome, decision)
            results.append((job, decision))
        self.stats.batches += 1
        self.outbox.record(results)

    async def _run(self, *, until_idle: bool, install_signals: bool) -> WorkerStats:
        """At most ``2 * concurrency`` jobs are held at once, so a held job is sent long before
        its lease ends even when the push service is slow."""
        if install_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop)
        queue: asyncio.Queue[Job] = asyncio.Queue()
        done: list[tuple[Job, Outcome]] = []
        in_flight = 0
        held_limit = 2 * self.concurrency

        async def send_from_queue(sender: Sender) -> None:
            nonlocal in_flight
            while True:
                job = await queue.get()
                in_flight += 1
                try:
                    done.append((job, await sender.send(job)))
                except Exception as error:  # a bug must not lose the row: retry it later
                    log.exception("unexpected error sending delivery %s", job.delivery_id)
                    done.append((job, Outcome(error=f"internal: {error.__class__.__name__}")))
                finally:
                    in_flight -= 1

        async with self.sender as sender:
            tasks = [asyncio.create_task(send_from_queue(sender)) for _ in range(self.concurrency)]
            last_flush = time.monotonic()
            next_poll = 0.0
            renew_every = self.outbox.lease.total_seconds() / 3
            next_renewal = time.monotonic() + renew_every
            try:
                while not self._stopping:
                    claimed: list[Job] = []
                    worked = False
                    busy = queue.qsize() + in_flight
                    room = held_limit - busy
                    # Poll the database at once while there is work, gently when there is not.
                    if time.monotonic() >= next_poll and room > 0:
                        worked = run_due(self.periodic)
                        worked = self.outbox.expand_new(self.expansion_batch) or worked
                        claimed = self.outbox.claim(min(room, self.batch_size))
                        for job in claimed:
                            queue.put_nowait(job)
                        pause = 0.0 if claimed or worked else (0.05 if busy else self.idle_sleep)
                        next_poll = time.monotonic() + pause
                    busy = queue.qsize() + in_flight
                    flush_due = (
                        len(done) >= RECORD_EVERY or time.monotonic() - last_flush > RECORD_AFTER_S
                    )
                    if done and (flush_due or not busy):
                        self.record(done[:])
                        done.clear()
                        last_flush = time.monotonic()
                    if time.monotonic() >= next_renewal:
                        self.outbox.renew()
                        next_renewal = time.monotonic() + renew_every
                    if claimed or worked:
                        await asyncio.sleep(0)
                    elif busy:
                        await asyncio.sleep(0.005)
                    elif until_idle and not self.outbox.has_due_work():
                        break
                    else:
                        await asyncio.sleep(
                            max(0.0, min(self.idle_sleep, next_poll - time.monotonic()))
                        )
                # Stopping: hand back what was never started, finish what is in flight.
                self.outbox.release([queue.get_nowait() for _ in range(queue.qsize())])
                while in_flight:
                    await asyncio.sleep(0.01)
                if done:
                    self.record(done[:])
                    done.clear()
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        return self.stats
