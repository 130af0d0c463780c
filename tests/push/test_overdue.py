"""Issue 14: a thread whose deadline passed unmet is pushed once to its commune's officials, by
the push worker's periodic job; an answer or a new settle-by deadline makes the next one count."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models_base import utcnow
from app.notifications import overdue
from app.notifications.overdue import notify_overdue
from app.push.models import KIND_OVERDUE, PushMessage
from app.push.periodic import registered_periodic
from app.threads.models import Thread
from tests.threads.helpers import API, ask, call, reply


def _late(thread_id: int, *, respond: timedelta | None = None, resolve: timedelta | None = None):
    """Move a thread's deadlines to ``now - respond`` / ``now - resolve``."""
    thread = db.session.get(Thread, thread_id)
    if respond is not None:
        thread.respond_by = (utcnow() - respond).astimezone(UTC)
    if resolve is not None:
        thread.resolve_by = (utcnow() - resolve).astimezone(UTC)
    db.session.commit()


def _pushed(push_service, thread_id: int) -> list:
    return [m for m in push_service.messages if m.topic == f"o{thread_id}"]


def test_an_unanswered_thread_past_its_deadline_reaches_the_officials_once(
    world, device, deliver, push_service
):
    official, resident = world["official_a"], world["resident_a"]
    endpoints = {
        "official": device(official)["endpoint"],
        "resident": device(resident)["endpoint"],
        "other": device(world["official_b"])["endpoint"],
    }
    thread_id = ask(resident, "xa-a", "Đèn đường hỏng ở ngõ 4", kind="report")
    deliver()
    assert _pushed(push_service, thread_id) == []  # not late yet

    _late(thread_id, respond=timedelta(minutes=5))
    deliver()
    heard = _pushed(push_service, thread_id)
    assert [m.endpoint for m in heard] == [endpoints["official"]]
    notification = heard[0].json["notification"]
    assert notification["title"].startswith("Quá hạn chưa trả lời")
    assert notification["navigate"].endswith(f"/w/t/{thread_id}")
    assert db.session.get(Thread, thread_id).overdue_notified_at is not None

    deliver()  # once only
    assert len(_pushed(push_service, thread_id)) == 1
    assert db.session.scalars(
        select(PushMessage.kind).where(PushMessage.topic == f"o{thread_id}")
    ).all() == [KIND_OVERDUE]


def test_the_settle_by_deadline_is_pushed_once_more_after_an_answer(world):
    official, resident = world["official_a"], world["resident_a"]
    thread_id = ask(resident, "xa-a", "Cống bị tắc")
    _late(thread_id, respond=timedelta(minutes=1))
    assert notify_overdue(utcnow()) == 1
    reply(official, thread_id, "Đã tiếp nhận, sẽ cử người xuống.")
    assert db.session.get(Thread, thread_id).overdue_notified_at is None
    assert notify_overdue(utcnow()) == 0  # answered, settle-by still ahead
    _late(thread_id, resolve=timedelta(minutes=1))
    assert notify_overdue(utcnow()) == 1
    assert notify_overdue(utcnow()) == 0
    titles = db.session.scalars(
        select(PushMessage.payload).where(PushMessage.kind == KIND_OVERDUE).order_by(PushMessage.id)
    ).all()
    assert "chưa trả lời" in titles[0] and "chưa giải quyết" in titles[1]


def test_closed_hidden_and_long_past_threads_are_not_pushed(world):
    official, resident = world["official_a"], world["resident_a"]
    closed = ask(resident, "xa-a", "Rác chưa thu")
    call(official, "PATCH", f"{API}/threads/{closed}", json={"status": "resolved"})
    hidden = ask(resident, "xa-a", "Quảng cáo")
    call(official, "POST", f"{API}/threads/{hidden}/hide", json={"reason": "Quảng cáo"})
    stale = ask(resident, "xa-a", "Việc cũ từ tuần trước")
    old = ask(resident, "xa-a", "Câu hỏi từ trước khi có hạn")
    db.session.execute(
        update(Thread).where(Thread.id == old).values(respond_by=None, resolve_by=None)
    )
    db.session.commit()
    for thread_id in (closed, hidden):
        _late(thread_id, respond=timedelta(minutes=1), resolve=timedelta(minutes=1))
    _late(stale, respond=timedelta(days=6), resolve=timedelta(days=3))
    assert notify_overdue(utcnow()) == 0


def test_a_thread_another_worker_claimed_is_not_pushed_again(world, monkeypatch):
    thread_id = ask(world["resident_a"], "xa-a", "Cây đổ")
    _late(thread_id, respond=timedelta(minutes=1))
    real = db.session.scalars

    def claimed_meanwhile(*args, **kwargs):
        found = list(real(*args, **kwargs))
        # Another worker claims them between this worker's look and its claim.
        db.session.execute(
            update(Thread).where(Thread.id.in_(found)).values(overdue_notified_at=utcnow())
        )
        return found

    monkeypatch.setattr(db.session, "scalars", claimed_meanwhile)
    assert notify_overdue(utcnow()) == 0
    monkeypatch.undo()
    assert db.session.scalar(select(PushMessage.id).where(PushMessage.kind == KIND_OVERDUE)) is None


def test_the_push_worker_checks_for_overdue_threads_every_minute(app):
    [job] = [job for job in registered_periodic(app) if job.name == "push overdue threads"]
    assert job.job is notify_overdue and job.every_s == overdue.EVERY_S == 60
