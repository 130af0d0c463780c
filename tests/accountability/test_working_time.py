"""Issue 14: working-time arithmetic (pure: no database, so nothing to run twice). Every
expected moment here is counted by hand on the default calendar: Monday to Friday,
07:30-11:30 and 13:30-17:00 in Asia/Ho_Chi_Minh (7 h 30 a day), without Vietnam's public
holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.accountability.working_time import (
    ZONE,
    CalendarError,
    DaysOff,
    WorkingCalendar,
    parse_periods,
    parse_weekdays,
    vietnam_holidays,
)

CALENDAR = WorkingCalendar()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A local (Vietnam) time."""
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


# 2026-12-07 is a Monday; no public holiday falls in December 2026.
MONDAY = at(2026, 12, 7, 9, 0)


def test_the_default_day_is_seven_and_a_half_hours() -> None:
    assert CALENDAR.day_length == timedelta(hours=7, minutes=30)


def test_hours_inside_one_period() -> None:
    assert CALENDAR.add_hours(MONDAY, 2) == at(2026, 12, 7, 11, 0)


def test_the_lunch_break_does_not_count() -> None:
    # 09:00 + 3 h: 2 h 30 before lunch, 30 min after it.
    assert CALENDAR.add_hours(MONDAY, 3) == at(2026, 12, 7, 14, 0)
    # Asked during lunch: counting starts at 13:30.
    assert CALENDAR.add_hours(at(2026, 12, 7, 12, 15), 1) == at(2026, 12, 7, 14, 30)


def test_a_deadline_that_uses_up_a_period_ends_at_its_end() -> None:
    assert CALENDAR.add_hours(at(2026, 12, 7, 7, 30), 4) == at(2026, 12, 7, 11, 30)
    assert CALENDAR.add_hours(at(2026, 12, 7, 7, 30), 7.5) == at(2026, 12, 7, 17, 0)


def test_eight_working_hours_from_a_morning_end_the_next_morning() -> None:
    # Monday 07:30: 7 h 30 on Monday, 30 min on Tuesday.
    assert CALENDAR.add_hours(at(2026, 12, 7, 7, 30), 8) == at(2026, 12, 8, 8, 0)


def test_a_thread_asked_at_night_counts_from_the_next_morning() -> None:
    assert CALENDAR.add_hours(at(2026, 12, 7, 21, 40), 1) == at(2026, 12, 8, 8, 30)
    assert CALENDAR.add_hours(at(2026, 12, 8, 5, 0), 1) == at(2026, 12, 8, 8, 30)
    assert CALENDAR.next_working_moment(at(2026, 12, 7, 17, 0)) == at(2026, 12, 8, 7, 30)


def test_inside_a_period_the_next_working_moment_is_now() -> None:
    assert CALENDAR.next_working_moment(MONDAY) == MONDAY
    assert CALENDAR.next_working_moment(at(2026, 12, 7, 11, 30)) == at(2026, 12, 7, 13, 30)


def test_friday_evening_to_monday() -> None:
    friday_evening = at(2026, 12, 11, 18, 0)
    assert CALENDAR.add_hours(friday_evening, 8) == at(2026, 12, 15, 8, 0)  # Tuesday 08:00
    assert CALENDAR.add_hours(friday_evening, 2) == at(2026, 12, 14, 9, 30)  # Monday


def test_friday_afternoon_across_the_weekend() -> None:
    # Friday 15:00: 2 h on Friday, 6 h on Monday (4 h + 2 h after lunch).
    assert CALENDAR.add_hours(at(2026, 12, 11, 15, 0), 8) == at(2026, 12, 14, 15, 30)


def test_working_days_are_days_worth_of_hours() -> None:
    # Friday 15:00 + 5 working days: the next Friday at 15:00.
    assert CALENDAR.add_days(at(2026, 12, 11, 15, 0), 5) == at(2026, 12, 18, 15, 0)
    # Saturday: counted from Monday 07:30, five days end on Friday 17:00.
    assert CALENDAR.add_days(at(2026, 12, 12, 10, 0), 5) == at(2026, 12, 18, 17, 0)


def test_tet_2027_is_not_working_time() -> None:
    # Tết 2027: Thursday 4 to Wednesday 10 February are days off; Thursday 11 is back at work.
    for day in range(4, 11):
        assert not CALENDAR.is_working_day(date(2027, 2, day))
    assert CALENDAR.is_working_day(date(2027, 2, 11))
    # Wednesday 3 February 16:00, 8 working hours: 1 h that day, 7 h from Thursday 11.
    assert CALENDAR.add_hours(at(2027, 2, 3, 16, 0), 8) == at(2027, 2, 11, 16, 30)
    # Asked on the first day of Tết: nothing counts before the 11th.
    assert CALENDAR.next_working_moment(at(2027, 2, 6, 9, 0)) == at(2027, 2, 11, 7, 30)


def test_tet_2026() -> None:
    # Tết 2026: Monday 16 to Friday 20 February, so Friday 13 to Monday 23 is one long break.
    assert CALENDAR.add_hours(at(2026, 2, 13, 16, 0), 2) == at(2026, 2, 23, 8, 30)


def test_a_public_holiday_on_a_weekday() -> None:
    # Thursday 30 April and Friday 1 May 2026: Wednesday 29 April 17:00 -> Monday 4 May.
    assert CALENDAR.add_hours(at(2026, 4, 29, 16, 0), 2) == at(2026, 5, 4, 8, 30)
    # National Day 2026: Tuesday 1 and Wednesday 2 September (and the day given for it, 31
    # August, by the package).
    assert not CALENDAR.is_working_day(date(2026, 9, 2))
    assert CALENDAR.next_working_moment(at(2026, 9, 1, 9, 0)) == at(2026, 9, 3, 7, 30)


def test_the_holidays_of_vietnam_include_the_lunar_dates() -> None:
    known = vietnam_holidays()
    assert date(2026, 2, 17) in known  # first day of Tết
    assert date(2026, 4, 26) in known  # Hùng Kings' day, 10th of the 3rd lunar month
    assert date(2026, 12, 7) not in known


def test_a_province_day_off() -> None:
    storm_day = date(2026, 12, 8)
    calendar = WorkingCalendar.from_settings(days_off=[storm_day])
    assert not calendar.is_working_day(storm_day)
    assert calendar.add_hours(at(2026, 12, 7, 16, 0), 2) == at(2026, 12, 9, 8, 30)
    # The default calendar does not have it.
    assert CALENDAR.add_hours(at(2026, 12, 7, 16, 0), 2) == at(2026, 12, 8, 8, 30)


def test_days_off_without_public_holidays() -> None:
    calendar = WorkingCalendar(days_off=DaysOff(public_holidays=False))
    assert calendar.is_working_day(date(2027, 2, 8))  # a Monday of Tết
    assert date(2027, 2, 8) not in DaysOff(public_holidays=False)
    assert "2027-02-08" not in DaysOff()


def test_other_hours_by_setting() -> None:
    calendar = WorkingCalendar.from_settings(hours=["08:00-12:00", "13:00-17:00"], days=[1, 6])
    assert calendar.day_length == timedelta(hours=8)
    # Monday 16:00 + 2 h: 1 h on Monday, then Saturday (the other working day) 09:00.
    assert calendar.add_hours(at(2026, 12, 7, 16, 0), 2) == at(2026, 12, 12, 9, 0)
    # Given as one string, as an environment variable may carry it.
    assert WorkingCalendar.from_settings(hours="07:00-11:00, 13:00-17:00").day_length == (
        timedelta(hours=8)
    )


def test_utc_and_naive_times_are_read_as_utc() -> None:
    # 02:00 UTC is 09:00 in Vietnam.
    utc = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert CALENDAR.add_hours(utc, 1) == at(2026, 12, 7, 10, 0)
    assert CALENDAR.add_hours(utc.replace(tzinfo=None), 1) == at(2026, 12, 7, 10, 0)


def test_between_counts_only_working_time() -> None:
    assert CALENDAR.between(at(2026, 12, 7, 9, 0), at(2026, 12, 7, 14, 0)) == timedelta(hours=3)
    # Friday 16:00 to Monday 08:30: 1 h + 1 h.
    assert CALENDAR.between(at(2026, 12, 11, 16, 0), at(2026, 12, 14, 8, 30)) == timedelta(hours=2)
    # Across Tết 2027, Wednesday 3 February 16:00 to Thursday 11th 08:30: 1 h + 1 h.
    assert CALENDAR.between(at(2027, 2, 3, 16, 0), at(2027, 2, 11, 8, 30)) == timedelta(hours=2)
    assert CALENDAR.between(at(2026, 12, 12, 9, 0), at(2026, 12, 13, 9, 0)) == timedelta(0)
    assert CALENDAR.between(MONDAY, MONDAY - timedelta(hours=1)) == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=0, max_value=60 * 60),
)
def test_between_undoes_add(start: datetime, minutes: int) -> None:
    """Whatever the start, the working time up to a deadline is the time that was added."""
    duration = timedelta(minutes=minutes)
    start = start.replace(microsecond=0)
    deadline = CALENDAR.add(start, duration)
    assert deadline >= start
    assert CALENDAR.between(start, deadline) == duration


def test_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add(MONDAY, timedelta(hours=-1))


@pytest.mark.parametrize(
    "spec",
    [
        [],
        ["7:30-11:30"],
        ["07:30-07:30"],
        ["11:30-07:30"],
        ["13:30-17:00", "07:30-11:30"],
        ["07:30-12:00", "11:30-17:00"],
        ["25:00-26:00"],
    ],
)
def test_bad_working_hours_are_refused(spec: list[str]) -> None:
    with pytest.raises(CalendarError):
        parse_periods(spec)


@pytest.mark.parametrize("spec", [[], [0], [8], [1, 9]])
def test_bad_working_days_are_refused(spec: list[int]) -> None:
    with pytest.raises(CalendarError):
        parse_weekdays(spec)


def test_a_calendar_without_working_days_stops() -> None:
    calendar = WorkingCalendar(days_off=_Everything())
    with pytest.raises(CalendarError, match="no working time"):
        calendar.add_hours(MONDAY, 1)


class _Everything:
    def __contains__(self, _day: object) -> bool:
        return True
