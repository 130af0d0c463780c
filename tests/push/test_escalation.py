"""Issue 14: an urgent report no official answered within 30 minutes is pushed once, with
Urgency: high, to the admins whose area holds its commune, by the push worker's periodic job."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models_base import utcnow
from app.notifications.escalation import escalate_unanswered
from app.push.periodic import registered_periodic
from app.threads.models import Thread
from tests.conftest import new_staff, sign_in
from tests.threads.helpers import ask, reply


def _area_admin(app, email: str, province: str):
    account = new_staff(email, admin=True)
    account.admin_province = province
    db.session.commit()
    return sign_in(app, email)


def _started(thread_id: int, minutes_ago: int) -> None:
    """Pretend the urgent hour began ``minutes_ago`` minutes ago."""
    thread = db.session.get(Thread, thread_id)
    thread.respond_by = (utcnow() + timedelta(minutes=60 - minutes_ago)).astimezone(UTC)
    db.session.commit()


def _escalations(push_service, thread_id: int) -> list:
    return [m for m in push_service.messages if m.topic == f"e{thread_id}"]


def test_an_unanswered_urgent_report_reaches_the_province_admins_once(
    app, world, device, deliver, push_service
):
    world["a"].province = "An Giang"
    db.session.commit()
    area = _area_admin(app, "admin.angiang@example.vn", "An Giang")
    elsewhere = _area_admin(app, "admin.camau@example.vn", "Cà Mau")
    national, official = world["admin"], world["official_a"]
    endpoints = {
        name: device(client)["endpoint"]
        for name, client in (
            ("national", national),
            ("area", area),
            ("elsewhere", elsewhere),
            ("official", official),
        )
    }
    thread_id = ask(world["resident_a"], "xa-a", "Nước lũ dâng cao", kind="report", urgent=True)
    _started(thread_id, 29)
    deliver()
    assert _escalations(push_service, thread_id) == []
    assert db.session.get(Thread, thread_id).escalated_at is None

    _started(thread_id, 31)
    deliver()
    heard = _escalations(push_service, thread_id)
    assert {m.endpoint for m in heard} == {endpoints["national"], endpoints["area"]}
    assert {m.urgency for m in heard} == {"high"}
    assert heard[0].json["notification"]["navigate"].endswith("/admin/communes/xa-a")
    assert "Nước lũ" not in str(heard[0].json)  # the report's words stay with the officials
    assert db.session.get(Thread, thread_id).escalated_at is not None

    deliver()  # once only
    assert len(_escalations(push_service, thread_id)) == 2


def test_an_answered_or_ordinary_report_is_not_escalated(world):
    answered = ask(world["resident_a"], "xa-a", "Cầu sắp sập", kind="report", urgent=True)
    reply(world["official_a"], answered, "Đã cử người tới")
    ask(world["resident_a"], "xa-a", "Đèn đường hỏng", kind="report")  # not urgent
    later = utcnow() + timedelta(hours=2)
    assert escalate_unanswered(later) == 0
    waiting = ask(world["resident_a"], "xa-a", "Cháy rừng", kind="report", urgent=True)
    assert escalate_unanswered(later) == 1
    assert escalate_unanswered(later) == 0
    escalated = db.session.scalars(select(Thread.id).where(Thread.escalated_at.is_not(None)))
    assert list(escalated) == [waiting]


def test_the_push_worker_runs_the_escalation_every_minute(app):
    [job] = [job for job in registered_periodic(app) if job.name == "escalate urgent reports"]
    assert job.job is escalate_unanswered and job.every_s == 60
