"""The public accountability figures of a commune, and of every commune of a province, ranked
(issue 14; docs/accountability.md explains each figure to an official).

Everything is about the threads a commune **received** in the window (the last ``days`` days up
to now), whatever their kind or visibility: a question only the officials see counts like any
other, but no figure carries a word of it. The one exception is ``overdue_now``, which counts
every open thread of the commune whose deadline has passed, however old (an old unanswered
question is the most overdue of all).

Three SQL queries for any number of communes (the window's threads with the open ones, their
status changes aggregated per thread, their confirmations) and one for the provinces' days
off; the rest is arithmetic here, the same on SQLite and PostgreSQL. Working hours are counted
with each commune's calendar (``app.accountability.working_time``), like its deadlines.

This lives with the statistics (``admin``), not in ``accountability``: it reads threads, and
threads read the working calendar, so ``accountability`` must stay below them.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from app.accountability.models import DayOff
from app.accountability.working_time import WorkingCalendar
from app.communes.models import DEMO_CODE, Commune
from app.communes.provinces import official_province
from app.errors import NotFound
from app.extensions import db
from app.models_base import as_utc, utcnow
from app.threads.deadlines import is_overdue
from app.threads.models import OPEN_STATUSES, Confirmation, StatusChange, Thread

DEFAULT_DAYS = 30
MAX_DAYS = 365
CLOSED_STATUSES = ("resolved", "declined")
# A rating of 4 or 5 (of 5) is a satisfied resident.
SATISFIED_RATING = 4


@dataclass(frozen=True)
class Ratio:
    """``count`` of ``of``: a rate a reader can check; no rate when there is nothing to divide."""

    count: int = 0
    of: int = 0

    @property
    def rate(self) -> float | None:
        return self.count / self.of if self.of else None

    @property
    def exact(self) -> Fraction | None:
        return Fraction(self.count, self.of) if self.of else None

    def plus(self, hit: bool) -> Ratio:
        return Ratio(self.count + int(hit), self.of + 1)


@dataclass(frozen=True)
class Window:
    """The last ``days`` days up to ``until`` (now): threads created from ``since`` on."""

    days: int
    since: datetime
    until: datetime


def window(days: int, now: datetime | None = None) -> Window:
    until = as_utc(now or utcnow()).astimezone(UTC)
    return Window(days=days, since=until - timedelta(days=days), until=until)


@dataclass
class Figures:
    """One commune's figures over a window (see the module's docstring and the docs)."""

    received: int = 0
    urgent: int = 0
    answered: int = 0
    declined: int = 0
    # Closed as another thread's duplicate: followed up there, so not counted as declined.
    duplicates: int = 0
    answered_on_time: Ratio = Ratio()
    resolved_on_time: Ratio = Ratio()
    overdue_now: int = 0
    confirmed_fixed: Ratio = Ratio()
    satisfied: Ratio = Ratio()
    rated: Ratio = Ratio()
    # Working hours from asking to the first official answer, of each answered thread.
    response_hours: list[float] = field(default_factory=list)

    @property
    def median_first_response_hours(self) -> float | None:
        return statistics.median(self.response_hours) if self.response_hours else None

    @property
    def measured(self) -> bool:
        """Whether any answer deadline has come: otherwise there is nothing to rank."""
        return self.answered_on_time.of > 0


@dataclass(frozen=True)
class Ranked:
    """A commune in its province's table: ``rank`` is None when nothing could be measured."""

    commune: Commune
    figures: Figures
    rank: int | None


@dataclass(frozen=True)
class ProvinceTable:
    code: str
    name: str
    window: Window
    communes: list[Ranked]


# --- calendars ----------------------------------------------------------------------------------


def calendars_for(communes: Iterable[Commune]) -> dict[str | None, WorkingCalendar]:
    """Each province's working calendar (office hours, holidays, its days off), by the
    province's code as communes carry it; one query for all of them."""
    provinces = {commune.province_code for commune in communes}
    coded = sorted(code for code in provinces if code)
    days_off: dict[str | None, list] = defaultdict(list)
    if coded:
        rows = db.session.execute(
            select(DayOff.province_code, DayOff.day).where(DayOff.province_code.in_(coded))
        )
        for province, day in rows:
            days_off[province].append(day)
    config = current_app.config
    return {
        province: WorkingCalendar.from_settings(
            hours=config["WORKING_HOURS"], days=config["WORKING_DAYS"], days_off=days_off[province]
        )
        for province in provinces
    }


# --- the figures ---------------------------------------------------------------------------------


def figures_by_commune(communes: Sequence[Commune], win: Window) -> dict[int, Figures]:
    """The figures of each commune (by id) over ``win``, in three queries whatever the count."""
    result = {commune.id: Figures() for commune in communes}
    if not communes:
        return result
    ids = list(result)
    in_window = and_(
        Thread.commune_id.in_(ids), Thread.created_at >= win.since, Thread.created_at <= win.until
    )
    threads = db.session.execute(
        select(
            Thread.id,
            Thread.commune_id,
            Thread.status,
            Thread.urgent,
            Thread.created_at,
            Thread.respond_by,
            Thread.resolve_by,
            Thread.first_response_at,
            Thread.duplicate_of_id,
        ).where(
            Thread.commune_id.in_(ids),
            or_(in_window, Thread.status.in_(OPEN_STATUSES)),
        )
    ).all()
    closed = case((StatusChange.to_status.in_(CLOSED_STATUSES), StatusChange.created_at))
    changes = {
        thread_id: (closed_at, resolutions)
        for thread_id, closed_at, resolutions in db.session.execute(
            select(
                StatusChange.thread_id,
                func.max(closed),
                func.count(case((StatusChange.to_status == "resolved", StatusChange.id))),
            )
            .join(Thread, Thread.id == StatusChange.thread_id)
            .where(in_window)
            .group_by(StatusChange.thread_id)
        )
    }
    confirmations = db.session.execute(
        select(Thread.commune_id, Confirmation.fixed, Confirmation.rating)
        .join(Thread, Thread.id == Confirmation.thread_id)
        .where(in_window)
    ).all()

    calendars = calendars_for(communes)
    calendar_of = {commune.id: calendars[commune.province_code] for commune in communes}
    now = win.until
    resolutions: dict[int, int] = defaultdict(int)
    for row in threads:
        figures = result[row.commune_id]
        # ``is_overdue`` reads only the status and the three times: a row is enough.
        if is_overdue(row, now):  # type: ignore[arg-type]
            figures.overdue_now += 1
        created = as_utc(row.created_at)
        if not win.since <= created <= now:
            continue  # an open thread from before the window: only overdue_now counts it
        figures.received += 1
        figures.urgent += int(row.urgent)
        if row.status == "declined":
            if row.duplicate_of_id is None:
                figures.declined += 1
            else:
                figures.duplicates += 1
        closed_at, resolved_times = changes.get(row.id, (None, 0))
        resolutions[row.commune_id] += resolved_times
        _answer(figures, row, calendar_of[row.commune_id], now)
        _settlement(figures, row, closed_at, now)
    for commune_id, fixed, rating in confirmations:
        figures = result[commune_id]
        figures.confirmed_fixed = figures.confirmed_fixed.plus(fixed)
        if rating is not None:
            figures.satisfied = figures.satisfied.plus(rating >= SATISFIED_RATING)
    for commune_id, figures in result.items():
        figures.rated = Ratio(figures.satisfied.of, resolutions[commune_id])
    return result


def _answer(figures: Figures, row, calendar: WorkingCalendar, now: datetime) -> None:
    """The first answer: on time or late, and how many working hours it took."""
    created = as_utc(row.created_at)
    answered_at = as_utc(row.first_response_at) if row.first_response_at else None
    if answered_at is not None:
        figures.answered += 1
        hours = calendar.between(created, answered_at).total_seconds() / 3600
        figures.response_hours.append(hours)
    if row.respond_by is None:
        return  # asked before deadlines existed: nothing to be on time for
    due = as_utc(row.respond_by)
    if answered_at is not None:
        figures.answered_on_time = figures.answered_on_time.plus(answered_at <= due)
    elif due < now:
        figures.answered_on_time = figures.answered_on_time.plus(False)
    # Not answered and not due yet: not counted for or against anyone.


def _settlement(figures: Figures, row, closed_at: datetime | None, now: datetime) -> None:
    """Resolved or declined (with its reason) by ``resolve_by``; still open past it is late."""
    if row.resolve_by is None:
        return
    due = as_utc(row.resolve_by)
    if row.status in CLOSED_STATUSES:
        on_time = closed_at is not None and as_utc(closed_at) <= due
        figures.resolved_on_time = figures.resolved_on_time.plus(on_time)
    elif due < now:
        figures.resolved_on_time = figures.resolved_on_time.plus(False)


def commune_figures(commune: Commune, win: Window) -> Figures:
    return figures_by_commune([commune], win)[commune.id]


# --- provinces -----------------------------------------------------------------------------------


def province_name(code: str) -> str:
    """The province's name in the 2025 list of 34 provinces; NotFound for any other code."""
    province = official_province(code)
    if province is None:
        raise NotFound(_("There is no province with this code."))
    return province.name


def rank_key(figures: Figures) -> tuple[Fraction, Fraction]:
    """Higher is better: the share answered on time, then the share settled on time (a commune
    with no settlement due yet comes after those with one)."""
    answered = figures.answered_on_time.exact
    resolved = figures.resolved_on_time.exact
    return (
        answered if answered is not None else Fraction(-1),
        resolved if resolved is not None else Fraction(-1),
    )


def rank(rows: Iterable[tuple[Commune, Figures]]) -> list[Ranked]:
    """Best first. Equal shares (both of them, exactly) share a rank and the next rank skips
    (1, 2, 2, 4); inside a tie, and among the unranked, the commune that received more comes
    first, then by name. A commune with no answer due yet has no rank and comes last."""
    rows = list(rows)
    measured = [(c, f) for c, f in rows if f.measured]
    unmeasured = [(c, f) for c, f in rows if not f.measured]

    def order(item: tuple[Commune, Figures]) -> tuple:
        commune, figures = item
        answered, resolved = rank_key(figures)
        return (-answered, -resolved, -figures.received, commune.name.casefold(), commune.slug)

    ranked: list[Ranked] = []
    previous: tuple[Fraction, Fraction] | None = None
    for position, (commune, figures) in enumerate(sorted(measured, key=order), start=1):
        key = rank_key(figures)
        place = ranked[-1].rank if key == previous and ranked else position
        ranked.append(Ranked(commune, figures, place))
        previous = key
    ranked.extend(Ranked(c, f, None) for c, f in sorted(unmeasured, key=order))
    return ranked


def province_table(code: str, win: Window) -> ProvinceTable:
    """Every commune whose ``province_code`` is ``code`` (the demo commune never), ranked."""
    name = province_name(code)
    communes = list(
        db.session.scalars(
            select(Commune)
            .where(
                Commune.province_code == code,
                or_(Commune.code.is_(None), Commune.code != DEMO_CODE),
            )
            .order_by(Commune.id)
        )
    )
    figures = figures_by_commune(communes, win)
    table = rank((commune, figures[commune.id]) for commune in communes)
    return ProvinceTable(code=code, name=name, window=win, communes=table)
