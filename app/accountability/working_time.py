"""Working-time arithmetic: when a deadline of N working hours (or days) falls, and how much
working time lies between two moments.

Pure: no database, no request, no app. Working time is the commune's office hours in
``Asia/Ho_Chi_Minh`` (by default Monday to Friday, 07:30-11:30 and 13:30-17:00, the
``WORKING_HOURS`` and ``WORKING_DAYS`` settings), on every day that is neither a public holiday
of Vietnam (the ``holidays`` package, which knows Tết and the other lunar dates) nor a day off
given for the province. A working day is one day's worth of working hours (7.5 by default), so
"5 working days" from Friday 15:00 ends the next Friday at 15:00, and from a Tết eve it ends
after the holiday.

All arithmetic is in whole seconds of local time, so no rounding drifts across periods.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_WORKING_HOURS = ("07:30-11:30", "13:30-17:00")
# ISO weekdays: 1 is Monday, 7 is Sunday.
DEFAULT_WORKING_DAYS = (1, 2, 3, 4, 5)
# However long a deadline, the walk over the calendar stops after this many days (a calendar
# with every day off would otherwise never end).
MAX_DAYS_WALKED = 3 * 366

_PERIOD = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


class CalendarError(ValueError):
    """A working-hours setting that cannot be used (the message says which part)."""


@dataclass(frozen=True)
class Period:
    """One working period of a day, in seconds from local midnight (``end`` excluded)."""

    start: int
    end: int

    @property
    def seconds(self) -> int:
        return self.end - self.start


def parse_periods(spec: Iterable[str]) -> tuple[Period, ...]:
    """``["07:30-11:30", "13:30-17:00"]`` -> periods, checked: in order, none overlapping."""
    if isinstance(spec, str):
        spec = [part.strip() for part in spec.split(",")]
    periods: list[Period] = []
    for text in spec:
        match = _PERIOD.match(str(text).strip())
        if match is None:
            raise CalendarError(f"a working period is written HH:MM-HH:MM, got {text!r}")
        start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
        period = Period(start_h * 3600 + start_m * 60, end_h * 3600 + end_m * 60)
        if period.end > 24 * 3600 or period.end <= period.start:
            raise CalendarError(f"a working period must end after it starts, got {text!r}")
        if periods and period.start < periods[-1].end:
            raise CalendarError(f"working periods must be in order, not overlapping: {text!r}")
        periods.append(period)
    if not periods:
        raise CalendarError("at least one working period is needed")
    return tuple(periods)


_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def parse_clock(text: str) -> time:
    """``"07:00"`` -> a time of day."""
    match = _CLOCK.match(str(text).strip())
    if match is None:
        raise CalendarError(f"a time of day is written HH:MM, got {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_weekdays(spec: Iterable[int]) -> frozenset[int]:
    """ISO weekdays (1 = Monday ... 7 = Sunday)."""
    days = frozenset(int(day) for day in spec)
    if not days or not days <= set(range(1, 8)):
        raise CalendarError("working days are ISO weekdays, 1 (Monday) to 7 (Sunday)")
    return days


@cache
def vietnam_holidays() -> Container[date]:
    """Vietnam's public holidays, every year on demand (Tết and the Hùng Kings' day follow the
    lunar calendar). Built once, on first use: nothing happens at import time."""
    return holidays.country_holidays("VN")


@dataclass(frozen=True)
class DaysOff:
    """Days without work: Vietnam's public holidays and the days given off for a province."""

    extra: frozenset[date] = frozenset()
    public_holidays: bool = True

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return day in self.extra or (self.public_holidays and day in vietnam_holidays())


@dataclass(frozen=True)
class WorkingCalendar:
    periods: tuple[Period, ...] = field(
        default_factory=lambda: parse_periods(DEFAULT_WORKING_HOURS)
    )
    weekdays: frozenset[int] = frozenset(DEFAULT_WORKING_DAYS)
    days_off: Container[date] = field(default_factory=DaysOff)
    zone: ZoneInfo = ZONE

    @classmethod
    def from_settings(
        cls,
        hours: Sequence[str] | str = DEFAULT_WORKING_HOURS,
        days: Iterable[int] = DEFAULT_WORKING_DAYS,
        days_off: Iterable[date] = (),
    ) -> WorkingCalendar:
        return cls(
            periods=parse_periods(hours),
            weekdays=parse_weekdays(days),
            days_off=DaysOff(frozenset(days_off)),
        )

    @property
    def day_length(self) -> timedelta:
        """One working day's worth of working time (7 h 30 by default)."""
        return timedelta(seconds=sum(period.seconds for period in self.periods))

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays and day not in self.days_off

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # naive times are UTC (as SQLite returns them)
        return moment.astimezone(self.zone)

    def _at(self, day: date, seconds: int) -> datetime:
        midnight = datetime.combine(day, time(0), tzinfo=self.zone)
        return midnight + timedelta(seconds=seconds)

    def _days_from(self, moment: datetime) -> Iterable[tuple[date, int]]:
        """Working days from ``moment``'s local date on, each with the second of the day from
        which it counts (``moment``'s own on its first day, 0 after)."""
        local = self._local(moment)
        day = local.date()
        second = local.hour * 3600 + local.minute * 60 + local.second
        for _ in range(MAX_DAYS_WALKED):
            if self.is_working_day(day):
                yield day, second
            day += timedelta(days=1)
            second = 0
        raise CalendarError(f"no working time within {MAX_DAYS_WALKED} days")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when ``duration`` of working time has passed since ``start``, in local
        time. Time outside the working periods does not count: a start outside them counts
        from the next period; a deadline that uses up a period exactly ends at its end."""
        remaining = int(duration.total_seconds())
        if remaining < 0:
            raise ValueError("a working duration cannot be negative")
        for day, second in self._days_from(start):
            for period in self.periods:
                if period.end <= second:
                    continue
                begin = max(period.start, second)
                available = period.end - begin
                if remaining <= available:
                    return self._at(day, begin + remaining)
                remaining -= available
        raise AssertionError("unreachable: _days_from raises first")  # pragma: no cover

    def add_hours(self, start: datetime, hours: float) -> datetime:
        return self.add(start, timedelta(hours=hours))

    def add_days(self, start: datetime, days: float) -> datetime:
        """``days`` working days after ``start`` (each the length of one working day)."""
        return self.add(start, self.day_length * days)

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself inside a working period, else the start of the next one."""
        return self.add(moment, timedelta(0))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end`` (zero when ``end`` is not after ``start``)."""
        start, end = self._local(start), self._local(end)
        if end <= start:
            return timedelta(0)
        total = 0
        end_day = end.date()
        end_second = end.hour * 3600 + end.minute * 60 + end.second
        for day, second in self._days_from(start):
            if day > end_day:
                break
            limit = end_second if day == end_day else 24 * 3600
            for period in self.periods:
                begin, finish = max(period.start, second), min(period.end, limit)
                if finish > begin:
                    total += finish - begin
            if day == end_day:
                break
        return timedelta(seconds=total)
