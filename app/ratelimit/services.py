"""Counting attempts and deciding whether one more is allowed."""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.ratelimit.models import RateCounter


@dataclass(frozen=True)
class Limit:
    name: str
    count: int  # allowed per window
    window_s: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends (when not allowed)


def subject_key(limit: Limit, kind: str, value: str) -> str:
    """A stable key; personal values (emails, addresses) are hashed, never stored as such."""
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{limit.name}:{kind}:{digest}"


def hit(limit: Limit, key: str, *, now: float | None = None) -> Verdict:
    """Count one attempt against ``key``; atomic across processes (one upsert).

    Called before the view, in its own short transaction.
    """
    now = time.time() if now is None else now
    window = int(now // limit.window_s) * limit.window_s
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
    if random.random() < 0.01:
        # Now and then, forget windows that ended more than a day ago.
        db.session.execute(delete(RateCounter).where(RateCounter.window_start < now - 86_400))
    # Committed before the view runs, so the attempt counts even if the request then fails.
    db.session.commit()
    if count > limit.count:
        return Verdict(False, max(1, int(window + limit.window_s - now)))
    return Verdict(True, 0)
