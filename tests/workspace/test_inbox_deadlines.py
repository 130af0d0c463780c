"""Issue 14: the officials' inbox shows the time left or "overdue" on every open thread, and
filters the overdue ones (page and API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.accountability.working_time import ZONE
from app.extensions import db
from app.models_base import utcnow
from app.threads.deadlines import set_deadlines
from app.threads.models import Thread
from tests.threads.helpers import API, ask, call, inbox_items, reply


def _long_ago(thread_id: int) -> None:
    thread = db.session.get(Thread, thread_id)
    thread.created_at = datetime(2026, 1, 5, 9, tzinfo=ZONE).astimezone(UTC)
    set_deadlines(thread)
    db.session.commit()


def test_the_inbox_filters_overdue_threads(world):
    official, resident = world["official_a"], world["resident_a"]
    late = ask(resident, "xa-a", "Đèn đường hỏng cả tuần")
    _long_ago(late)
    fresh = ask(resident, "xa-a", "Xin hỏi giờ làm việc")
    everything = [item["id"] for item in inbox_items(official)]
    assert late in everything and fresh in everything
    assert [item["id"] for item in inbox_items(official, overdue=1)] == [late]
    assert {item["id"] for item in inbox_items(official, overdue=0)} == {late, fresh}
    refused = call(official, "GET", f"{API}/inbox", query_string={"overdue": "yes"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["field"] == "overdue"


def test_the_inbox_page_shows_time_left_and_overdue(world):
    official, resident = world["official_a"], world["resident_a"]
    late = ask(resident, "xa-a", "Đèn đường hỏng cả tuần")
    _long_ago(late)
    ask(resident, "xa-a", "Xin hỏi giờ làm việc")
    page = official.get("/w/xa-a").text
    assert page.count("quá hạn") >= 1
    assert "giờ" in page.split('data-thread="', 2)[-1]  # the fresh one: hours left
    only = official.get("/w/xa-a?overdue=1").text
    assert f'data-thread="{late}"' in only and "Xin hỏi giờ làm việc" not in only
    assert 'name="overdue" value="1" checked' in only


@pytest.mark.parametrize(
    ("hours", "shown"),
    [
        (0, "còn dưới 1 giờ"),
        (5, "còn 5 giờ"),
        (47, "còn 47 giờ"),
        (48, "còn 2 ngày"),
        (84, "còn 3 ngày 12 giờ"),
    ],
)
def test_time_left_reads_in_days_from_two_days_on(world, hours, shown):
    official, resident = world["official_a"], world["resident_a"]
    thread_id = ask(resident, "xa-a", "Cống thoát nước bị tắc")
    thread = db.session.get(Thread, thread_id)
    thread.respond_by = utcnow() + timedelta(hours=hours, minutes=30)
    db.session.commit()
    page = official.get("/w/xa-a").text
    badge = page.split(f'data-thread="{thread_id}"', 1)[1].split("</li>", 1)[0]
    assert " ".join(shown.split()) in " ".join(badge.split())


def test_the_inbox_sorts_by_deadline_and_by_supporters(world):
    official, resident = world["official_a"], world["resident_a"]
    first = ask(resident, "xa-a", "Hỏi thứ nhất")
    second = ask(resident, "xa-a", "Hỏi thứ hai")
    late = ask(resident, "xa-a", "Hỏi đã quá hạn")
    _long_ago(late)
    by_deadline = [item["id"] for item in inbox_items(official, sort="deadline")]
    assert by_deadline == [late, first, second]
    for who in ("resident_a2", "official_a"):
        assert call(world[who], "POST", f"{API}/threads/{second}/support").status_code == 201
    call(world["resident_a2"], "POST", f"{API}/threads/{first}/support")
    assert [item["id"] for item in inbox_items(official, sort="supporters")] == [
        second,
        first,
        late,
    ]
    page = call(official, "GET", f"{API}/inbox", query_string={"sort": "supporters", "limit": 2})
    assert page.get_json()["next_cursor"] == "s-2"
    rest = inbox_items(official, sort="supporters", limit=2, cursor="s-2")
    assert [item["id"] for item in rest] == [late]
    for args in ({"sort": "newest"}, {"sort": "deadline", "cursor": "0-5"}, {"cursor": "s-2"}):
        refused = call(official, "GET", f"{API}/inbox", query_string=args)
        assert refused.status_code == 422, args
    assert 'value="supporters" selected' in official.get("/w/xa-a?sort=supporters").text


def test_urgent_reports_not_yet_responded_to_head_the_first_page(world):
    official, resident = world["official_a"], world["resident_a"]
    older = ask(resident, "xa-a", "Hỏi thủ tục khai sinh")
    answered = ask(resident, "xa-a", "Hỏi giờ làm việc")
    reply(official, answered, "Sáng thứ Bảy có làm việc.")
    urgent = ask(resident, "xa-a", "Nước lũ tràn qua cầu ấp 3", kind="report", urgent=True)
    assert [item["id"] for item in inbox_items(official)] == [urgent, older, answered]
    # Paged: the urgent one on the first page only, and the cursor as before.
    first = call(official, "GET", f"{API}/inbox", query_string={"limit": 1}).get_json()
    assert [item["id"] for item in first["items"]] == [urgent, older]
    assert first["next_cursor"] == f"0-{older}"
    rest = inbox_items(official, limit=1, cursor=first["next_cursor"])
    assert [item["id"] for item in rest] == [answered]
    page = official.get("/w/xa-a").text
    assert page.index(f'data-thread="{urgent}"') < page.index(f'data-thread="{older}"')
    assert "khẩn cấp" in page.split(f'data-thread="{urgent}"', 1)[1].split("</li>", 1)[0]
    # Once an official has responded, it takes its usual place again.
    reply(official, urgent, "Đã cử người ra cầu.")
    assert [item["id"] for item in inbox_items(official)] == [older, answered, urgent]
