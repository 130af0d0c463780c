"""Issue 14: the morning digest of overdue threads, once per working day, to each commune's
officials and to each admin for the communes of their area; the pages that show the same list;
escalations and digests stored under kinds of their own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.accountability.models import DayOff, OverdueDigest
from app.accountability.working_time import ZONE
from app.extensions import db
from app.models_base import utcnow
from app.notifications.audiences import audience
from app.notifications.digest import send_digests
from app.notifications.escalation import escalate_unanswered
from app.push.models import (
    KIND_DIGEST,
    KIND_ESCALATION,
    Delivery,
    PushMessage,
)
from app.push.periodic import registered_periodic
from app.threads.models import Thread
from tests.conftest import new_staff, sign_in
from tests.threads.helpers import ask, me, stored_subscription


def _local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


# Thursday 10 December 2026, a working day.
MORNING = _local(2026, 12, 10, 7, 5)


def _overdue(client, slug: str, body: str, *, before: datetime = MORNING) -> int:
    thread_id = ask(client, slug, body)
    thread = db.session.get(Thread, thread_id)
    thread.respond_by = before - timedelta(hours=3)
    thread.resolve_by = before + timedelta(days=3)
    db.session.commit()
    return thread_id


def _digests() -> list[PushMessage]:
    return list(
        db.session.scalars(
            select(PushMessage).where(PushMessage.kind == KIND_DIGEST).order_by(PushMessage.id)
        )
    )


def _area_admin(app, email: str, province: str):
    account = new_staff(email, admin=True)
    account.admin_province = province
    db.session.commit()
    return sign_in(app, email)


def test_each_commune_gets_one_digest_each_working_morning(world):
    official, resident = world["official_a"], world["resident_a"]
    official_sub = stored_subscription(me(official))
    resident_sub = stored_subscription(me(resident))
    first = _overdue(resident, "xa-a", "Đèn đường hỏng ở ngõ 4")
    _overdue(resident, "xa-a", "Cống bị tắc")
    _overdue(world["resident_b"], "xa-b", "Rác chưa thu")
    fresh = db.session.get(Thread, ask(resident, "xa-a", "Chưa tới hạn"))
    fresh.respond_by, fresh.resolve_by = MORNING + timedelta(hours=1), MORNING + timedelta(days=2)
    db.session.commit()

    assert send_digests(_local(2026, 12, 10, 6, 55)) == 0  # before 07:00
    assert send_digests(MORNING) == 2
    assert send_digests(MORNING + timedelta(hours=2)) == 0  # once a day
    digest_a, digest_b = _digests()
    assert digest_a.commune_id == world["a"].id and digest_b.commune_id == world["b"].id
    assert '"2 việc quá hạn: Xã A"' in digest_a.payload
    assert f"#{first} Đèn đường" in digest_a.payload
    assert "/w/xa-a/overdue" in digest_a.payload
    # The commune's officials hear of it, not its residents.
    assert list(db.session.scalars(audience(digest_a))) == [official_sub]
    assert resident_sub not in list(db.session.scalars(audience(digest_a)))
    days = db.session.scalars(select(OverdueDigest.day).distinct()).all()
    assert days == [date(2026, 12, 10)]
    # The next working morning, again.
    assert send_digests(_local(2026, 12, 11, 7, 0)) == 2


def test_no_digest_on_weekends_holidays_or_a_province_day_off(world):
    world["a"].province, world["a"].province_code = "An Giang", "91"
    db.session.commit()
    _overdue(world["resident_a"], "xa-a", "Ngập nước", before=_local(2026, 12, 12, 7))
    _overdue(world["resident_b"], "xa-b", "Ngập nước", before=_local(2026, 12, 12, 7))
    assert send_digests(_local(2026, 12, 12, 7, 5)) == 0  # Saturday
    assert send_digests(_local(2026, 12, 13, 9, 0)) == 0  # Sunday
    assert send_digests(_local(2027, 1, 1, 7, 30)) == 0  # New Year's Day
    assert send_digests(_local(2027, 2, 8, 8, 0)) == 0  # Tết holidays (Monday)
    db.session.add(DayOff(province_code="91", day=date(2026, 12, 14), name="Bão"))
    db.session.commit()
    assert send_digests(_local(2026, 12, 14, 7, 5)) == 1  # Monday: only commune B
    assert [m.commune_id for m in _digests()] == [world["b"].id]


def test_the_digest_time_is_a_setting(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_TIME", "08:30")
    _overdue(world["resident_a"], "xa-a", "Đường hỏng")
    assert send_digests(_local(2026, 12, 10, 8, 0)) == 0
    assert send_digests(_local(2026, 12, 10, 8, 30)) == 1


def test_each_admin_gets_one_digest_for_the_communes_of_their_area(app, world):
    world["a"].province = "An Giang"
    db.session.commit()
    area = _area_admin(app, "admin.angiang@example.vn", "An Giang")
    elsewhere = _area_admin(app, "admin.camau@example.vn", "Cà Mau")
    subs = {
        name: stored_subscription(me(c))
        for name, c in (("national", world["admin"]), ("area", area), ("elsewhere", elsewhere))
    }
    _overdue(world["resident_a"], "xa-a", "Sạt lở")
    _overdue(world["resident_a"], "xa-a", "Cầu hỏng")
    _overdue(world["resident_b"], "xa-b", "Điện chập chờn")
    assert send_digests(MORNING) == 2 + 2  # two communes, two admins (Cà Mau has none)
    assert send_digests(MORNING) == 0
    by_subscription = {
        subscription_id: message
        for subscription_id, message in db.session.execute(
            select(Delivery.subscription_id, PushMessage)
            .join(PushMessage, PushMessage.id == Delivery.message_id)
            .where(PushMessage.kind == KIND_DIGEST)
        )
    }
    assert set(by_subscription) == {subs["national"], subs["area"]}
    national = by_subscription[subs["national"]].payload
    assert "3 việc quá hạn ở các xã bạn quản lý" in national
    assert "Xã A: 2; Xã B: 1" in national and "/admin/overdue" in national
    assert "Sạt lở" not in national  # names and counts only
    assert "Xã A: 2" in by_subscription[subs["area"]].payload
    assert "Xã B" not in by_subscription[subs["area"]].payload


def test_the_officials_and_admins_pages_list_the_same(app, world):
    world["a"].province = "An Giang"
    db.session.commit()
    now = utcnow()
    late = _overdue(world["resident_a"], "xa-a", "Đèn đường hỏng", before=now)
    fresh = ask(world["resident_a"], "xa-a", "Chưa tới hạn")
    _overdue(world["resident_b"], "xa-b", "Việc của xã B", before=now)
    page = world["official_a"].get("/w/xa-a/overdue").get_data(as_text=True)
    assert f'href="/w/t/{late}"' in page and f'href="/w/t/{fresh}"' not in page
    assert "chưa trả lời" in page and "Việc của xã B" not in page
    assert world["resident_a"].get("/w/xa-a/overdue").status_code == 403
    national = world["admin"].get("/admin/overdue").get_data(as_text=True)
    assert "Xã A" in national and "Xã B" in national and "Đèn đường" not in national
    area = _area_admin(app, "admin.angiang@example.vn", "An Giang")
    mine = area.get("/admin/overdue").get_data(as_text=True)
    assert "Xã A" in mine and "Xã B" not in mine
    assert world["official_a"].get("/admin/overdue").status_code == 403


def test_escalations_and_digests_have_kinds_of_their_own(app, world):
    thread_id = ask(world["resident_a"], "xa-a", "Cháy rừng", kind="report", urgent=True)
    assert escalate_unanswered(utcnow() + timedelta(hours=2)) == 1
    kinds = db.session.scalars(
        select(PushMessage.kind).where(PushMessage.thread_id == thread_id).order_by(PushMessage.id)
    ).all()
    assert kinds == ["new_thread", KIND_ESCALATION]
    [job] = [job for job in registered_periodic(app) if job.name == "morning digest"]
    assert job.job is send_digests
