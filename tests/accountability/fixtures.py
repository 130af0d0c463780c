"""A commune's month, written by hand, for the accountability figures (issue 14).

Every time is local (Asia/Ho_Chi_Minh); the default calendar: Monday to Friday, 07:30-11:30 and
13:30-17:00 (7 h 30 a day), without Vietnam's public holidays. A deadline of 8 working hours and
5 working days (37 h 30) applies to every thread but the urgent one (60 minutes of clock time).
Tết 2026: Monday 16 to Friday 20 February. "now" is Monday 2 March 2026, 10:00; the window is
the 30 days before it, from Saturday 31 January 10:00.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.accountability.working_time import ZONE
from app.communes.models import Commune
from app.extensions import db
from app.threads.deadlines import restart_resolve_deadline, set_deadlines
from app.threads.models import Confirmation, StatusChange, Thread

PRIVATE_TITLE = "Giấy tờ đất của bà Năm"
PRIVATE_BODY = "Số thửa 123, tờ bản đồ 45: xin đừng cho ai biết."
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZONE)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


def asked(commune: Commune, created: datetime, **fields: object) -> Thread:
    """A thread asked at ``created``, with the deadlines fixed then."""
    thread = Thread(
        commune=commune,
        kind=fields.pop("kind", "report"),
        title=fields.pop("title", "Một phản ánh"),
        body=fields.pop("body", "Nội dung phản ánh."),
        visibility=fields.pop("visibility", "public"),
        status="new",
        created_at=created.astimezone(UTC),
        **fields,
    )
    db.session.add(thread)
    set_deadlines(thread)
    db.session.flush()
    return thread


def answered(thread: Thread, at: datetime) -> None:
    """The first official answer (a reply), at ``at``."""
    thread.first_response_at = at.astimezone(UTC)


def moved(thread: Thread, to: str, at: datetime, note: str | None = None) -> StatusChange:
    """A status change at ``at`` (the first one is also the first answer)."""
    change = StatusChange(
        thread=thread,
        from_status=thread.status,
        to_status=to,
        note=note,
        created_at=at.astimezone(UTC),
    )
    thread.status = to
    if thread.first_response_at is None:
        thread.first_response_at = at.astimezone(UTC)
    db.session.add(change)
    db.session.flush()
    return change


def confirmed(
    thread: Thread, resolution: StatusChange, fixed: bool, rating: int | None, at: datetime
) -> None:
    db.session.add(
        Confirmation(
            thread_id=thread.id,
            resolution_id=resolution.id,
            fixed=fixed,
            rating=rating,
            created_at=at.astimezone(UTC),
        )
    )
    db.session.flush()


def a_month(commune: Commune) -> dict[str, Thread]:
    """Eight threads; the comments give each one's deadlines, counted by hand."""
    t = {}
    # T1, asked on Friday afternoon, 6 Feb 15:00. Answer by: 2 h on Friday (15:00-17:00),
    # 6 h on Monday 9 Feb (4 h morning, 2 h from 13:30) -> Mon 9 Feb 15:30. Settle by: 37.5 h =
    # Fri 2 + Mon 7.5 + Tue 7.5 + Wed 7.5 + Thu 7.5 (32) + Fri 13 Feb 4 h + 1.5 h -> 15:00.
    # Answered Mon 9 Feb 10:00 (on time; 2 h Fri + 2.5 h Mon = 4.5 working hours), resolved
    # Thu 12 Feb 16:00 (on time), its author says fixed, 5 stars.
    t["friday"] = asked(commune, local(2026, 2, 6, 15))
    answered(t["friday"], local(2026, 2, 9, 10))
    done = moved(t["friday"], "resolved", local(2026, 2, 12, 16))
    confirmed(t["friday"], done, True, 5, local(2026, 2, 13, 8))

    # T2, asked Friday 13 Feb 16:00, the last working hour before Tết (16-20 Feb) and its two
    # weekends. Answer by: 1 h Friday + 7 h from Monday 23 Feb (4 h + 3 h) -> Mon 23 Feb 16:30.
    # Settle by: 1 + 7.5 x 4 (Mon 23 - Thu 26) = 31, + Fri 27 4 h + 2.5 h -> Fri 27 Feb 16:00.
    # Answered Tue 24 Feb 08:00: late (1 + 7.5 + 0.5 = 9 working hours); still in progress on
    # 2 March, so late to settle and overdue now.
    t["tet"] = asked(commune, local(2026, 2, 13, 16))
    moved(t["tet"], "in_progress", local(2026, 2, 24, 8))

    # T3, urgent, Saturday 28 Feb 21:00: answer by 22:00 (clock time). Acknowledged at 21:40:
    # on time, and 0 working hours (a Saturday night). Settle by: from Mon 2 Mar 07:30, 37.5 h ->
    # Fri 6 Mar 17:00: not due on 2 March, not counted either way.
    t["urgent"] = asked(commune, local(2026, 2, 28, 21), urgent=True)
    moved(t["urgent"], "acknowledged", local(2026, 2, 28, 21, 40))

    # T4, private (officials only), Tuesday 24 Feb 09:00. Answer by: 2.5 h + 3.5 h Tue, 2 h Wed
    # -> Wed 25 Feb 09:30. Answered Tue 24 Feb 14:00: on time (2.5 + 0.5 = 3 working hours).
    # Settle by: Tue 6 + Wed, Thu, Fri, Mon 7.5 each (36) + 1.5 h -> Tue 3 Mar 09:00. Resolved
    # Wed 25 Feb 10:00 (on time); its author says fixed, without a rating.
    t["private"] = asked(
        commune,
        local(2026, 2, 24, 9),
        visibility="officials",
        title=PRIVATE_TITLE,
        body=PRIVATE_BODY,
        kind="question",
    )
    answered(t["private"], local(2026, 2, 24, 14))
    done = moved(t["private"], "resolved", local(2026, 2, 25, 10))
    confirmed(t["private"], done, True, None, local(2026, 2, 25, 11))

    # T5, Monday 2 Feb 08:00, declined with a reason on Wed 4 Feb 09:00. Answer by: 3.5 + 3.5
    # Mon, 1 h Tue -> Tue 3 Feb 08:30: the refusal is the first answer, late (7 + 7.5 + 1.5 =
    # 16 working hours). Settle by: 7 + 7.5 x 4 = 37, + 0.5 h -> Mon 9 Feb 08:00: on time.
    t["declined"] = asked(commune, local(2026, 2, 2, 8))
    moved(t["declined"], "declined", local(2026, 2, 4, 9), note="Đường của tỉnh, không của xã.")

    # T6, Tuesday 3 Feb 10:00. Answer by: 1.5 + 3.5 Tue, 3 h Wed -> Wed 4 Feb 10:30. Answered
    # Tue 3 Feb 15:00 (on time, 1.5 + 1.5 = 3 working hours). Resolved Thu 5 Feb 09:00; on Fri
    # 6 Feb 08:00 its author says NOT fixed (1 star): back in progress, and the settle-by
    # deadline counts again from then: 7 h Fri + 7.5 x 4 (Mon 9 - Thu 12) = 37, + 0.5 h ->
    # Fri 13 Feb 08:00. Resolved again Wed 11 Feb 14:00 (on time); now fixed, 4 stars.
    t["reopened"] = asked(commune, local(2026, 2, 3, 10))
    answered(t["reopened"], local(2026, 2, 3, 15))
    first = moved(t["reopened"], "resolved", local(2026, 2, 5, 9))
    confirmed(t["reopened"], first, False, 1, local(2026, 2, 6, 8))
    moved(t["reopened"], "in_progress", local(2026, 2, 6, 8))
    restart_resolve_deadline(t["reopened"], local(2026, 2, 6, 8))
    second = moved(t["reopened"], "resolved", local(2026, 2, 11, 14))
    confirmed(t["reopened"], second, True, 4, local(2026, 2, 12, 9))

    # T7, this morning, Monday 2 Mar 08:00: not answered, due Tuesday: counted as received only.
    t["today"] = asked(commune, local(2026, 3, 2, 8))

    # T8, Saturday 10 January, before the window, never answered: not received in the window,
    # but overdue now.
    t["old"] = asked(commune, local(2026, 1, 10, 9))
    db.session.commit()
    return t


# Each thread's deadlines as the comments above count them: (answer by, settle by).
DEADLINES = {
    "friday": (local(2026, 2, 9, 15, 30), local(2026, 2, 13, 15)),
    "tet": (local(2026, 2, 23, 16, 30), local(2026, 2, 27, 16)),
    "urgent": (local(2026, 2, 28, 22), local(2026, 3, 6, 17)),
    "private": (local(2026, 2, 25, 9, 30), local(2026, 3, 3, 9)),
    "declined": (local(2026, 2, 3, 8, 30), local(2026, 2, 9, 8)),
    "reopened": (local(2026, 2, 4, 10, 30), local(2026, 2, 13, 8)),
    "today": (local(2026, 3, 3, 8, 30), local(2026, 3, 9, 8)),
}

# The figures of ``a_month`` at NOW over 30 days, by hand:
# received: T1-T7 = 7 (T8 is older); urgent: T3 = 1; answered: T1-T6 = 6; declined: T5 = 1.
# answered on time: T1, T3, T4, T6 of T1-T6 (T7 not due yet) = 4 of 6.
# settled on time: T1, T4, T5, T6 of those closed (T1, T4, T5, T6) or late (T2) = 4 of 5
#   (T3 and T7 are not due yet).
# median first answer: 0 (T3), 3 (T4), 3 (T6), 4.5 (T1), 9 (T2), 16 (T5) -> (3 + 4.5) / 2
#   = 3.75 working hours.
# overdue now: T2 (settle-by passed) and T8 (never answered) = 2.
# confirmed fixed: T1 yes, T4 yes, T6 no then yes = 3 of 4 answers.
# satisfied: ratings 5 (T1), 1 and 4 (T6); T4 gave none -> 2 of 3.
# rated: 3 ratings of 4 resolutions (T1, T4, T6 twice) = 3 of 4.
EXPECTED = {
    "received": 7,
    "urgent": 1,
    "answered": 6,
    "declined": 1,
    "duplicates": 0,
    "answered_on_time_rate": round(4 / 6, 4),
    "answered_on_time": {"count": 4, "of": 6},
    "resolved_on_time_rate": 0.8,
    "resolved_on_time": {"count": 4, "of": 5},
    "median_first_response_hours": 3.75,
    "overdue_now": 2,
    "confirmed_fixed_rate": 0.75,
    "confirmed_fixed": {"count": 3, "of": 4},
    "satisfaction_rate": round(2 / 3, 4),
    "satisfaction": {"count": 2, "of": 3},
    "rated_share": 0.75,
    "rated": {"count": 3, "of": 4},
}
