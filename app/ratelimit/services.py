"""Counting attempts and deciding whether one more is allowed.

Counters are kept per fixed window (one row per key and window), and a limit is judged over a
sliding window: the previous window's count, weighted by how much of it still lies within the
last ``window_s`` seconds, plus this window's. So "400 an hour" holds for any hour, not only
for clock hours: a script cannot take 400 at 9:59 and 400 more at 10:00.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.ratelimit.models import RateCounter

# Windows are at most a day long (app/ratelimit/limits.py); the previous one is still read.
_KEEP_S = 2 * 86_400


@dataclass(frozen=True)
class Limit:
    name: str
    count: int  # allowed per window_s seconds
    window_s: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until one more attempt is allowed (when not allowed)


def subject_key(limit: Limit, kind: str, value: str) -> str:
    """A stable key; personal values (emails, addresses) are hashed, never stored as such."""
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{limit.name}:{kind}:{digest}"


def _window(limit: Limit, now: float) -> int:
    return int(now // limit.window_s) * limit.window_s


def _count_in(key: str, window: int) -> int:
    count = db.session.scalar(
        select(RateCounter.count).where(RateCounter.key == key, RateCounter.window_start == window)
    )
    return count or 0


def _verdict(limit: Limit, previous: int, count: int, window: int, now: float) -> Verdict:
    """Judge ``count`` attempts in this window (this one included) after ``previous``."""
    size, allowed = limit.window_s, limit.count
    still_in = (window + size - now) / size  # share of the previous window still counted
    if previous * still_in + count <= allowed:
        return Verdict(True, 0)
    return Verdict(False, _retry_after(limit, previous, count, window, now))


def _retry_after(limit: Limit, previous: int, count: int, window: int, now: float) -> int:
    """Seconds until one more attempt fits, if nobody tries in between."""
    size, room = limit.window_s, limit.count - 1
    if count <= room and previous > 0:
        # Later in this window, once enough of the previous one has slid out.
        at = window + size * (1 - (room - count) / previous)
        if at < window + size:
            return max(1, math.ceil(at - now))
    # In the next window, once enough of this one has slid out.
    at = window + size + size * max(0.0, 1 - room / count)
    return max(1, math.ceil(at - now))


def peek(limit: Limit, key: str, *, now: float | None = None) -> Verdict:
    """Whether one more attempt against ``key`` would be allowed, without counting it."""
    now = time.time() if now is None else now
    window = _window(limit, now)
    previous = _count_in(key, window - limit.window_s)
    return _verdict(limit, previous, _count_in(key, window) + 1, window, now)


def hit(limit: Limit, key: str, *, now: float | None = None) -> Verdict:
    """Count one attempt against ``key``; atomic across processes (one upsert).

    Called before the view, in its own short transaction.
    """
    now = time.time() if now is None else now
    window = _window(limit, now)
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(RateCounter)
        .values(key=key, window_start=window, count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"count": RateCounter.count + 1}
        )
        .returning(RateCounter.count)
    )
    count = db.session.execute(statement).scalar_one()
    previous = _count_in(key, window - limit.window_s)
    if random.random() < 0.01:
        # Now and then, forget windows that no limit reads any more.
        db.session.execute(delete(RateCounter).where(RateCounter.window_start < now - _KEEP_S))
    # Committed before the view runs, so the attempt counts even if the request then fails.
    db.session.commit()
    return _verdict(limit, previous, count, window, now)
