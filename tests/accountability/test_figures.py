"""Issue 14: a commune's public accountability figures, checked against a month counted by
hand (tests/accountability/fixtures.py): a Friday-afternoon thread, one across Tết, an urgent
one, a private one, a declined one, confirmations fixed and not fixed with ratings; and one
across Vietnam's National Day (31 August - 2 September 2026)."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import event

from app.admin import accountability
from app.admin.accountability_schemas import AccountabilityFigures
from app.extensions import db
from app.models_base import as_utc
from tests.accountability.fixtures import (
    DEADLINES,
    EXPECTED,
    NOW,
    a_month,
    answered,
    asked,
    local,
    moved,
)


def figures_json(commune, days: int = 30, now=NOW) -> dict:
    figures = accountability.commune_figures(commune, accountability.window(days, now))
    return AccountabilityFigures.of(figures).dump()


def test_the_deadlines_of_the_month_are_the_hand_counted_ones(app, make_commune):
    threads = a_month(make_commune("xa-hoa-binh", "Xã Hòa Bình"))
    for name, (respond_by, resolve_by) in DEADLINES.items():
        thread = threads[name]
        assert as_utc(thread.respond_by) == respond_by.astimezone(UTC), name
        assert as_utc(thread.resolve_by) == resolve_by.astimezone(UTC), name


def test_a_month_of_figures_by_hand(app, make_commune):
    commune = make_commune("xa-hoa-binh", "Xã Hòa Bình")
    a_month(commune)
    assert figures_json(commune) == EXPECTED


def test_a_rate_is_null_when_there_is_nothing_to_divide(app, make_commune):
    commune = make_commune("xa-moi", "Xã Mới")
    figures = figures_json(commune)
    assert figures["received"] == 0
    for name in (
        "answered_on_time",
        "resolved_on_time",
        "confirmed_fixed",
        "satisfaction",
        "rated",
    ):
        assert figures[name] == {"count": 0, "of": 0}
    for name in (
        "answered_on_time_rate",
        "resolved_on_time_rate",
        "confirmed_fixed_rate",
        "satisfaction_rate",
        "rated_share",
        "median_first_response_hours",
    ):
        assert figures[name] is None


def test_a_shorter_window_keeps_only_its_threads(app, make_commune):
    commune = make_commune("xa-hoa-binh", "Xã Hòa Bình")
    a_month(commune)
    # 7 days before Monday 2 March 10:00: from Monday 23 February 10:00, T3 (urgent), T4
    # (private) and T7 (this morning). Answered on time: T3, T4 = 2 of 2 (T7 not due); settled:
    # T4 = 1 of 1; median of 0 and 3 = 1.5; overdue now is the same (T2, T8): it is about now.
    figures = figures_json(commune, days=7)
    assert figures["received"] == 3
    assert figures["answered_on_time"] == {"count": 2, "of": 2}
    assert figures["resolved_on_time"] == {"count": 1, "of": 1}
    assert figures["median_first_response_hours"] == 1.5
    assert figures["overdue_now"] == 2
    # T4's author said fixed without a rating: 1 of 1 fixed, no rating, 0 of 1 rated.
    assert figures["confirmed_fixed"] == {"count": 1, "of": 1}
    assert figures["satisfaction"] == {"count": 0, "of": 0}
    assert figures["rated"] == {"count": 0, "of": 1}


def test_a_duplicate_is_not_a_refusal(app, make_commune):
    """A report closed as another's duplicate is followed up there: it counts as a duplicate,
    not as declined, though its status is "declined"."""
    commune = make_commune("xa-hoa-binh", "Xã Hòa Bình")
    first = asked(commune, local(2026, 2, 23, 8))
    second = asked(commune, local(2026, 2, 23, 9))
    refused = asked(commune, local(2026, 2, 23, 10))
    db.session.flush()
    second.duplicate_of_id = first.id
    moved(second, "declined", local(2026, 2, 23, 11), note="Đã đóng vì trùng với câu hỏi #1")
    moved(refused, "declined", local(2026, 2, 23, 11), note="Đường của tỉnh, không của xã.")
    db.session.commit()
    figures = figures_json(commune)
    assert figures["received"] == 3
    assert figures["declined"] == 1
    assert figures["duplicates"] == 1


def test_across_national_day(app, make_commune):
    """Friday 28 August 2026, 16:00; Monday 31 August (given for Saturday 22), Tuesday 1 and
    Wednesday 2 September are off. Answer by: 1 h Friday + 4 h + 3 h on Thursday 3 September
    -> 16:30. Answered Thursday 16:00: on time, 1 + 4 + 2.5 = 7.5 working hours. A second
    thread asked Tuesday 1 September 09:00 (a holiday): counting starts Thursday 07:30, due
    Thursday 17:00 + 0.5 h = Friday 4 September 08:00; not answered by Monday 7 September:
    late, and overdue."""
    commune = make_commune("xa-quoc-khanh", "Xã Quốc Khánh")
    friday = asked(commune, local(2026, 8, 28, 16))
    assert as_utc(friday.respond_by) == local(2026, 9, 3, 16, 30).astimezone(UTC)
    answered(friday, local(2026, 9, 3, 16))
    holiday = asked(commune, local(2026, 9, 1, 9))
    assert as_utc(holiday.respond_by) == local(2026, 9, 4, 8).astimezone(UTC)
    db.session.commit()
    figures = figures_json(commune, now=local(2026, 9, 7, 12))
    assert figures["answered_on_time"] == {"count": 1, "of": 2}
    assert figures["answered_on_time_rate"] == 0.5
    assert figures["median_first_response_hours"] == 7.5
    assert figures["overdue_now"] == 1


def test_few_queries_whatever_the_number_of_threads(app, make_commune):
    """The window's threads, their status changes, their confirmations, the days off: the same
    four queries for one thread or for eight."""
    commune = make_commune("xa-hoa-binh", "Xã Hòa Bình")
    commune.province, commune.province_code = "Thành phố Huế", "46"
    a_month(commune)
    db.session.refresh(commune)
    statements: list[str] = []

    def count(*args) -> None:
        if args[2].startswith("SELECT"):
            statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        accountability.commune_figures(commune, accountability.window(30, NOW))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 4, statements


@pytest.mark.parametrize("days", ["0", "366", "-1", "abc", "1.5", " 30"])
def test_bad_days_are_refused(app, client, make_commune, days):
    make_commune("xa-hoa-binh", "Xã Hòa Bình")
    response = client.get(f"/api/v1/communes/xa-hoa-binh/accountability?days={days}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert "365" in error["message"]
