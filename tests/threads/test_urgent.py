"""Issue 14, urgent reports: the residents' form offers it in plain words, officials mark a
report urgent or not (recorded), and an urgent report nobody answered in 30 minutes is pushed to
the province's admins."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from app.accounts.models import Account
from app.audit.models import AuditEvent
from app.extensions import db
from app.models_base import as_utc, utcnow
from app.threads.models import Thread
from tests.threads.helpers import API, ask, call


def shown(client, thread_id: int) -> dict:
    return call(client, "GET", f"{API}/threads/{thread_id}").get_json()


def test_the_ask_form_offers_urgent_in_plain_words(world):
    resident = world["resident_a"]
    page = resident.get("/c/xa-a").get_data(as_text=True)
    box = re.search(r'<input type="checkbox" name="urgent"[^>]*>', page)
    assert box and 'aria-describedby="urgent-hint"' in box.group(0)
    hint = re.search(r'<p class="hint" id="urgent-hint">([^<]*)</p>', page)
    assert hint and "chỉ chọn khi đang có nguy hiểm trước mắt" in hint.group(1).lower()
    for danger in ("ngập", "cầu", "cháy"):
        assert danger in hint.group(1).lower()
    key = re.search(r'name="idempotency_key" value="([\w-]+)"', page).group(1)
    sent = resident.post(
        "/c/xa-a/threads",
        data={
            "kind": "report",
            "body": "Nước ngập tới đầu gối ở thôn 3",
            "visibility": "public",
            "urgent": "1",
            "idempotency_key": key,
        },
    )
    assert sent.status_code == 303
    assert db.session.scalars(db.select(Thread)).one().urgent is True


def urgency(client, thread_id: int, urgent: object):
    return call(client, "PUT", f"{API}/threads/{thread_id}/urgent", json={"urgent": urgent})


def test_officials_mark_a_report_urgent_or_not_and_each_change_is_recorded(world):
    thread_id = ask(world["resident_a"], "xa-a", "Cây đổ chắn đường", kind="report")
    ordinary_due = shown(world["official_a"], thread_id)["respond_by"]

    marked = urgency(world["official_a"], thread_id, True)
    assert marked.status_code == 200, marked.get_json()
    assert marked.get_json()["urgent"] is True
    due = as_utc(datetime.fromisoformat(marked.get_json()["respond_by"]))
    assert abs(due - (utcnow() + timedelta(minutes=60))) < timedelta(minutes=1)
    assert shown(world["resident_a"], thread_id)["urgent"] is True
    # Asking again changes nothing and records nothing more.
    assert urgency(world["official_a"], thread_id, True).status_code == 200

    unmarked = urgency(world["official_a"], thread_id, False)
    assert unmarked.status_code == 200 and unmarked.get_json()["urgent"] is False
    assert unmarked.get_json()["respond_by"] == ordinary_due  # the working hours again

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "thread.urgent").order_by(AuditEvent.id)
    ).all()
    assert [json.loads(event.detail) for event in events] == [
        {"from": False, "to": True},
        {"from": True, "to": False},
    ]
    assert {event.target_id for event in events} == {thread_id}
    official = db.session.scalars(
        select(Account).where(Account.email == "official.a@example.vn")
    ).one()
    assert {event.actor_id for event in events} == {official.id}


def test_only_officials_mark_urgency_and_only_true_or_false(world):
    thread_id = ask(world["resident_a"], "xa-a", "Cống bị tắc", kind="report")
    assert urgency(world["resident_a"], thread_id, True).status_code == 403
    assert urgency(world["official_b"], thread_id, True).status_code == 404
    refused = urgency(world["official_a"], thread_id, "very")
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "urgent"
    assert shown(world["official_a"], thread_id)["urgent"] is False


def test_the_officials_thread_page_marks_urgent_and_back(world):
    official = world["official_a"]
    thread_id = ask(world["resident_a"], "xa-a", "Sạt lở bờ sông", kind="report")
    page = official.get(f"/w/t/{thread_id}").get_data(as_text=True)
    assert f'action="/w/t/{thread_id}/urgent"' in page and "Đánh dấu khẩn cấp" in page
    marked = official.post(f"/w/t/{thread_id}/urgent", data={"urgent": "1"})
    assert marked.status_code == 303
    db.session.rollback()
    assert db.session.get(Thread, thread_id).urgent is True
    page = official.get(f"/w/t/{thread_id}").get_data(as_text=True)
    assert "Bỏ khẩn cấp" in page
    assert official.post(f"/w/t/{thread_id}/urgent", data={"urgent": "0"}).status_code == 303
    db.session.rollback()
    assert db.session.get(Thread, thread_id).urgent is False
    resident = world["resident_a"].post(f"/w/t/{thread_id}/urgent", data={"urgent": "1"})
    assert resident.status_code == 403
