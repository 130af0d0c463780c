"""Statistics against figures computed by hand on a fixed data set.

The service runs in Asia/Ho_Chi_Minh (UTC+7). "Now" is Thursday 19 March 2026, 12:00 local
(05:00 UTC); three weeks back are ISO weeks 2026-W10 (2-8 March), W11 (9-15) and W12 (16-22).
Times below are UTC; the comments give the local time where it decides the week.

Commune A (province "Tỉnh P", district "Huyện D1"), residents Chị Lan and Anh Minh, one official:
  t1  Mon 2 Mar 01:00       W10  official answer after 2 h (a resident replied after 1 h);
                                 resolved 3 Mar, reopened, resolved again 4 Mar (W10, once)
  t2  Sun 8 Mar 16:30       W10  (local Sun 23:30) answered after 30 h
  t3  Sun 8 Mar 17:30       W11  (local Mon 9 Mar 00:30) answered after 10 h;
                                 resolved Sun 15 Mar 18:00 (local Mon 16 Mar 01:00: W12)
  t4  Thu 12 Mar 00:00      W11  never answered: has waited over 24 h
  t5  Thu 19 Mar 00:00      W12  never answered, asked 5 h ago: not counted against anyone yet
  t6  Sun 1 Mar 10:00       W09  outside the window
  t7  Wed 18 Mar 00:00      W12  an official reply after 1 h that was hidden; the next after 20 h
  -> opened [2, 2, 2], resolved [1, 0, 1]
  -> answered after 2, 10, 20, 30 h: median 15 h, p90 (nearest rank: 4th of 4) 30 h
  -> counted threads 5 (4 answered + t4), within 24 h 3: share 0.6; waiting 1
  -> members 2 (Chị Lan has two push subscriptions: push_members 1); officials 1
  -> announcement on 10 Mar: deliveries 3 sent, 1 failed, 1 expired, 1 pending: reach 3/6;
     an older one (20 Feb, outside the window) is left out

Commune B (province "Tỉnh P", district "Huyện D2"), resident Cô Hoa, one official:
  u1  Tue 10 Mar 00:00      W11  answered after 1 h
  u2  Tue 17 Mar 00:00      W12  answered after exactly 24 h (counts as within 24 h)
  -> opened [0, 1, 1]; median 12.5 h, p90 24 h; share 2/2; one announcement, 2 of 2 delivered

Commune C (province "Tỉnh Q", no district): nothing.

Province P: answered 1, 2, 10, 20, 24, 30 h: median 15 h, p90 (6th of 6) 30 h; share 5/7.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts.models import Account
from app.admin.schemas import AdminStats, AreaFilter, PublicResponse
from app.admin.services import StatsPage
from app.admin.stats import Figures, percentile, report, window
from app.announcements.models import Announcement
from app.communes.models import Commune
from app.extensions import db
from app.push.models import Delivery, PushMessage, PushSubscription
from app.threads.models import Reply, StatusChange, Thread

TZ = "Asia/Ho_Chi_Minh"
NOW = datetime(2026, 3, 19, 5, 0, tzinfo=UTC)
H = 3600


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def account(name: str) -> Account:
    found = db.session.scalar(select(Account).where(Account.display_name == name))
    if found is None:
        found = db.session.scalar(select(Account).where(Account.email == name))
    assert found is not None, name
    return found


def thread(commune: Commune, author: Account, created: datetime) -> Thread:
    item = Thread(
        commune_id=commune.id,
        author_id=author.id,
        kind="question",
        body="?",
        visibility="public",
        status="new",
        created_at=created,
    )
    db.session.add(item)
    db.session.flush()
    return item


def reply(item: Thread, author: Account, role: str, created: datetime, hidden: bool = False):
    db.session.add(
        Reply(
            thread_id=item.id,
            author_id=author.id,
            author_role=role,
            body="!",
            created_at=created,
            hidden_at=created if hidden else None,
        )
    )


def resolve(item: Thread, actor: Account, created: datetime) -> None:
    db.session.add(
        StatusChange(
            thread_id=item.id,
            actor_id=actor.id,
            from_status="new",
            to_status="resolved",
            created_at=created,
        )
    )


def subscribe(owner: Account, number: int) -> PushSubscription:
    subscription = PushSubscription(
        account_id=owner.id,
        endpoint=f"https://fcm.googleapis.com/fcm/send/{owner.id}-{number}",
        p256dh="k",
        auth="a",
    )
    db.session.add(subscription)
    db.session.flush()
    return subscription


def announce(commune: Commune, author: Account, created: datetime, states: list[str]) -> None:
    item = Announcement(
        commune_id=commune.id, author_id=author.id, title="T", body="B", created_at=created
    )
    db.session.add(item)
    db.session.flush()
    message = PushMessage(
        kind="announcement",
        commune_id=commune.id,
        actor_id=author.id,
        announcement_id=item.id,
        payload="{}",
        topic=f"a{item.id}",
        urgency="normal",
        expires_at=created + timedelta(days=7),
        expanded=True,
        created_at=created,
    )
    db.session.add(message)
    db.session.flush()
    for state in states:
        db.session.add(Delivery(message_id=message.id, subscription_id=None, state=state))


@pytest.fixture
def dataset(world, make_commune):
    a, b = world["a"], world["b"]
    c = make_commune("xa-c", "Xã C")
    a.province, a.district = "Tỉnh P", "Huyện D1"
    b.province, b.district = "Tỉnh P", "Huyện D2"
    c.province = "Tỉnh Q"
    lan, minh, hoa = account("Chị Lan"), account("Anh Minh"), account("Cô Hoa")
    off_a, off_b = account("official.a@example.vn"), account("official.b@example.vn")

    t1 = thread(a, lan, at(2, 1))
    reply(t1, minh, "resident", at(2, 2))
    reply(t1, off_a, "official", at(2, 3))
    reply(t1, off_a, "official", at(2, 9))
    resolve(t1, off_a, at(3, 10))
    resolve(t1, off_a, at(4, 10))
    t2 = thread(a, lan, at(8, 16, 30))
    reply(t2, off_a, "official", at(8, 16, 30) + timedelta(hours=30))
    t3 = thread(a, minh, at(8, 17, 30))
    reply(t3, off_a, "official", at(8, 17, 30) + timedelta(hours=10))
    resolve(t3, off_a, at(15, 18))
    thread(a, minh, at(12))  # t4
    thread(a, lan, at(19))  # t5
    t6 = thread(a, lan, at(1, 10))
    reply(t6, off_a, "official", at(1, 11))
    t7 = thread(a, lan, at(18))
    reply(t7, off_a, "official", at(18, 1), hidden=True)
    reply(t7, off_a, "official", at(18, 20))

    u1 = thread(b, hoa, at(10))
    reply(u1, off_b, "official", at(10, 1))
    u2 = thread(b, hoa, at(17))
    reply(u2, off_b, "official", at(18))

    subscribe(lan, 1)
    subscribe(lan, 2)
    subscribe(off_a, 1)
    announce(a, off_a, at(10), ["sent", "sent", "sent", "failed", "expired", "pending"])
    announce(a, off_a, at(20, month=2), ["sent", "sent"])
    announce(b, off_b, at(11), ["sent", "sent"])
    db.session.commit()
    return {"a": a, "b": b, "c": c}


def test_window_is_iso_weeks_in_local_time():
    win = window(NOW, 3, TZ)
    assert win.labels == ("2026-W10", "2026-W11", "2026-W12")
    assert win.since == datetime(2026, 3, 1, 17, tzinfo=UTC)  # Monday 2 March 00:00 +07
    assert win.until == datetime(2026, 3, 22, 17, tzinfo=UTC)
    year_end = window(datetime(2027, 1, 1, 12, tzinfo=UTC), 2, TZ)
    assert year_end.labels == ("2026-W52", "2026-W53")


def test_percentiles():
    assert percentile([], 90) is None
    assert percentile([5], 90) == 5
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile([1, 2, 3, 4], 50) == 2


def test_figures_per_commune_match_the_hand_computed_ones(dataset):
    result = report(list(dataset.values()), window(NOW, 3, TZ))
    per = {commune.slug: figures for commune, figures in result.communes}
    a = per["xa-a"]
    assert (a.members, a.push_members, a.officials) == (2, 1, 1)
    assert a.opened == [2, 2, 2]
    assert a.resolved == [1, 0, 1]
    assert sorted(a.answer_seconds) == [2 * H, 10 * H, 20 * H, 30 * H]
    assert a.median_seconds == 15 * H
    assert a.p90_seconds == 30 * H
    assert (a.due, a.within_day, a.waiting) == (5, 3, 1)
    assert a.within_24h_share == pytest.approx(0.6)
    assert (a.announcements, a.push_subscriptions, a.push_delivered) == (1, 6, 3)
    assert a.push_reach == pytest.approx(0.5)

    b = per["xa-b"]
    assert (b.members, b.push_members, b.officials) == (1, 0, 1)
    assert b.opened == [0, 1, 1] and b.resolved == [0, 0, 0]
    assert b.median_seconds == 12.5 * H and b.p90_seconds == 24 * H
    assert b.within_24h_share == 1.0
    assert (b.announcements, b.push_subscriptions, b.push_delivered) == (1, 2, 2)

    c = per["xa-c"]
    assert c.opened == [0, 0, 0] and c.median_seconds is None and c.within_24h_share is None
    assert c.push_reach is None


def test_roll_ups_pool_the_threads_not_the_medians(dataset):
    result = report(list(dataset.values()), window(NOW, 3, TZ))
    assert [(code, name) for code, name, _f in result.provinces] == [
        (None, "Tỉnh P"),
        (None, "Tỉnh Q"),
    ]
    provinces = {name: f for _code, name, f in result.provinces}
    p = provinces["Tỉnh P"]
    assert p.opened == [2, 3, 3] and p.resolved == [1, 0, 1]
    assert p.median_seconds == 15 * H and p.p90_seconds == 30 * H
    assert p.within_24h_share == pytest.approx(5 / 7)
    assert (p.members, p.push_members, p.officials) == (3, 1, 2)
    assert (p.push_subscriptions, p.push_delivered) == (8, 5)
    assert provinces["Tỉnh Q"].opened == [0, 0, 0]
    assert sorted(result.total.answer_seconds) == sorted(p.answer_seconds)
    # The per-commune figures were not changed by rolling them up; B's own median is what its
    # former district (Huyện D2, B alone) showed when districts were a level.
    per_commune = {c.slug: f for c, f in result.communes}
    assert per_commune["xa-a"].opened == [2, 2, 2]
    assert per_commune["xa-b"].median_seconds == 12.5 * H


def test_a_province_of_the_list_rolls_up_by_its_code_whatever_the_spelling(dataset):
    a, b = dataset["a"], dataset["b"]
    a.province, a.province_code = "Tỉnh An Giang", "91"
    b.province, b.province_code = "an giang", "91"
    db.session.commit()
    result = report(list(dataset.values()), window(NOW, 3, TZ))
    assert [(code, name) for code, name, _f in result.provinces] == [
        ("91", "An Giang"),
        (None, "Tỉnh Q"),
    ]
    p = result.provinces[0][2]
    assert p.opened == [2, 3, 3] and p.median_seconds == 15 * H and p.p90_seconds == 30 * H
    assert (p.members, p.officials) == (3, 2)


def test_json_shapes(dataset):
    # The JSON is built by the response models (app/admin/schemas.py) from the figures.
    result = report(list(dataset.values()), window(NOW, 3, TZ))
    area = AreaFilter(province=None, district=None)
    page = StatsPage(result, result.communes, next_cursor=None, found=len(result.communes))
    body = AdminStats.of(page, area, "https://xa.example").dump()
    assert body["weeks"] == ["2026-W10", "2026-W11", "2026-W12"]
    assert body["since"] == "2026-03-01T17:00:00Z"
    assert body["districts"] == []  # two tiers since 2025: kept, empty, for older clients
    p = body["provinces"][0]
    assert (p["province"], p["province_code"]) == ("Tỉnh P", None)
    assert p["figures"]["first_answer"] == {
        "answered": 6,
        "waiting": 1,
        "median_seconds": 15 * H,
        "p90_seconds": 30 * H,
        "within_24h_share": round(5 / 7, 4),
    }
    assert p["figures"]["threads"] == {
        "opened": [2, 3, 3],
        "resolved": [1, 0, 1],
        "opened_total": 8,
        "resolved_total": 2,
    }
    assert p["figures"]["push"] == {
        "announcements": 2,
        "subscriptions": 8,
        "delivered": 5,
        "reach": 0.625,
    }
    public = PublicResponse.of(Figures(3, answer_seconds=[H] * 4, due=4)).dump()
    assert public == {
        "enough_data": False,
        "median_seconds": None,
        "p90_seconds": None,
        "within_24h_share": None,
    }


# --- through the API and the pages, with data relative to the real clock ----------------------


@pytest.fixture
def recent(world):
    """Five threads in A in the last days: answered after 1, 2, 3 and 30 h, one unanswered."""
    now = datetime.now(UTC)
    off_a, lan = account("official.a@example.vn"), account("Chị Lan")
    for hours in (1, 2, 3, 30, None):
        created = now - timedelta(hours=40)
        item = thread(world["a"], lan, created)
        if hours is not None:
            reply(item, off_a, "official", created + timedelta(hours=hours))
    db.session.commit()
    return world


def test_commune_stats_api(recent):
    response = recent["official_a"].get("/api/v1/communes/xa-a/stats?weeks=2")
    assert response.status_code == 200
    body = response.get_json()
    assert body["commune"]["slug"] == "xa-a" and len(body["weeks"]) == 2
    figures = body["figures"]
    assert figures["members"] == 2 and figures["officials"] == 1
    assert sum(figures["threads"]["opened"]) == 5
    assert figures["first_answer"] == {
        "answered": 4,
        "waiting": 1,
        "median_seconds": round(2.5 * H),
        "p90_seconds": 30 * H,
        "within_24h_share": 0.6,
    }
    assert recent["admin"].get("/api/v1/communes/xa-a/stats").status_code == 200
    for actor in ("official_b", "resident_a"):
        assert recent[actor].get("/api/v1/communes/xa-a/stats").status_code == 403
    for weeks in ("0", "53", "x", "1" * 30):
        bad = recent["admin"].get(f"/api/v1/communes/xa-a/stats?weeks={weeks}")
        assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "weeks"


def test_public_stats_show_response_figures_only(app, recent):
    anonymous = app.test_client()
    api = anonymous.get("/api/v1/communes/xa-a/stats/public")
    assert api.status_code == 200
    body = api.get_json()
    assert body["response"] == {
        "enough_data": True,
        "median_seconds": round(2.5 * H),
        "p90_seconds": 30 * H,
        "within_24h_share": 0.6,
    }
    assert "members" not in str(body) and "figures" not in body
    page = anonymous.get("/c/xa-a/stats")
    assert page.status_code == 200
    assert (
        "60 %" in page.text and "<svg" in page.text and "2,5 giờ" in page.text
    )  # a decimal comma in Vietnamese
    # Too few threads: no figures at all.
    few = anonymous.get("/c/xa-b/stats")
    assert few.status_code == 200 and "60 %" not in few.text and "<svg" not in few.text
    assert (
        anonymous.get("/api/v1/communes/xa-b/stats/public").get_json()["response"]["enough_data"]
        is False
    )
    assert anonymous.get("/c/nope/stats").status_code == 404


def test_rollup_api_and_csv(recent):
    admin = recent["admin"]
    a, b = recent["a"], recent["b"]
    a.province, a.district, b.province = "Tỉnh P", "Huyện D1", "Tỉnh Q"
    db.session.commit()
    body = admin.get("/api/v1/stats?weeks=2").get_json()
    assert [p["province"] for p in body["provinces"]] == ["Tỉnh P", "Tỉnh Q"]
    # No district level since 2025: the list stays for older clients, empty.
    assert body["districts"] == []
    assert body["total"]["members"] == 3
    assert body["filter"] == {"province": None, "district": None}
    only = admin.get("/api/v1/stats?province=Tỉnh P").get_json()
    assert [c["commune"]["slug"] for c in only["communes"]] == ["xa-a"]
    assert only["total"]["first_answer"]["answered"] == 4
    for actor in ("official_a", "resident_a"):
        assert recent[actor].get("/api/v1/stats").status_code == 403
        assert recent[actor].get("/admin/stats.csv").status_code == 403
        assert recent[actor].get("/admin/stats").status_code == 403

    response = admin.get("/admin/stats.csv?province=Tỉnh P")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [row["level"] for row in rows] == ["total", "province", "commune"]
    commune = rows[-1]
    assert commune["district"] == "Huyện D1"  # history, not a level
    assert commune["slug"] == "xa-a" and commune["threads_opened"] == "5"
    assert commune["first_answer_median_hours"] == "2.50"
    assert commune["first_answer_p90_hours"] == "30.00"
    assert commune["answered_within_24h_share"] == "0.6000"
    weekly = admin.get("/admin/stats.csv?by=week&weeks=3&province=Tỉnh P")
    assert "weekly" in weekly.headers["Content-Disposition"]
    weekly_rows = list(csv.DictReader(io.StringIO(weekly.data.decode("utf-8-sig"))))
    weeks = admin.get("/api/v1/stats?weeks=3").get_json()["weeks"]
    assert [row["week"] for row in weekly_rows] == weeks * 3  # total, province, xa-a
    assert sum(int(row["opened"]) for row in weekly_rows if row["level"] == "commune") == 5


def test_csv_cells_never_become_formulas(recent):
    admin = recent["admin"]
    assert admin.patch("/api/v1/communes/xa-a", json={"name": "=HYPERLINK(1)"}).status_code == 200
    text = admin.get("/admin/stats.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_stats_pages(recent):
    admin = recent["admin"]
    page = admin.get("/admin/stats")
    assert page.status_code == 200
    assert page.text.count("<svg") == 2 and "/admin/stats.csv" in page.text
    assert "<script" not in page.text.split("</head>")[1]
    commune = recent["official_a"].get("/communes/xa-a/stats")
    assert commune.status_code == 200 and commune.text.count("<svg") == 2
    assert "60 %" in commune.text
    assert recent["official_b"].get("/communes/xa-a/stats").status_code == 403
    assert recent["resident_a"].get("/communes/xa-a/stats").status_code == 403


def test_statistics_speak_plain_words(recent):
    """No statistician's words for residents and officials: no "ISO week", no "median"."""
    catalogue = Path("app/translations/vi/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    for jargon in ("tuần ISO", "trung vị", "ISO week", "median"):
        assert jargon.lower() not in catalogue.lower(), jargon
    page = recent["admin"].get("/admin/stats").text
    assert "Một nửa được trả lời trong vòng" in page and "mỗi tuần tính từ thứ Hai" in page
    assert not re.search(r"\bW\d\d\b", page)  # weeks are named by their Monday: 2/3
    public = recent["resident_a"].get("/c/xa-a/stats").text
    assert "Một nửa được trả lời trong vòng" in public


def test_the_group_page_links_its_public_statistics(recent):
    feed = recent["resident_a"].get("/c/xa-a").text
    assert '<a href="/c/xa-a/stats">Xã trả lời thế nào</a>' in feed


def test_the_pages_read_their_query_with_the_apis_models(app, recent):
    """The statistics pages and the boards' PDF refuse what the JSON API refuses, with its
    message (they read ``?weeks=&province=&district=`` with the same query models)."""
    admin = recent["admin"]
    long_place = "x" * 121
    cases = [
        (admin, "/admin/stats?weeks=53", "/api/v1/stats?weeks=53"),
        (admin, f"/admin/stats?province={long_place}", f"/api/v1/stats?province={long_place}"),
        (admin, "/admin/stats.csv?weeks=0", "/api/v1/stats?weeks=0"),
        (admin, f"/admin/boards.pdf?district={long_place}", f"/api/v1/stats?district={long_place}"),
        (admin, "/communes/xa-a/stats?weeks=x", "/api/v1/communes/xa-a/stats?weeks=x"),
        (
            app.test_client(),
            "/c/xa-a/stats?weeks=1e3",
            "/api/v1/communes/xa-a/stats/public?weeks=1e3",
        ),
    ]
    for client, page_url, api_url in cases:
        api = client.get(api_url)
        assert api.status_code == 422, api_url
        page = client.get(page_url)
        assert page.status_code == 422, page_url
        assert api.get_json()["error"]["message"] in page.text, page_url
    assert admin.get("/admin/stats?weeks=2&province=Tỉnh P").status_code == 200
