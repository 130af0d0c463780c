"""Issue 14: every thread has deadlines counted in working time (respond_by, resolve_by), its
first official answer (first_response_at) and whether it is overdue, in the feed, the thread
and the inbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.accountability.models import DayOff
from app.accountability.working_time import ZONE, WorkingCalendar
from app.extensions import db
from app.models_base import as_utc, isoformat, utcnow
from app.threads.deadlines import is_overdue, set_deadlines, time_left
from app.threads.models import Thread
from tests.threads.helpers import API, ask, call, inbox_items, reply

CALENDAR = WorkingCalendar()


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


def asked_at(thread_id: int, moment: datetime) -> Thread:
    """Pretend the thread was asked at ``moment``: its deadlines as they were fixed then."""
    thread = db.session.get(Thread, thread_id)
    thread.created_at = moment.astimezone(UTC)
    set_deadlines(thread)
    db.session.commit()
    return thread


def shown(client, thread_id: int) -> dict:
    return call(client, "GET", f"{API}/threads/{thread_id}").get_json()


def test_a_new_thread_is_due_in_eight_working_hours_and_five_working_days(world):
    thread_id = ask(world["resident_a"], "xa-a", "Đường liên thôn có ổ gà lớn")
    detail = shown(world["resident_a"], thread_id)
    created = datetime.fromisoformat(detail["created_at"])
    assert detail["respond_by"] == isoformat(CALENDAR.add_hours(created, 8).astimezone(UTC))
    assert detail["resolve_by"] == isoformat(CALENDAR.add_days(created, 5).astimezone(UTC))
    assert detail["first_response_at"] is None
    assert detail["overdue"] is False


def test_a_thread_asked_on_friday_afternoon(world):
    """Friday 11 December 2026, 15:00: 2 h that day, 6 h on Monday; five days end on the next
    Friday at 15:00 (hand-counted)."""
    thread_id = ask(world["resident_a"], "xa-a", "Cống thoát nước bị tắc")
    asked_at(thread_id, local(2026, 12, 11, 15))
    detail = shown(world["official_a"], thread_id)
    assert detail["respond_by"] == "2026-12-14T08:30:00Z"  # Monday 15:30 in Vietnam
    assert detail["resolve_by"] == "2026-12-18T08:00:00Z"  # Friday 15:00


def test_a_thread_asked_on_the_eve_of_tet(world):
    """Wednesday 3 February 2027, 16:00: 1 h that day, then Tết (4 to 10 February), 7 h from
    Thursday 11."""
    thread_id = ask(world["resident_a"], "xa-a", "Xin hỏi lịch trực Tết")
    asked_at(thread_id, local(2027, 2, 3, 16))
    assert shown(world["resident_a"], thread_id)["respond_by"] == "2027-02-11T09:30:00Z"


def test_a_province_day_off_moves_the_deadline(world):
    commune = world["a"]
    commune.province, commune.province_code = "An Giang", "91"
    db.session.add(DayOff(province_code="91", day=date(2026, 12, 14), name="Bão số 9"))
    db.session.commit()
    thread_id = ask(world["resident_a"], "xa-a", "Cây đổ chắn đường")
    asked_at(thread_id, local(2026, 12, 11, 15))
    # Monday 14 is off: the 6 h left count on Tuesday 15.
    assert shown(world["resident_a"], thread_id)["respond_by"] == "2026-12-15T08:30:00Z"
    # Another province's day off changes nothing.
    world["b"].province, world["b"].province_code = "Cà Mau", "96"
    db.session.commit()
    other = ask(world["resident_b"], "xa-b", "Cây đổ chắn đường")
    asked_at(other, local(2026, 12, 11, 15))
    assert shown(world["resident_b"], other)["respond_by"] == "2026-12-14T08:30:00Z"


def test_a_category_sets_its_own_deadlines(world):
    official = world["official_a"]
    categories = call(official, "GET", f"{API}/communes/xa-a/categories?archived=1").get_json()
    roads = next(item for item in categories["items"] if item["code"] == "roads")
    assert (roads["response_hours"], roads["resolve_days"]) == (8, 5)
    changed = call(
        official,
        "PATCH",
        f"{API}/categories/{roads['id']}",
        json={"response_hours": 2, "resolve_days": 1},
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["response_hours"], changed.get_json()["resolve_days"]) == (2, 1)
    thread_id = ask(world["resident_a"], "xa-a", "Ổ gà trước trường", category=roads["id"])
    asked_at(thread_id, local(2026, 12, 11, 15))
    detail = shown(world["resident_a"], thread_id)
    assert detail["respond_by"] == "2026-12-11T10:00:00Z"  # Friday 17:00
    assert detail["resolve_by"] == "2026-12-14T08:00:00Z"  # Monday 15:00


def test_category_deadlines_are_checked(world):
    official = world["official_a"]
    for value in (0, -1, 201, "eight", True, 2.5):
        made = call(
            official,
            "POST",
            f"{API}/communes/xa-a/categories",
            json={"name": f"Cây xanh {value}", "response_hours": value},
        )
        assert made.status_code == 422, (value, made.get_json())
        assert made.get_json()["error"]["field"] == "response_hours"
    made = call(
        official,
        "POST",
        f"{API}/communes/xa-a/categories",
        json={"name": "Cây xanh", "response_hours": 16, "resolve_days": 10},
    )
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["response_hours"], made.get_json()["resolve_days"]) == (16, 10)


def test_the_first_official_answer_is_recorded_once(world):
    resident, official = world["resident_a"], world["official_a"]
    thread_id = ask(resident, "xa-a", "Khi nào có nước sạch?")
    reply(resident, thread_id, "Nhà tôi cũng chưa có.")
    assert shown(resident, thread_id)["first_response_at"] is None
    answer = call(
        official, "POST", f"{API}/threads/{thread_id}/replies", json={"body": "Tuần sau."}
    )
    first = shown(resident, thread_id)["first_response_at"]
    assert first == answer.get_json()["created_at"]
    reply(official, thread_id, "Đã có lịch cụ thể.")
    assert shown(resident, thread_id)["first_response_at"] == first


def test_a_status_change_is_a_first_answer(world):
    thread_id = ask(world["resident_a"], "xa-a", "Rác chưa được thu gom")
    moved = call(
        world["official_a"], "PATCH", f"{API}/threads/{thread_id}", json={"status": "acknowledged"}
    )
    assert moved.status_code == 200
    assert moved.get_json()["first_response_at"] == moved.get_json()["change"]["created_at"]


def test_overdue_in_the_feed_the_thread_and_the_inbox(world):
    resident, official = world["resident_a"], world["official_a"]
    thread_id = ask(resident, "xa-a", "Đèn đường hỏng cả tuần")
    asked_at(thread_id, local(2026, 1, 5, 9))  # long ago: both deadlines have passed
    feed = call(resident, "GET", f"{API}/communes/xa-a/threads").get_json()["items"]
    assert next(item for item in feed if item["id"] == thread_id)["overdue"] is True
    assert shown(resident, thread_id)["overdue"] is True
    item = next(item for item in inbox_items(official) if item["id"] == thread_id)
    assert item["overdue"] is True
    # Monday 09:00: 2 h 30 + 3 h 30 that day, 2 h on Tuesday (09:30 in Vietnam).
    assert item["respond_by"] == "2026-01-06T02:30:00Z"
    moved = call(
        official,
        "PATCH",
        f"{API}/threads/{thread_id}",
        json={"status": "resolved", "note": "Đã thay bóng."},
    )
    assert moved.get_json()["overdue"] is False


def test_overdue_rules():
    now = utcnow()
    thread = Thread(status="new", respond_by=now + timedelta(hours=1), resolve_by=now)
    assert is_overdue(thread, now) is False
    thread.respond_by = now - timedelta(seconds=1)
    assert is_overdue(thread, now) is True
    assert time_left(thread, now) == timedelta(seconds=-1)
    # Answered late: the answer's deadline no longer counts, the resolution's does.
    thread.first_response_at = now
    thread.resolve_by = now + timedelta(days=2)
    assert is_overdue(thread, now) is False
    assert time_left(thread, now) == timedelta(days=2)
    thread.resolve_by = now - timedelta(minutes=1)
    assert is_overdue(thread, now) is True
    for closed in ("resolved", "declined"):
        thread.status = closed
        assert is_overdue(thread, now) is False
        assert time_left(thread, now) is None
    # Threads asked before deadlines existed have none.
    assert is_overdue(Thread(status="new"), now) is False
    assert as_utc(now) == now


def test_an_urgent_report_is_due_in_sixty_minutes_of_clock_time(world):
    from app.push.models import PushMessage

    thread_id = ask(world["resident_a"], "xa-a", "Cầu tre sắp sập", kind="report", urgent=True)
    detail = shown(world["resident_a"], thread_id)
    assert detail["urgent"] is True
    # Saturday night counts: an hour of clock time, any day, any hour.
    thread = asked_at(thread_id, local(2026, 12, 12, 23, 30))
    assert shown(world["official_a"], thread_id)["respond_by"] == "2026-12-12T17:30:00Z"
    message = db.session.scalars(
        db.select(PushMessage).where(PushMessage.thread_id == thread.id)
    ).first()
    assert message is not None and message.urgency == "high"
    ordinary = ask(world["resident_a"], "xa-a", "Xin hỏi giờ làm việc")
    assert shown(world["resident_a"], ordinary)["urgent"] is False
    refused = call(
        world["resident_a"],
        "POST",
        f"{API}/communes/xa-a/threads",
        json={"kind": "report", "body": "Ngập", "urgent": "very"},
    )
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "urgent"
