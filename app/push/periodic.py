"""Jobs the push worker runs every so often between its batches (issue 14: an urgent report
nobody answered is pushed to the province's admins).

A job is registered at start-up by the package that owns it (``register_periodic``), as the
audience is; the worker calls it with the time, in its own transaction, and commits what it
wrote. A failing job is logged and rolled back: it must not stop the deliveries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask

from app.extensions import db
from app.models_base import utcnow

log = logging.getLogger("app.push.periodic")

#: A job: does what is due at the given time (not committed), returns how much it did.
Job = Callable[[datetime], int]


@dataclass
class Periodic:
    name: str
    job: Job
    every_s: float
    next_at: float = 0.0  # time.monotonic(): the first run is at the worker's start


def register_periodic(app: Flask, name: str, job: Job, *, every_s: float) -> None:
    """Have the push worker run ``job`` every ``every_s`` seconds (once per name)."""
    jobs: dict[str, Periodic] = app.extensions.setdefault("push_periodic", {})
    jobs[name] = Periodic(name, job, every_s)


def registered_periodic(app: Flask) -> list[Periodic]:
    """Fresh schedules for one worker."""
    jobs: dict[str, Periodic] = app.extensions.get("push_periodic", {})
    return [Periodic(entry.name, entry.job, entry.every_s) for entry in jobs.values()]


def run_due(jobs: list[Periodic]) -> bool:
    """Run the jobs whose time has come; True if any did something."""
    worked = False
    for entry in jobs:
        if time.monotonic() < entry.next_at:
            continue
        entry.next_at = time.monotonic() + entry.every_s
        try:
            done = entry.job(utcnow())
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("periodic job %s failed", entry.name)
            continue
        if done:
            log.info("periodic job %s: %d", entry.name, done)
            worked = True
    return worked
