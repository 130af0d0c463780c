"""Statistics per commune, rolled up per province and in total (two tiers since 2025).

Every figure is computed in Python from a handful of SQL aggregates that run the same on SQLite
and PostgreSQL (counts grouped by commune, a week number from a ``CASE`` over week boundaries
computed here, the first official answer per thread with ``MIN``): no date functions of either
database are used.

Definitions (see docs/admin.md):

- weeks are ISO weeks (Monday to Sunday) in the service's time zone (``BABEL_DEFAULT_TIMEZONE``);
  the window is the last ``weeks`` weeks, the current one included;
- ``members`` and ``push_members``: residents (officials are counted apart), and those of them
  with at least one push subscription, now;
- ``opened[i]``: threads created in week i; ``resolved[i]``: threads moved to ``resolved`` in
  week i (a thread resolved again in another week counts in both);
- first answer: the first reply by an official (not hidden) to a thread opened in the window;
  median and 90th percentile (nearest rank) over the answered ones;
- ``within_24h_share``: answered within 24 hours, over the threads that are answered or have
  waited 24 hours already (a thread asked an hour ago is not counted against anyone yet);
- push reach: over announcements made in the window, deliveries that reached the phone
  (``sent``) over the subscriptions they went to (every delivery row, whatever its outcome);
- a province is the commune's official province code when it has one (``"91"``, shown with
  the list's name, "An Giang", whatever spelling the commune carries), else its province name;
  districts are no level since 1 July 2025 (a commune's district is history only);
- the demo commune (``flask demo``, code ``DEMO``) is in no roll-up: it is not real use.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, distinct, exists, func, select

from app.announcements.models import Announcement
from app.communes.models import DEMO_CODE, Commune
from app.communes.provinces import find_province
from app.extensions import db
from app.membership.models import OFFICIAL, RESIDENT, Membership
from app.models_base import as_utc
from app.push.models import KIND_ANNOUNCEMENT, SENT, Delivery, PushMessage, PushSubscription
from app.threads.models import Reply, StatusChange, Thread

DAY = 24 * 3600
DEFAULT_WEEKS = 12
MAX_WEEKS = 52
# Below this many threads the public page shows no response figures: too few to mean much,
# and few enough to point at someone.
PUBLIC_MINIMUM = 5
CHUNK = 500
# Buckets of the response-time chart: (upper bound in seconds, label key).
ANSWER_BUCKETS = ((3600, "1h"), (4 * 3600, "4h"), (DAY, "24h"), (3 * DAY, "3d"), (None, "more"))


@dataclass(frozen=True)
class Window:
    """``edges``: weeks + 1 instants (UTC), each a Monday 00:00 local; ``labels``: ISO weeks."""

    edges: tuple[datetime, ...]
    labels: tuple[str, ...]
    now: datetime

    @property
    def since(self) -> datetime:
        return self.edges[0]

    @property
    def until(self) -> datetime:
        return self.edges[-1]


def window(now: datetime, weeks: int, timezone: str) -> Window:
    """The last ``weeks`` ISO weeks up to and including the one ``now`` falls in."""
    zone = ZoneInfo(timezone)
    today = as_utc(now).astimezone(zone).date()
    first: date = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    mondays = [first + timedelta(weeks=index) for index in range(weeks + 1)]
    edges = tuple(datetime.combine(day, time(), zone).astimezone(UTC) for day in mondays)
    labels = tuple(
        f"{day.isocalendar().year}-W{day.isocalendar().week:02d}" for day in mondays[:-1]
    )
    return Window(edges=edges, labels=labels, now=as_utc(now))


@dataclass
class Figures:
    """The raw counts of one commune or of a group of them; ``merge`` adds another's."""

    weeks: int
    members: int = 0
    push_members: int = 0
    officials: int = 0
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    answer_seconds: list[float] = field(default_factory=list)
    due: int = 0
    within_day: int = 0
    announcements: int = 0
    push_subscriptions: int = 0
    push_delivered: int = 0

    def __post_init__(self) -> None:
        self.opened = self.opened or [0] * self.weeks
        self.resolved = self.resolved or [0] * self.weeks

    def merge(self, other: Figures) -> Figures:
        for name in (
            "members",
            "push_members",
            "officials",
            "due",
            "within_day",
            "announcements",
            "push_subscriptions",
            "push_delivered",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.opened = [a + b for a, b in zip(self.opened, other.opened, strict=True)]
        self.resolved = [a + b for a, b in zip(self.resolved, other.resolved, strict=True)]
        self.answer_seconds.extend(other.answer_seconds)
        return self

    def is_empty(self) -> bool:
        """Nothing to add: every count zero (what ``merge`` would add is nothing)."""
        return not (
            self.members
            or self.push_members
            or self.officials
            or self.due
            or self.within_day
            or self.announcements
            or self.push_subscriptions
            or self.push_delivered
            or self.answer_seconds
            or any(self.opened)
            or any(self.resolved)
        )

    # --- derived figures ---

    @property
    def answered(self) -> int:
        return len(self.answer_seconds)

    @property
    def waiting(self) -> int:
        """Threads that have waited 24 hours or more and have no official answer yet."""
        return self.due - self.answered

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.answer_seconds) if self.answer_seconds else None

    @property
    def p90_seconds(self) -> float | None:
        return percentile(self.answer_seconds, 90)

    @property
    def within_24h_share(self) -> float | None:
        return self.within_day / self.due if self.due else None

    @property
    def push_reach(self) -> float | None:
        if not self.push_subscriptions:
            return None
        return self.push_delivered / self.push_subscriptions

    def answer_buckets(self) -> list[tuple[str, int]]:
        """How many answers came within 1 h, 4 h, 24 h, 3 days, later; and how many wait."""
        counts = dict.fromkeys((key for _bound, key in ANSWER_BUCKETS), 0)
        for seconds in self.answer_seconds:
            for bound, key in ANSWER_BUCKETS:
                if bound is None or seconds <= bound:
                    counts[key] += 1
                    break
        return [*counts.items(), ("waiting", self.waiting)]

    @property
    def enough_for_public(self) -> bool:
        return self.due >= PUBLIC_MINIMUM


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or
    below it (p90 of 10 values is the 9th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# --- the queries ----------------------------------------------------------------------------


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _week_of(column: Any, win: Window) -> ColumnElement[int]:
    """``CASE WHEN t < monday1 THEN 0 WHEN t < monday2 THEN 1 ... END`` (rows outside the
    window are filtered out by the caller)."""
    return case(
        *[(column < edge, index) for index, edge in enumerate(win.edges[1:])],
        else_=len(win.edges) - 1,
    )


def _in_window(column: Any, win: Window) -> ColumnElement[bool]:
    return (column >= win.since) & (column < win.until)


def compute(communes: Iterable[Commune], win: Window) -> dict[int, Figures]:
    """Figures per commune id for ``communes`` over the window."""
    ids = [commune.id for commune in communes]
    weeks = len(win.labels)
    figures = {commune_id: Figures(weeks) for commune_id in ids}
    for chunk in _chunks(ids):
        _members(chunk, figures)
        _weekly(chunk, win, figures)
        _first_answers(chunk, win, figures)
        _push(chunk, win, figures)
    return figures


def _members(ids: list[int], figures: dict[int, Figures]) -> None:
    rows = db.session.execute(
        select(Membership.commune_id, Membership.role, func.count(Membership.id))
        .where(Membership.commune_id.in_(ids))
        .group_by(Membership.commune_id, Membership.role)
    ).all()
    for commune_id, role, count in rows:
        if role == RESIDENT:
            figures[commune_id].members += count
        elif role == OFFICIAL:
            figures[commune_id].officials += count
    subscribed = exists().where(PushSubscription.account_id == Membership.account_id)
    rows = db.session.execute(
        select(Membership.commune_id, func.count(distinct(Membership.account_id)))
        .where(Membership.commune_id.in_(ids), Membership.role == RESIDENT, subscribed)
        .group_by(Membership.commune_id)
    ).all()
    for commune_id, count in rows:
        figures[commune_id].push_members = count


def _weekly(ids: list[int], win: Window, figures: dict[int, Figures]) -> None:
    opened = (
        select(Thread.commune_id, _week_of(Thread.created_at, win).label("week"))
        .where(Thread.commune_id.in_(ids), _in_window(Thread.created_at, win))
        .subquery()
    )
    for commune_id, week, count in db.session.execute(
        select(opened.c.commune_id, opened.c.week, func.count()).group_by(
            opened.c.commune_id, opened.c.week
        )
    ):
        figures[commune_id].opened[week] += count
    resolved = (
        select(
            Thread.commune_id,
            StatusChange.thread_id,
            _week_of(StatusChange.created_at, win).label("week"),
        )
        .join(Thread, Thread.id == StatusChange.thread_id)
        .where(
            Thread.commune_id.in_(ids),
            StatusChange.to_status == "resolved",
            _in_window(StatusChange.created_at, win),
        )
        .distinct()
        .subquery()
    )
    for commune_id, week, count in db.session.execute(
        select(resolved.c.commune_id, resolved.c.week, func.count()).group_by(
            resolved.c.commune_id, resolved.c.week
        )
    ):
        figures[commune_id].resolved[week] += count


def _first_answers(ids: list[int], win: Window, figures: dict[int, Figures]) -> None:
    first = (
        select(Reply.thread_id, func.min(Reply.created_at).label("answered_at"))
        .where(Reply.author_role == OFFICIAL, Reply.hidden_at.is_(None))
        .group_by(Reply.thread_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Thread.commune_id, Thread.created_at, first.c.answered_at)
        .outerjoin(first, first.c.thread_id == Thread.id)
        .where(Thread.commune_id.in_(ids), _in_window(Thread.created_at, win))
    ).all()
    for commune_id, created_at, answered_at in rows:
        target = figures[commune_id]
        asked = as_utc(created_at)
        if answered_at is not None:
            seconds = max(0.0, (as_utc(answered_at) - asked).total_seconds())
            target.answer_seconds.append(seconds)
            target.due += 1
            if seconds <= DAY:
                target.within_day += 1
        elif (win.now - asked).total_seconds() >= DAY:
            target.due += 1


def _push(ids: list[int], win: Window, figures: dict[int, Figures]) -> None:
    for commune_id, count in db.session.execute(
        select(Announcement.commune_id, func.count(Announcement.id))
        .where(Announcement.commune_id.in_(ids), _in_window(Announcement.created_at, win))
        .group_by(Announcement.commune_id)
    ):
        figures[commune_id].announcements = count
    for commune_id, state, count in db.session.execute(
        select(PushMessage.commune_id, Delivery.state, func.count(Delivery.id))
        .join(Delivery, Delivery.message_id == PushMessage.id)
        .where(
            PushMessage.commune_id.in_(ids),
            PushMessage.kind == KIND_ANNOUNCEMENT,
            _in_window(PushMessage.created_at, win),
        )
        .group_by(PushMessage.commune_id, Delivery.state)
    ):
        figures[commune_id].push_subscriptions += count
        if state == SENT:
            figures[commune_id].push_delivered += count


# --- roll-ups ---------------------------------------------------------------------------------


@dataclass
class Report:
    """Figures of a set of communes: each, per province, and in total.

    ``provinces``: ``(code, name, figures)``, the code ``None`` for communes whose province is
    not one of the official list (grouped by the name they carry)."""

    window: Window
    communes: list[tuple[Commune, Figures]]
    provinces: list[tuple[str | None, str | None, Figures]]
    total: Figures


def _sort_key(value: str | None) -> tuple[bool, str]:
    return (value is None, value or "")


def _province_of(commune: Commune) -> tuple[str | None, str | None]:
    """The commune's province as the roll-up groups it: (code, the list's name), or
    (None, the name it carries)."""
    if commune.province_code is not None:
        province = find_province(commune.province_code)
        return commune.province_code, province.name if province else commune.province
    return None, commune.province


def report(communes: Sequence[Commune], win: Window) -> Report:
    """The roll-up of ``communes``, the demo commune left out (it is not real use)."""
    communes = [commune for commune in communes if commune.code != DEMO_CODE]
    per_commune = compute(communes, win)
    weeks = len(win.labels)
    provinces: dict[tuple[str | None, str | None], Figures] = defaultdict(lambda: Figures(weeks))
    total = Figures(weeks)
    ordered = sorted(
        communes,
        key=lambda c: (_sort_key(c.province_code), _sort_key(c.province), c.name, c.id),
    )
    for commune in ordered:
        figures = per_commune[commune.id]
        province = provinces[_province_of(commune)]  # listed even when it has nothing yet
        # Most of a country's communes have nothing in a week: adding zeros is most of the
        # cost of a roll-up of 3,321 (merge reads ``figures``, never keeps its lists).
        if not figures.is_empty():
            province.merge(figures)
            total.merge(figures)
    return Report(
        window=win,
        communes=[(commune, per_commune[commune.id]) for commune in ordered],
        provinces=[
            (code, name, figures)
            for (code, name), figures in sorted(
                provinces.items(), key=lambda item: (_sort_key(item[0][0]), _sort_key(item[0][1]))
            )
        ],
        total=total,
    )
